// How a buyer takes its invoices: the format (PDF, Factur-X, Peppol UBL, XRechnung), its
// electronic address and its reference; the month-end export and an invoice's "Save as" follow
// it. A customer's card, and a billing group's, whose empty fields follow its customer's.
import { useEffect, useState } from "react";
import type { EInvoicing } from "../api/bindings/EInvoicing";
import type { FormatChoice } from "../api/bindings/FormatChoice";
import { rolesFor } from "../access";
import { useAction, useCommand, useInvalidate } from "../query";
import { useSession } from "../session";
import { Card, Field, FormError, Input, LoadError, Loading, RoleHint, Select } from "./index";

interface Draft {
  format: string;
  address: string;
  buyerReference: string;
  mandateReference: string;
  debtorIban: string;
}

/** The form's values; for a customer "pdf" is the default, the empty choice. */
function draftOf(e: EInvoicing | undefined, customer: boolean): Draft {
  const format = e?.format ?? "";
  return {
    format: customer && format === "pdf" ? "" : format,
    address: e?.address ?? "",
    buyerReference: e?.buyerReference ?? "",
    mandateReference: e?.mandateReference ?? "",
    debtorIban: e?.debtorIban ?? "",
  };
}

/** A format's label as the core names it ("UBL, Peppol BIS Billing 3.0 (XML)"). */
export function formatLabel(formats: FormatChoice[] | undefined, value: string | null | undefined): string {
  const v = value || "pdf";
  return formats?.find((f) => f.value === v)?.label ?? (v === "pdf" ? "PDF" : v);
}

/**
 * The "E-invoices" card: of a customer (`groupId` left out), or of a billing group, whose empty
 * fields follow its customer's.
 */
export function EInvoicingCard(props: { customerId: string; groupId?: string }) {
  const s = useSession();
  const group = props.groupId !== undefined;
  const owner = group ? { ownerKind: "billing_group", ownerId: props.groupId ?? "" } : { ownerKind: "customer", ownerId: props.customerId };
  const q = useCommand("einvoicing.get", owner);
  const customers = useCommand("einvoicing.get", { ownerKind: "customer", ownerId: props.customerId }, { enabled: group });
  const theirs = group ? customers.data : undefined;
  const formats = useCommand("einvoicing.formats", {});
  const [d, setD] = useState<Draft>(() => draftOf(q.data, !group));
  useEffect(() => setD(draftOf(q.data, !group)), [q.data, group]);
  const may = s.can("einvoicing.save");
  const invalidate = useInvalidate();
  const save = useAction("einvoicing.save", {
    success: (r) =>
      group
        ? `E-invoicing of the group saved: its invoices go out as ${formatLabel(formats.data, r.format ?? theirs?.format)}.`
        : `E-invoicing saved: the customer's invoices go out as ${formatLabel(formats.data, r.format)}.`,
    // The saved answer is read again (the command table names the areas that show it, not this one).
    onSuccess: () => invalidate(["einvoicing.get"]),
    // Refusals are said at their fields, in the card.
    quiet: true,
  });
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const saved = draftOf(q.data, !group);
  const changed =
    d.format !== saved.format ||
    d.address.trim() !== saved.address ||
    d.buyerReference.trim() !== saved.buyerReference ||
    d.mandateReference.trim() !== saved.mandateReference ||
    d.debtorIban.trim() !== saved.debtorIban;
  const err = (p: string) => save.error?.field(p);
  const follows = (v: string | null | undefined, what: string) => (v ? `Empty: the customer's, ${v}.` : `Empty: the customer's (no ${what} set).`);

  if (q.isLoading) {
    return (
      <Card title="E-invoices">
        <Loading what="the e-invoicing" />
      </Card>
    );
  }
  return (
    <Card title="E-invoices">
      <LoadError error={q.error ?? formats.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            ...owner,
            format: d.format || undefined,
            address: d.address.trim() || undefined,
            buyerReference: d.buyerReference.trim() || undefined,
            mandateReference: d.mandateReference.trim() || undefined,
            debtorIban: d.debtorIban.trim() || undefined,
          });
        }}
        data-testid="einv-card"
      >
        <fieldset disabled={!may} className="plain">
          <div className="form-grid">
            <Field label="Format" hint={group ? "The group's invoices in another format than the customer's." : "How the month-end export and Save as hand over the invoices."} error={err("format")} wide>
              <Select value={d.format} onChange={(e) => set("format", e.target.value)} testId="einv-format">
                <option value="">{group ? `As the customer (${formatLabel(formats.data, theirs?.format)})` : "PDF (the default)"}</option>
                {(formats.data ?? [])
                  .filter((f) => group || f.value !== "pdf")
                  .map((f) => (
                    <option key={f.value} value={f.value}>
                      {f.label}
                    </option>
                  ))}
              </Select>
            </Field>
            <Field label="Electronic address" hint={group ? follows(theirs?.address, "address") : "The buyer's Peppol participant id (scheme:identifier), or EM: and an email address."} error={err("address")} wide>
              <Input value={d.address} onChange={(e) => set("address", e.target.value)} placeholder="0208:0123456789 or EM:invoices@example.com" className="mono" maxLength={110} testId="einv-address" />
            </Field>
            <Field label="Buyer reference (PO, cost centre; Leitweg-ID for XRechnung)" hint={group ? follows(theirs?.buyerReference, "reference") : "Sent in every e-invoice; an XRechnung needs it."} error={err("buyerReference")} wide>
              <Input value={d.buyerReference} onChange={(e) => set("buyerReference", e.target.value)} maxLength={100} placeholder={group ? "e.g. the group's purchase order number" : "e.g. PO-2024-118, or a Leitweg-ID such as 04011000-12345-67"} testId="einv-reference" />
            </Field>
            <Field label="SEPA direct debit mandate" hint="The mandate's reference; with the IBAN below, e-invoices name direct debit instead of a transfer." error={err("mandateReference")}>
              <Input value={d.mandateReference} onChange={(e) => set("mandateReference", e.target.value)} maxLength={35} placeholder="e.g. MANDATE-2026-001" testId="einv-mandate" />
            </Field>
            <Field label="IBAN debited" error={err("debtorIban")}>
              <Input value={d.debtorIban} onChange={(e) => set("debtorIban", e.target.value.toUpperCase())} className="mono" maxLength={42} placeholder="e.g. NL02 RABO 0123 4567 89" testId="einv-debtor-iban" />
            </Field>
          </div>
          <FormError error={save.error} fields={["format", "address", "buyerReference", "mandateReference", "debtorIban"]} />
          <div className="row gap">
            <button className="btn btn-primary" disabled={!changed || save.isPending} title={!may ? `Needs ${rolesFor("einvoicing.save")}.` : !changed ? "Nothing changed yet" : undefined} data-testid="einv-save">
              {save.isPending ? "Saving…" : "Save e-invoicing"}
            </button>
            {changed && (
              <button type="button" className="btn btn-ghost" onClick={() => setD(saved)}>
                Undo changes
              </button>
            )}
          </div>
        </fieldset>
        {!may && <RoleHint roles={rolesFor("einvoicing.save")} />}
      </form>
    </Card>
  );
}
