import { useState } from "react";
import type { Rental } from "../../lib/api/bindings/Rental";
import type { Variant } from "../../lib/api/bindings/Variant";
import { formatDate, months, words } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useDebounced } from "../../lib/useDebounced";
import { Check, Field, FormError, Input, Select, Textarea } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";
import { Buttons } from "./shared";
import { CONTRACT_LENGTH } from "../../lib/api/bindings/Vocabulary";

export function ExtendDialog(props: { rental: Rental; onClose(): void }) {
  const s = useSession();
  const r = props.rental;
  const [n, setN] = useState("12");
  const [monthly, setMonthly] = useState("");
  const [reason, setReason] = useState("");
  const [notes, setNotes] = useState("");
  const act = useAction("subscriptions.extend", {
    success: (x) => `Extended by ${months(x.extensionMonths)}: now ends ${formatDate(x.newEndDate)}.`,
    onSuccess: props.onClose,
    // Errors show in the dialog, at their field or above the buttons, not in the page behind it.
    quiet: true,
  });
  const count = Number(n);
  return (
    <Dialog title="Extend the subscription" onClose={props.onClose} testId="sub-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ id: r.rentalId, extensionMonths: count, newMonthlyAmount: monthly.trim() || undefined, reason: reason.trim() || undefined, notes: notes.trim() || undefined });
        }}
      >
        <div className="quote-box">
          Now {months(r.contractLength)}, ending {formatDate(r.endDate)}, at {s.money(r.monthlyAmount)} a month.
          {Number.isInteger(count) && count > 0 && (
            <div className="strong">
              Adds {months(count)} at {monthly.trim() ? `${monthly.trim()} ${r.currency}` : s.money(r.monthlyAmount)} a month; the new payments are scheduled after {formatDate(r.endDate)}.
            </div>
          )}
        </div>
        <div className="form-grid">
          <Field label="Months to add" error={act.error?.field("extensionMonths")}>
            <Input type="number" min={CONTRACT_LENGTH.min} max={CONTRACT_LENGTH.max} value={n} onChange={(e) => setN(e.target.value)} testId="sub-extend-months" autoFocus />
          </Field>
          <Field label={`New monthly amount (${r.currency})`} hint="Empty keeps the current amount." error={act.error?.field("newMonthlyAmount")}>
            <Input value={monthly} onChange={(e) => setMonthly(e.target.value)} inputMode="decimal" placeholder={r.monthlyAmount} />
          </Field>
          <Field label="Reason" wide error={act.error?.field("reason")}>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <Field label="Notes" wide error={act.error?.field("notes")}>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <FormError error={act.error} fields={["extensionMonths", "newMonthlyAmount", "reason", "notes"]} />
        <Buttons busy={act.isPending} label={`Extend by ${Number.isInteger(count) && count > 0 ? months(count) : "…"}`} onClose={props.onClose} disabled={!(Number.isInteger(count) && count > 0)} />
      </form>
    </Dialog>
  );
}

export function UpgradeDialog(props: { rental: Rental; onClose(): void }) {
  const s = useSession();
  const r = props.rental;
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 250);
  const [variant, setVariant] = useState<Variant | null>(null);
  const [length, setLength] = useState("");
  const [serial, setSerial] = useState("");
  const [monthly, setMonthly] = useState("");
  const [reason, setReason] = useState("");
  const found = useCommand("catalog.listVariants", { q: dq, status: "active", limit: "8" }, { enabled: !variant && dq.length > 0 });
  const act = useAction("subscriptions.upgrade", {
    success: (x) => x.message,
    onSuccess: (x) => {
      props.onClose();
      navigate("subscriptions", x.newRentalId);
    },
    quiet: true,
  });
  const tier = variant?.pricing.find((t) => String(t.contractLength) === length);
  return (
    <Dialog title="Upgrade to another device" onClose={props.onClose} testId="sub-dialog" wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!variant) return;
          act.mutate({
            id: r.rentalId,
            newSku: variant.variantSku,
            newSerialNumber: serial.trim(),
            contractLength: Number(length),
            newMonthlyAmount: monthly.trim() || undefined,
            reason: reason.trim() || undefined,
          });
        }}
      >
        <p className="muted small">This subscription ends as upgraded and a new one starts on the new device; {r.assetSerialNumber} comes back for inspection.</p>
        <div className="form-grid">
          {!variant ? (
            <Field label="New device (SKU or name)" wide error={act.error?.field("newSku")}>
              <Input value={q} onChange={(e) => setQ(e.target.value)} autoFocus testId="sub-upgrade-variant" placeholder="Search the catalog" />
              <div className="results">
                {(found.data?.items ?? []).map((v) => (
                  <button
                    type="button"
                    key={v.variantId}
                    className="result"
                    onClick={() => {
                      setVariant(v);
                      setLength(String(v.pricing.find((t) => t.contractLength === r.contractLength)?.contractLength ?? v.pricing[0]?.contractLength ?? ""));
                    }}
                  >
                    <span className="result-main">
                      {v.productName} — {v.variantName}
                    </span>
                    <span className="result-sub mono">{v.variantSku}</span>
                  </button>
                ))}
              </div>
            </Field>
          ) : (
            <Field label="New device" wide error={act.error?.field("newSku")}>
              <div className="row gap">
                <strong>
                  {variant.productName} — {variant.variantName}
                </strong>
                <span className="mono muted">{variant.variantSku}</span>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => setVariant(null)}>
                  Change
                </button>
              </div>
            </Field>
          )}
          {variant && (
            <>
              <Field label="Contract length" error={act.error?.field("contractLength")}>
                <Select value={length} onChange={(e) => setLength(e.target.value)}>
                  {variant.pricing.map((t) => (
                    <option key={t.contractLength} value={t.contractLength}>
                      {months(t.contractLength)} — {s.money(t.monthlyPrice)} a month
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="New serial number" error={act.error?.field("newSerialNumber")}>
                <Input value={serial} onChange={(e) => setSerial(e.target.value)} className="mono" testId="sub-upgrade-serial" />
              </Field>
              <Field label={`Monthly amount (${r.currency})`} hint={tier ? `Empty uses the price list: ${s.money(tier.monthlyPrice)}.` : undefined} error={act.error?.field("newMonthlyAmount")}>
                <Input value={monthly} onChange={(e) => setMonthly(e.target.value)} inputMode="decimal" placeholder={tier?.monthlyPrice} />
              </Field>
              <Field label="Reason" error={act.error?.field("reason")}>
                <Input value={reason} onChange={(e) => setReason(e.target.value)} />
              </Field>
            </>
          )}
        </div>
        {variant && tier && (
          <div className="quote-box">
            Now {s.money(r.monthlyAmount)} a month for {r.productName}; after the upgrade {monthly.trim() ? `${monthly.trim()} ${r.currency}` : s.money(tier.monthlyPrice)} a month for {months(tier.contractLength)}.
          </div>
        )}
        <FormError error={act.error} fields={variant ? ["newSku", "contractLength", "newSerialNumber", "newMonthlyAmount", "reason"] : ["newSku"]} />
        <Buttons busy={act.isPending} label="Upgrade" onClose={props.onClose} disabled={!variant || !serial.trim() || !length} />
      </form>
    </Dialog>
  );
}

export function ReplaceDialog(props: { rental: Rental; onClose(): void }) {
  const r = props.rental;
  const [serial, setSerial] = useState("");
  const [reason, setReason] = useState("");
  const [damage, setDamage] = useState("");
  const [insurance, setInsurance] = useState(false);
  const [notes, setNotes] = useState("");
  const act = useAction("subscriptions.replace", { success: (x) => `${x.oldSerialNumber} replaced by ${x.newSerialNumber}.`, onSuccess: props.onClose, quiet: true });
  return (
    <Dialog title={`Replace ${r.assetSerialNumber}`} onClose={props.onClose} testId="sub-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({
            id: r.rentalId,
            newSerialNumber: serial.trim(),
            replacementReason: reason,
            damageAssessment: damage.trim() || undefined,
            insuranceClaim: insurance || undefined,
            notes: notes.trim() || undefined,
          });
        }}
      >
        <div className="quote-box">Same terms and payments; only the device changes. The replacement must be an available {r.sku}.</div>
        <div className="form-grid">
          <Field label="Replacement serial" error={act.error?.field("newSerialNumber")}>
            <Input value={serial} onChange={(e) => setSerial(e.target.value)} className="mono" autoFocus testId="sub-replace-serial" />
          </Field>
          <Field label="Why" error={act.error?.field("replacementReason")}>
            <Select value={reason} onChange={(e) => setReason(e.target.value)} testId="sub-replace-reason">
              <option value="">— Choose —</option>
              {["defective", "damaged", "stolen", "lost"].map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Damage assessment" wide error={act.error?.field("damageAssessment")}>
            <Input value={damage} onChange={(e) => setDamage(e.target.value)} />
          </Field>
          <div className="field">
            <Check label="Insurance claim" checked={insurance} onChange={setInsurance} />
          </div>
          <Field label="Notes" wide error={act.error?.field("notes")}>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <FormError error={act.error} fields={["newSerialNumber", "replacementReason", "damageAssessment", "notes"]} />
        <Buttons busy={act.isPending} label="Replace the device" onClose={props.onClose} disabled={!serial.trim() || !reason} />
      </form>
    </Dialog>
  );
}

export function CancelDialog(props: { rental: Rental; onClose(): void }) {
  const r = props.rental;
  const [reason, setReason] = useState("customer_request");
  const [notes, setNotes] = useState("");
  const act = useAction("subscriptions.cancel", { success: (x) => x.message, onSuccess: props.onClose, quiet: true });
  return (
    <Dialog title="Cancel the subscription" onClose={props.onClose} testId="sub-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ id: r.rentalId, reason, notes: notes.trim() || undefined });
        }}
      >
        <div className="quote-box warn">Cancelling stops the subscription now: open payments that are not due yet are cancelled. The device {r.assetSerialNumber} should come back.</div>
        <div className="form-grid">
          <Field label="Reason" error={act.error?.field("reason")}>
            <Select value={reason} onChange={(e) => setReason(e.target.value)} testId="sub-cancel-reason" autoFocus>
              {["customer_request", "payment_failure", "fraud", "admin_decision", "other"].map((x) => (
                <option key={x} value={x}>
                  {words(x)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Notes" wide error={act.error?.field("notes")}>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <FormError error={act.error} fields={["reason", "notes"]} />
        <Buttons busy={act.isPending} label="Cancel the subscription" onClose={props.onClose} danger />
      </form>
    </Dialog>
  );
}

/** Undo a mistaken activation (the wrong serial scanned) the same business day, as if it never happened. */
export function VoidDialog(props: { rental: Rental; onClose(): void }) {
  const r = props.rental;
  const [reason, setReason] = useState("");
  const act = useAction("subscriptions.void", { success: (x) => x.message, onSuccess: props.onClose, quiet: true });
  return (
    <Dialog title="Void the activation" onClose={props.onClose} testId="sub-void-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ id: r.rentalId, reason: reason.trim() });
        }}
      >
        <div className="quote-box warn">
          The subscription is cancelled as if never activated: its payments are cancelled, the order line is free again and <span className="mono">{r.assetSerialNumber}</span> goes back in stock.
        </div>
        <div className="form-grid">
          <Field label="Why was the activation a mistake?" wide error={act.error?.field("reason")}>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} placeholder="e.g. wrong serial scanned" autoFocus testId="sub-void-reason" />
          </Field>
        </div>
        <FormError error={act.error} fields={["reason"]} />
        <Buttons busy={act.isPending} label="Void the activation" onClose={props.onClose} disabled={!reason.trim()} danger testId="sub-void-confirm" />
      </form>
    </Dialog>
  );
}
