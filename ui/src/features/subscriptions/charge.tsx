import { useState } from "react";
import type { Rental } from "../../lib/api/bindings/Rental";
import { formatDate } from "../../lib/format";
import { useAction } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Field, FormError, Input, Textarea } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";
import { taxInText, useStatedBasis, useTaxName } from "../../lib/ui/PriceRows";
import { Buttons } from "./shared";

/** The fields the core may name in an error of a charge. */
const FIELDS = ["label", "amount", "dueDate", "notes"];

/**
 * A one-off charge on the subscription (`payments.charge`): a damage fee, a lost charger. It becomes
 * a payment of its own, invoiced as a line with its label and chased like any payment. The amount
 * is as the unit states prices (with or without its tax); the core works out the rest.
 */
export function ChargeDialog(props: { rental: Rental; onClose(): void }) {
  const s = useSession();
  const r = props.rental;
  const basis = useStatedBasis();
  const tax = taxInText(useTaxName());
  const [label, setLabel] = useState("");
  const [amount, setAmount] = useState("");
  const [due, setDue] = useState("");
  const [notes, setNotes] = useState("");
  const terms = s.bu?.settings.paymentTermsDays ?? 0;
  const act = useAction("payments.charge", {
    success: (p) => {
      const what = p.chargeLabel ?? label.trim();
      const taxed = Number(p.taxAmount) > 0;
      const money = taxed && !s.bu?.settings.taxInclusive ? `${s.money(p.subtotal)} + ${tax} ${s.money(p.taxAmount)} = ${s.money(p.total)}` : s.money(p.total);
      return `${what} charged (${money}), due ${formatDate(p.dueDate)}.`;
    },
    onSuccess: props.onClose,
    quiet: true,
  });
  const ready = !!label.trim() && !!amount.trim();
  return (
    <Dialog title="Charge the subscription once" onClose={props.onClose} testId="sub-charge-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ rentalId: r.rentalId, label: label.trim(), amount: amount.trim(), dueDate: due || undefined, notes: notes.trim() || undefined });
        }}
      >
        <div className="quote-box">
          A payment of its own for {r.customerName}, outside the monthly schedule of <span className="mono">{r.assetSerialNumber}</span>: invoiced as a line with its label, and chased like any
          payment.
        </div>
        <div className="form-grid">
          <Field label="What it is for" wide hint="Printed on the invoice line." error={act.error?.field("label")}>
            <Input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={120} placeholder="Damage fee: cracked screen" autoFocus testId="charge-label" />
          </Field>
          <Field label={`Amount (${r.currency})`} hint={`As your prices: ${basis}.`} error={act.error?.field("amount")}>
            <Input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" placeholder="75.00" testId="charge-amount" />
          </Field>
          <Field label="Due on" hint={terms > 0 ? `Empty: in ${terms} days (the payment terms).` : "Empty: due today."} error={act.error?.field("dueDate")}>
            <Input type="date" value={due} onChange={(e) => setDue(e.target.value)} testId="charge-due" />
          </Field>
          <Field label="Notes" wide error={act.error?.field("notes")}>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={1000} testId="charge-notes" />
          </Field>
        </div>
        <FormError error={act.error} fields={FIELDS} />
        <Buttons busy={act.isPending} label="Charge" onClose={props.onClose} disabled={!ready} title={ready ? undefined : "Say what it is for and give the amount first."} testId="charge-confirm" />
      </form>
    </Dialog>
  );
}
