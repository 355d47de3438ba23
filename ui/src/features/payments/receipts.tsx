// Money as it really moved on one payment: a part payment received while it is open (the rest
// stays open), a refund given back after it was paid (it stays paid), and the history of both.
// Every figure is the core's; nothing is added up here.
import { useState } from "react";
import type { Payment } from "../../lib/api/bindings/Payment";
import { formatDate, formatDateTime, todayIso, words } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Empty, Field, FormError, Input, LoadError, Loading, Select, Textarea } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";

/** How money moved, as the desk records it (the core takes free text too). */
export const METHODS = ["bank_transfer", "card", "cash", "direct_debit", "other"];

/** Whether a decimal amount from the core is more than nothing ("0.00" is not). */
export function some(amount: string | null | undefined): boolean {
  return Number(amount ?? 0) > 0;
}

/** Whether any part payment or refund was recorded on the payment (so it has a history to show). */
export function hasReceipts(p: Payment): boolean {
  return some(p.amountReceived) || some(p.amountRefunded);
}

/** What a payment is for, as a row says it: a charge by its label ("Damage fee: cracked screen"), else its kind. */
export function paymentWhat(p: Payment): string {
  return p.kind === "charge" ? p.chargeLabel || "charge" : words(p.kind);
}

/** Whether every euro paid on it has been given back already (nothing more to refund). */
export function fullyRefunded(p: Payment): boolean {
  return some(p.amountRefunded) && Number(p.amountRefunded) >= Number(p.total);
}

export type ReceiptMode = "receive" | "refund";

const WORDS: Record<ReceiptMode, { title: string; day: string; button: string; testId: string }> = {
  receive: { title: "Part payment: money received in part", day: "Received on", button: "Record part payment", testId: "pay-receive-dialog" },
  refund: { title: "Refund: money given back", day: "Given back on", button: "Record refund", testId: "pay-refund-dialog" },
};

/** The fields the core may name in an error of a part payment or a refund. */
const FIELDS = ["amount", "receivedOn", "method", "reference", "notes"];

/**
 * Record a part payment on an open payment (`payments.receive`: at most what is open; the part
 * that pays the rest makes it paid) or a refund on a paid one (`payments.refund`: it stays paid).
 */
export function ReceiptDialog(props: { payment: Payment; mode: ReceiptMode; onClose(): void }) {
  const s = useSession();
  const p = props.payment;
  const w = WORDS[props.mode];
  const [amount, setAmount] = useState("");
  const [day, setDay] = useState(todayIso());
  const [method, setMethod] = useState("bank_transfer");
  const [reference, setReference] = useState("");
  const [notes, setNotes] = useState("");
  const typed = amount.trim();
  const receive = useAction("payments.receive", {
    success: (x) =>
      x.status === "paid"
        ? `${s.money(typed)} received from ${x.customerName}: the payment is paid in full.`
        : `${s.money(typed)} received from ${x.customerName}; ${s.money(x.amountOpen)} of ${s.money(x.total)} is still open.`,
    onSuccess: props.onClose,
    quiet: true,
  });
  const refund = useAction("payments.refund", {
    success: (x) => `${s.money(typed)} given back to ${x.customerName}; the payment stays paid.`,
    onSuccess: props.onClose,
    quiet: true,
  });
  const act = props.mode === "receive" ? receive : refund;
  const err = act.error;
  const hint =
    props.mode === "receive"
      ? `${s.money(p.amountOpen)} open`
      : some(p.amountRefunded)
        ? `${s.money(p.total)} paid, ${s.money(p.amountRefunded)} already given back`
        : `${s.money(p.total)} paid`;
  return (
    <Dialog title={w.title} onClose={props.onClose} testId={w.testId}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({
            id: p.paymentId,
            amount: typed,
            receivedOn: day || undefined,
            method: method || undefined,
            reference: reference.trim() || undefined,
            notes: notes.trim() || undefined,
          });
        }}
      >
        <p>
          {p.customerName}, due {formatDate(p.dueDate)} ({paymentWhat(p)}): <strong>{s.money(p.total)}</strong>
          {props.mode === "receive" && some(p.amountReceived) && (
            <span className="muted">
              {" "}
              · {s.money(p.amountReceived)} received so far, {s.money(p.amountOpen)} open
            </span>
          )}
        </p>
        <p className="small muted">
          {props.mode === "receive"
            ? "Less than what is open leaves the rest open (and overdue once past its due date); the part that pays the rest marks it paid."
            : "The payment stays paid; the refund comes off the money collected. Marked paid by mistake? Use Take back… instead."}
        </p>
        <div className="form-grid">
          <Field label={`Amount (${p.currency})`} hint={hint} error={err?.field("amount")}>
            <Input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" autoFocus testId="pay-amount" />
          </Field>
          <Field label={w.day} error={err?.field("receivedOn")}>
            <Input type="date" value={day} max={todayIso()} onChange={(e) => setDay(e.target.value)} testId="pay-day" />
          </Field>
          <Field label="Method" error={err?.field("method")}>
            <Select value={method} onChange={(e) => setMethod(e.target.value)} testId="pay-method">
              {METHODS.map((m) => (
                <option key={m} value={m}>
                  {words(m)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Reference" hint="Bank statement line or receipt number." error={err?.field("reference")}>
            <Input value={reference} onChange={(e) => setReference(e.target.value)} testId="pay-reference" />
          </Field>
          <Field label="Notes" wide error={err?.field("notes")}>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} placeholder={props.mode === "refund" ? "e.g. Goodwill after a late delivery" : undefined} testId="pay-notes" />
          </Field>
        </div>
        <FormError error={err} fields={FIELDS} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={act.isPending || !typed} title={typed ? undefined : "Give the amount first."} data-testid={props.mode === "receive" ? "pay-receive-confirm" : "pay-refund-confirm"}>
            {act.isPending ? "Saving…" : w.button}
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The part payments and refunds recorded on one payment, oldest first (`payments.receipts`). */
export function ReceiptList(props: { paymentId: string }) {
  const s = useSession();
  const q = useCommand("payments.receipts", { id: props.paymentId });
  if (q.isLoading) return <Loading what="the history" />;
  if (q.error) return <LoadError error={q.error} />;
  const list = q.data ?? [];
  if (list.length === 0) return <Empty>No part payments or refunds recorded.</Empty>;
  return (
    <table className="table compact lines-table" data-testid="payment-receipts">
      <thead>
        <tr>
          <th>Day</th>
          <th>What</th>
          <th className="num">Amount</th>
          <th>Method · reference</th>
          <th>Recorded</th>
        </tr>
      </thead>
      <tbody>
        {list.map((r) => (
          <tr key={r.receiptId} data-testid="payment-receipt" data-kind={r.kind}>
            <td className="small nowrap">{formatDate(r.receivedOn)}</td>
            <td className="small">
              {r.kind === "refund" ? "Refund" : r.kind === "part" ? "Part payment" : words(r.kind)}
              {r.notes && <div className="muted">{r.notes}</div>}
            </td>
            <td className={`num ${r.kind === "refund" ? "bad-text" : ""}`}>
              {r.kind === "refund" ? "− " : ""}
              {s.money(r.amount)}
            </td>
            <td className="small">
              {r.method ? words(r.method) : "—"}
              {r.reference && <div className="mono muted">{r.reference}</div>}
            </td>
            <td className="small muted">
              {r.createdBy}
              <div>{formatDateTime(r.createdAt)}</div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
