import type { AppError } from "../../lib/api/client";
import { formatDate, months, todayIso } from "../../lib/format";
import { useCommand } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Empty, Field, Input, LoadError, Loading, Textarea } from "../../lib/ui";
import { PriceHeading, useStatedBasis } from "../../lib/ui/PriceRows";
import { NOTES_MAX_CHARS } from "../../lib/api/bindings/Vocabulary";

/** The group's oldest open consolidated payment: a day in the past means it is overdue. */
export function NextDue(props: { date: string | undefined }) {
  if (!props.date) return <>—</>;
  const overdue = props.date < todayIso();
  return (
    <span className={overdue ? "bad-text" : ""} title={overdue ? "An open consolidated payment is past its due date" : undefined}>
      {formatDate(props.date)}
      {overdue && " (overdue)"}
    </span>
  );
}

/** A billing day as typed: a whole number from 1 to 28 (every month has those days), or null. */
export function dayOf(text: string): number | null {
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 1 && n <= 28 ? n : null;
}

function dayError(text: string, err: AppError | null): string | undefined {
  if (text.trim() && dayOf(text) === null) return "A day from 1 to 28: every month has it.";
  if (err?.code === "INVALID_BILLING_DAY") return err.message;
  return err?.field("billingDay");
}

/** Name, billing day and notes: the fields of a new group and of a group being changed. */
export function GroupFields(props: {
  name: string;
  day: string;
  notes: string;
  onChange(patch: Partial<{ name: string; day: string; notes: string }>): void;
  error: AppError | null;
  disabled?: boolean;
}) {
  return (
    <div className="form-grid">
      <Field label="Group name" wide error={props.error?.field("groupName")}>
        <Input value={props.name} onChange={(e) => props.onChange({ name: e.target.value })} maxLength={200} disabled={props.disabled} testId="billing-name" placeholder="e.g. Head office devices" />
      </Field>
      <Field label="Billing day" hint="Day of the month the group is billed (1–28)." error={dayError(props.day, props.error)}>
        <Input type="number" min={1} max={28} step={1} value={props.day} onChange={(e) => props.onChange({ day: e.target.value })} disabled={props.disabled} testId="billing-day" />
      </Field>
      <Field label="Notes" wide>
        <Textarea rows={2} value={props.notes} onChange={(e) => props.onChange({ notes: e.target.value })} disabled={props.disabled} maxLength={NOTES_MAX_CHARS} testId="billing-notes" />
      </Field>
    </div>
  );
}

/**
 * The customer's active subscriptions to tick. Those billed in another group cannot be ticked
 * here; they leave that group first.
 */
export function MemberPicker(props: { customerId: string; groupId?: string; selected: Set<string>; onChange(next: Set<string>): void; disabled?: boolean }) {
  const s = useSession();
  const basis = useStatedBasis();
  const subs = useCommand("subscriptions.list", { customerId: props.customerId, status: "active", limit: "100" });
  const items = subs.data?.items ?? [];
  const toggle = (id: string, on: boolean) => {
    const next = new Set(props.selected);
    if (on) next.add(id);
    else next.delete(id);
    props.onChange(next);
  };
  if (subs.isLoading) return <Loading what="subscriptions" />;
  if (subs.error) return <LoadError error={subs.error} />;
  if (items.length === 0) return <Empty>This customer has no active subscriptions.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact middle" data-testid="billing-members">
        <thead>
          <tr>
            <th />
            <th>Device</th>
            <th className="num">
              <PriceHeading label="Monthly" basis={basis} />
            </th>
            <th>Ends</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => {
            const elsewhere = !!r.billingGroupId && r.billingGroupId !== props.groupId;
            const on = props.selected.has(r.rentalId);
            return (
              <tr key={r.rentalId} className={on ? "selected" : ""}>
                <td>
                  <input
                    type="checkbox"
                    checked={on}
                    disabled={props.disabled || elsewhere}
                    onChange={(e) => toggle(r.rentalId, e.target.checked)}
                    aria-label={`Bill ${r.assetSerialNumber} in this group`}
                    data-testid="billing-member"
                    data-rental={r.rentalId}
                  />
                </td>
                <td>
                  <a className="mono" href={href("subscriptions", r.rentalId)}>
                    {r.assetSerialNumber}
                  </a>
                  <div className="small muted">{r.productName}</div>
                  {elsewhere && r.billingGroupId && (
                    <div className="small warn-text">
                      Billed in <a href={href("billing", r.billingGroupId)}>another group</a>
                    </div>
                  )}
                </td>
                <td className="num">{s.money(r.monthlyAmount)}</td>
                <td className="small nowrap">
                  {formatDate(r.endDate)}
                  <div className="muted">
                    {months(r.contractLength)}
                    {r.orderNumber ? ` · ${r.orderNumber}` : ""}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
