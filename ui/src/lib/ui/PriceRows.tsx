// The desk's one price rule (docs/rules.md, "Orders"): a consumer sees prices with VAT, as EU
// price-display rules ask; a business customer sees them net, labelled "excl. VAT", with the VAT
// beside. The tax goes by the unit's own name ("VAT", "Sales tax", "GST"). Every figure is the
// core's (a quote's or an order's `monthly` and `contract`); nothing is added up here.
import type { ReactNode } from "react";
import type { TaxedAmount } from "../api/bindings/TaxedAmount";
import { useSession } from "../session";
import "./price-rows.css";

/** What the selected unit calls its tax ("VAT", "Sales tax", "GST"). */
export function useTaxName(): string {
  const s = useSession();
  return s.bu?.taxName?.trim() || "VAT";
}

/** The tax's name inside a sentence: "Sales tax" → "sales tax"; "VAT" and "GST" stay as they are. */
export function taxInText(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? name[0].toLowerCase() + name.slice(1) : name;
}

/** How prices are shown to this customer: "excl. VAT" (a business) or "incl. VAT" (a consumer). */
export function priceBasis(business: boolean, taxName: string): string {
  return `${business ? "excl." : "incl."} ${taxInText(taxName)}`;
}

/** A price shown by the rule: net for a business, with the tax for a consumer. */
export function byRule(price: TaxedAmount, business: boolean): string {
  return business ? price.net : price.gross;
}

/**
 * What an amount as the unit states prices is (a subscription's monthly amount, a billing group's
 * monthly total): "excl. VAT" unless the unit's prices include the tax.
 */
export function useStatedBasis(): string {
  const s = useSession();
  return priceBasis(!s.bu?.settings.taxInclusive, useTaxName());
}

/** A price column's heading with what its prices are under it: "Contract" / "excl. VAT". */
export function PriceHeading(props: { label: string; basis: string }) {
  return (
    <>
      {props.label}
      <span className="price-basis">{props.basis}</span>
    </>
  );
}

/**
 * An order's (or a quote's) price rows by the rule. For a business: per month net, the tax, per
 * month with the tax, and the contract value net. For a consumer: per month with the tax, of which
 * the tax, and the contract value with the tax. Test ids `{testIdPrefix}-monthly-total` and
 * `{testIdPrefix}-contract-total` mark the two main rows. No prices yet shows dashes.
 */
export function PriceRows(props: {
  monthly: TaxedAmount | undefined;
  contract: TaxedAmount | undefined;
  business: boolean;
  /** The tax rate in percent, as the core gives it ("21"). */
  rate: string;
  testIdPrefix: string;
  /** A line below the rows (how many devices, what the contract value counts). */
  note?: ReactNode;
}) {
  const s = useSession();
  const tax = useTaxName();
  const inText = taxInText(tax);
  const { monthly, contract } = props;
  const show = (m: string | undefined) => (m !== undefined ? s.money(m) : "—");
  const monthlyId = `${props.testIdPrefix}-monthly-total`;
  const contractId = `${props.testIdPrefix}-contract-total`;
  const rows: [string, string, string?][] = props.business
    ? [
        [`Per month, excl. ${inText}`, show(monthly?.net)],
        [`${tax} ${props.rate} %`, show(monthly?.tax)],
        [`Per month, incl. ${inText}`, show(monthly?.gross), monthlyId],
        [`Contract value, excl. ${inText}`, show(contract?.net), contractId],
      ]
    : [
        [`Per month, incl. ${props.rate} % ${inText}`, show(monthly?.gross), monthlyId],
        [`of which ${inText}`, show(monthly?.tax)],
        [`Contract value, incl. ${inText}`, show(contract?.gross), contractId],
      ];
  return (
    <>
      {rows.map(([label, value, testId]) => (
        <div key={label} className={`totals-row ${testId === monthlyId ? "total" : testId ? "contract" : ""}`} data-testid={testId}>
          <span>{label}</span>
          <span className="num">{value}</span>
        </div>
      ))}
      {props.note && <div className="muted small">{props.note}</div>}
    </>
  );
}

/** The headings of an order's lines (device, term, quantity, and both prices by the rule). */
export function LineHeadings(props: { basis: string }) {
  return (
    <>
      <th>Device</th>
      <th>Term</th>
      <th className="num">Qty</th>
      <th className="num">
        <PriceHeading label="Per unit / month" basis={props.basis} />
      </th>
      <th className="num">
        <PriceHeading label="Contract" basis={props.basis} />
      </th>
    </>
  );
}
