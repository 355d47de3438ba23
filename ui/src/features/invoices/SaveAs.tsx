import { useState } from "react";
import type { Invoice } from "../../lib/api/bindings/Invoice";
import { call } from "../../lib/api/client";
import { useCommand } from "../../lib/query";
import { Select } from "../../lib/ui";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { formatLabel } from "../../lib/ui/EInvoicingCard";


/**
 * "Save as": the invoice as a file in a format the person picks — a PDF, a Factur-X PDF with the
 * XML inside, or UBL XML for Peppol or XRechnung — or, left as it is, in the buyer's own format
 * (its billing group's, else the customer's, else PDF), as the core works it out.
 */
export function SaveAs(props: { invoice: Invoice }) {
  const i = props.invoice;
  const [format, setFormat] = useState("");
  const formats = useCommand("einvoicing.formats", {});
  const customer = useCommand("einvoicing.get", { ownerKind: "customer", ownerId: i.customerId });
  const group = useCommand("einvoicing.get", { ownerKind: "billing_group", ownerId: i.billingGroupId ?? "" }, { enabled: !!i.billingGroupId });
  const buyers = group.data?.format || customer.data?.format;
  const known = customer.data && (!i.billingGroupId || group.data);
  return (
    <span className="row gap save-as" role="group" aria-label="Save as" data-testid="invoice-save-as">
      <Select value={format} onChange={(e) => setFormat(e.target.value)} aria-label="Format to save in" testId="invoice-save-as-format">
        <option value="">In the buyer's format{known ? `: ${formatLabel(formats.data, buyers)}` : ""}</option>
        {(formats.data ?? []).map((f) => (
          <option key={f.value} value={f.value}>
            {f.label}
          </option>
        ))}
      </Select>
      <DocumentButton mode="save" testId="invoice-save-as-go" load={() => call("invoices.einvoice", { id: i.invoiceId, format: format || undefined })}>
        Save as
      </DocumentButton>
    </span>
  );
}
