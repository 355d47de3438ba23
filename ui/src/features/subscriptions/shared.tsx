import type { ReactNode } from "react";
import type { Rental } from "../../lib/api/bindings/Rental";
import { todayIso } from "../../lib/format";
import { Badge } from "../../lib/ui";

export function Buttons(props: { busy: boolean; label: string; onClose(): void; disabled?: boolean; danger?: boolean; extra?: ReactNode; hideConfirm?: boolean; testId?: string; title?: string }) {
  return (
    <div className="row gap dialog-buttons">
      {!props.hideConfirm && (
        <button className={`btn ${props.danger ? "btn-danger" : "btn-primary"}`} disabled={props.busy || props.disabled} title={props.title} data-testid={props.testId ?? "sub-action-confirm"}>
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

/** The day (YYYY-MM-DD) an instant falls on in a time zone (the unit's business day), as `todayIso` reckons today. */
export function dayInZone(iso: string, zone: string | null | undefined): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
    const part = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    return `${part("year")}-${part("month")}-${part("day")}`;
  } catch {
    const p = (n: number) => String(n).padStart(2, "0");
    return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}`;
  }
}

/**
 * Whether an activation may still be voided, as far as the desk can tell: active, started by an
 * activation on its order (not an upgrade), and activated today in the unit's business day. The
 * core decides the rest (no payment paid or invoiced).
 */
export function voidable(r: Rental, zone: string | null | undefined): boolean {
  return r.status === "active" && !r.upgradeFromRentalId && dayInZone(r.createdAt, zone) === todayIso();
}

/** Whether a cancellation undid a mistaken activation. */
export function isVoided(r: Rental): boolean {
  return !!r.cancellationDetails?.voidedAt;
}

/** A subscription's status; a voided activation reads as voided, not as an ordinary cancellation. */
export function SubscriptionBadge(props: { rental: Rental; testId?: string }) {
  const r = props.rental;
  return isVoided(r) ? <Badge status="cancelled" label="Voided" testId={props.testId} /> : <Badge status={r.status} testId={props.testId} />;
}
