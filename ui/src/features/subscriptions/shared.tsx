import type { ReactNode } from "react";

export function Buttons(props: { busy: boolean; label: string; onClose(): void; disabled?: boolean; danger?: boolean; extra?: ReactNode; hideConfirm?: boolean }) {
  return (
    <div className="row gap dialog-buttons">
      {!props.hideConfirm && (
        <button className={`btn ${props.danger ? "btn-danger" : "btn-primary"}`} disabled={props.busy || props.disabled} data-testid="sub-action-confirm">
          {props.busy ? "Working…" : props.label}
        </button>
      )}
      {props.extra}
      <span className="grow" />
      <button type="button" className="btn btn-ghost" onClick={props.onClose}>
        {props.hideConfirm ? "Close" : "Keep as it is"}
      </button>
    </div>
  );
}
