import { useState, type ReactNode } from "react";
import { primeAudio } from "../sound";
import { Badge, Input } from "./index";

/** The last scan's answer, shown large under the scan zone. */
export interface LastScan {
  outcome: string;
  serial: string;
  message: string;
  /** Badge text when it is not the outcome itself. */
  label?: string;
}

/**
 * The scan side of a scanning screen (intake, scan station): the zone that shows what the scanner
 * is typing, the last scan's answer, and a field to type a serial by hand.
 */
export function ScanPanel(props: {
  listening: boolean;
  state: ReactNode;
  buffer: string;
  last?: LastScan;
  lastTestId: string;
  disabled: boolean;
  inputTestId: string;
  buttonLabel: string;
  buttonTestId?: string;
  /** What can be done with the last scan (e.g. print its label). */
  lastActions?: ReactNode;
  onSubmit(code: string): void;
}) {
  const [manual, setManual] = useState("");
  const { last } = props;
  return (
    <>
      <div className={`scan-zone ${props.listening ? "listening" : "idle"}`} data-testid="scan-zone">
        <div className="scan-state">{props.state}</div>
        <div className="scan-buffer mono" aria-live="off">
          {props.buffer || "\u00a0"}
        </div>
      </div>
      {last && (
        <div className={`last-scan outcome-${last.outcome}`} aria-live="polite" data-testid={props.lastTestId}>
          <div className="last-scan-head">
            <Badge status={last.outcome} label={last.label} />
            <span className="mono last-scan-serial">{last.serial}</span>
          </div>
          <div>{last.message}</div>
          {props.lastActions && <div className="last-scan-actions">{props.lastActions}</div>}
        </div>
      )}
      <form
        className="row gap"
        onSubmit={(e) => {
          e.preventDefault();
          primeAudio();
          props.onSubmit(manual);
          setManual("");
        }}
      >
        <Input
          className="grow mono"
          value={manual}
          onChange={(e) => setManual(e.target.value)}
          placeholder="Or type a serial number and press Enter"
          disabled={props.disabled}
          testId={props.inputTestId}
          aria-label="Serial number"
          data-scan-field
        />
        <button className="btn btn-primary" disabled={props.disabled || !manual.trim()} data-testid={props.buttonTestId}>
          {props.buttonLabel}
        </button>
      </form>
    </>
  );
}
