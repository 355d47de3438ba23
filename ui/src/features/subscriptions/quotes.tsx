import { useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import type { QuoteCharge } from "../../lib/api/bindings/QuoteCharge";
import type { Rental } from "../../lib/api/bindings/Rental";
import type { StillDue } from "../../lib/api/bindings/StillDue";
import { call } from "../../lib/api/client";
import { RETURN_CONDITIONS } from "../../lib/conditions";
import { formatDate, formatMoney as formatMoneyText, months, todayIso, words } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { useBu, useSession } from "../../lib/session";
import { taxInText, useTaxName } from "../../lib/ui/PriceRows";
import { Check, Field, FormError, Input, Loading, Select, Textarea } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { Buttons } from "./shared";

const BUYOUT_METHODS: Record<string, string> = {
  flat_fee: "Flat fee",
  remaining_months: "Remaining monthly payments",
  list_price_pct: "Percentage of the list price",
  remaining_plus_list_price_pct: "Remaining monthly payments plus a percentage of the list price",
};

function QuoteLine(props: { label: ReactNode; value: ReactNode; strong?: boolean; testId?: string }) {
  return (
    <div className={`totals-row ${props.strong ? "total" : ""}`}>
      <span>{props.label}</span>
      <span className="num" data-testid={props.testId}>
        {props.value}
      </span>
    </div>
  );
}

/** A quoted price as the invoice will state it: the price, its tax (named as the unit names it), and what will be invoiced. */
function chargeLines(what: string, c: QuoteCharge, money: (m: string) => string, tax: string): [string, string][] {
  const inText = taxInText(tax);
  if (c.reverseCharge) return [[`${what} (no ${inText}: reverse charge)`, money(c.net)]];
  if (c.taxInclusive)
    return [
      [`${what} (incl. ${c.taxRate} % ${inText})`, money(c.gross)],
      [`of which ${inText} ${c.taxRate} %`, money(c.tax)],
    ];
  return [
    [`${what} (excl. ${inText})`, money(c.net)],
    [`${tax} ${c.taxRate} %`, money(c.tax)],
  ];
}

/** What stays due besides the quoted price: the open payments for periods up to the date. */
function stillDueText(d: StillDue, date: string, money: (m: string) => string): string {
  if (d.payments === 0) return `Nothing else is due for periods up to ${formatDate(date)}.`;
  const what = d.payments === 1 ? "1 open payment" : `${d.payments} open payments`;
  return `Still due besides: ${what} for periods up to ${formatDate(date)}, ${money(d.total)}.`;
}

/** The quote's tax lines, the amount to be invoiced, what stays due, and staff warnings. */
function ChargeBox(props: { what: string; charge: QuoteCharge; stillDue: StillDue; date: string; warnings: string[] }) {
  const s = useSession();
  const tax = useTaxName();
  return (
    <>
      {chargeLines(props.what, props.charge, s.money, tax).map(([k, v]) => (
        <QuoteLine key={k} label={k} value={v} />
      ))}
      <QuoteLine label="To be invoiced" value={s.money(props.charge.gross)} strong testId="sub-quote-total" />
      <div className="small" data-testid="sub-quote-due">
        {stillDueText(props.stillDue, props.date, s.money)}
      </div>
      {props.warnings.map((w) => (
        <div key={w} className="small warn-text" data-testid="sub-quote-warning">
          {w}
        </div>
      ))}
    </>
  );
}

export function BuyoutDialog(props: { rental: Rental; onClose(): void; quoteOnly: boolean }) {
  const s = useSession();
  const r = props.rental;
  const [date, setDate] = useState(todayIso());
  const [price, setPrice] = useState("");
  const [reason, setReason] = useState("customer_request");
  const [notes, setNotes] = useState("");
  const quote = useCommand("subscriptions.quoteBuyout", { rentalId: r.rentalId, effectiveDate: date || undefined });
  const q = quote.data;
  // Errors show in the dialog, at their field or above the buttons, not in the page behind it.
  const act = useAction("subscriptions.buyout", { success: (x) => x.message, onSuccess: props.onClose, quiet: true });
  const b = q?.calculationBreakdown;
  const lines: [string, string][] = q && b
    ? [
        ["Method", BUYOUT_METHODS[q.method] ?? words(q.method)],
        ...(b.remainingMonths > 0 || q.method.includes("remaining") ? ([[`Remaining ${months(b.remainingMonths)} × ${s.money(q.monthlyAmount)}`, s.money(b.remainingMonthsPayment)]] as [string, string][]) : []),
        ...(q.method.includes("list_price") ? ([[`${b.listPricePercentage} % of list price ${s.money(q.listPrice)}`, s.money(b.listPriceAmount)]] as [string, string][]) : []),
        ...(q.method === "flat_fee" ? ([["Flat fee", s.money(b.flatFee)]] as [string, string][]) : []),
      ]
    : [];
  return (
    <Dialog title="Buyout" onClose={props.onClose} testId="sub-dialog" wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ id: r.rentalId, buyoutPrice: price.trim() || undefined, reason, notes: notes.trim() || undefined, effectiveDate: date || undefined });
        }}
      >
        <div className="form-grid">
          <Field label="Effective date" error={quote.error?.field("effectiveDate") ?? act.error?.field("effectiveDate")}>
            <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} testId="sub-quote-date" />
          </Field>
        </div>
        {quote.isLoading && <Loading what="the quote" />}
        <FormError error={quote.error} fields={["effectiveDate"]} />
        {q && (
          <div className="quote-box" data-testid="sub-quote">
            {lines.map(([k, v]) => (
              <QuoteLine key={k} label={k} value={v} />
            ))}
            <ChargeBox what="Buyout price" charge={q.charge} stillDue={q.stillDue} date={q.effectiveDate} warnings={q.warnings} />
            <div className="small muted">
              {q.remainingPayments} scheduled payments are cancelled.
              {s.figures && (
                <span data-testid="sub-quote-figures">
                  {" "}
                  Collected so far {s.money(q.totalCollected)}; after the buyout {s.money(q.projectedAfterBuyout)}
                  {q.projectedMargin !== null ? `, margin ${s.money(q.projectedMargin)}` : ""}. Depreciated value {s.money(q.depreciatedValue)}.
                </span>
              )}
            </div>
          </div>
        )}
        {!props.quoteOnly && (
          <div className="form-grid">
            <Field label={`Price set by hand (${r.currency})`} hint="Empty uses the quoted price." error={act.error?.field("buyoutPrice")}>
              <Input value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" placeholder={q?.buyoutPrice} testId="sub-buyout-price" />
            </Field>
            <Field label="Reason" error={act.error?.field("reason")}>
              <Select value={reason} onChange={(e) => setReason(e.target.value)}>
                {["customer_request", "end_of_contract", "other"].map((x) => (
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
        )}
        <FormError error={act.error} fields={["effectiveDate", "buyoutPrice", "reason", "notes"]} />
        <Buttons
          busy={act.isPending}
          label={`Sell it for ${price.trim() ? `${price.trim()} ${r.currency}` : s.money(q?.buyoutPrice)}`}
          onClose={props.onClose}
          disabled={!q}
          hideConfirm={props.quoteOnly}
          extra={q && <QuoteButtons rental={r} kind="buyout" date={date} />}
        />
      </form>
      {q && (
        <PrintSheet
          title="Buyout quote"
          rental={r}
          date={q.effectiveDate}
          lines={[...lines, ...chargeLines("Buyout price", q.charge, s.money, s.bu?.taxName || "VAT")]}
          total={["To be invoiced", s.money(q.charge.gross)]}
          note={`After payment the device ${q.productName} (serial ${q.serialNumber}) becomes the customer's property and the ${q.remainingPayments} monthly payments for later periods are cancelled. ${stillDueText(q.stillDue, q.effectiveDate, s.money)}`}
        />
      )}
    </Dialog>
  );
}

export function EarlyReturnDialog(props: { rental: Rental; onClose(): void; quoteOnly: boolean }) {
  const s = useSession();
  const bu = useBu();
  const r = props.rental;
  const [date, setDate] = useState(todayIso());
  const [condition, setCondition] = useState("");
  const [fee, setFee] = useState("");
  const [waive, setWaive] = useState(false);
  const [reason, setReason] = useState("");
  const [notes, setNotes] = useState("");
  const quote = useCommand("subscriptions.quoteEarlyReturn", { rentalId: r.rentalId, effectiveDate: date || undefined });
  const q = quote.data;
  const act = useAction("subscriptions.earlyReturn", { success: (x) => x.message, onSuccess: props.onClose, quiet: true });
  const grace = q
    ? q.gracePeriodApplied
      ? `Day ${q.daysFromStart}: inside the ${q.gracePeriodDays}-day grace period, so no fee${bu.settings.graceReturnUndoesFirstMonth ? "; the months before the return are cancelled, or credited if invoiced" : ""}.`
      : q.gracePeriodDays > 0
        ? `Day ${q.daysFromStart}: the ${q.gracePeriodDays}-day grace period is over.`
        : "No grace period applies."
    : "";
  const lines: [string, string][] = q
    ? [
        ["Contract ends", formatDate(q.endDate)],
        ["Months remaining", String(q.remainingMonths)],
        ["Policy", `${words(q.method)}${q.method === "remaining_months" ? ` at ${q.penaltyPercentage} % of ${s.money(q.monthlyAmount)}` : ""}`],
      ]
    : [];
  return (
    <Dialog title="Early return" onClose={props.onClose} testId="sub-dialog" wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({
            id: r.rentalId,
            returnCondition: condition || undefined,
            earlyReturnFee: !waive && fee.trim() ? fee.trim() : undefined,
            waiveFee: waive || undefined,
            reason: reason.trim() || undefined,
            notes: notes.trim() || undefined,
            effectiveDate: date || undefined,
          });
        }}
      >
        <div className="form-grid">
          <Field label="Return date" error={quote.error?.field("effectiveDate") ?? act.error?.field("effectiveDate")}>
            <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} testId="sub-quote-date" />
          </Field>
        </div>
        {quote.isLoading && <Loading what="the quote" />}
        <FormError error={quote.error} fields={["effectiveDate"]} />
        {q && (
          <div className="quote-box" data-testid="sub-quote">
            {lines.map(([k, v]) => (
              <QuoteLine key={k} label={k} value={v} />
            ))}
            <ChargeBox what="Early-return fee" charge={q.charge} stillDue={q.stillDue} date={q.effectiveDate} warnings={q.warnings} />
            <div className={`small grace ${q.gracePeriodApplied ? "ok" : ""}`}>{grace}</div>
            {s.figures && (
              <div className="small muted" data-testid="sub-quote-figures">
                Collected so far {s.money(q.totalCollected)}; with the fee {s.money(q.projectedWithFee)}.
              </div>
            )}
          </div>
        )}
        {!props.quoteOnly && (
          <div className="form-grid">
            <Field label="Condition" error={act.error?.field("returnCondition")}>
              <Select value={condition} onChange={(e) => setCondition(e.target.value)} testId="sub-return-condition">
                <option value="">— Choose —</option>
                {RETURN_CONDITIONS.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label={`Fee instead (${r.currency})`} hint="Empty uses the quoted fee." error={act.error?.field("earlyReturnFee")}>
              <Input value={fee} onChange={(e) => setFee(e.target.value)} inputMode="decimal" disabled={waive} placeholder={q?.earlyReturnFee} />
            </Field>
            <div className="field">
              <span className="field-label">Waive</span>
              <Check label="Waive the fee" checked={waive} onChange={setWaive} />
            </div>
            <Field label="Reason" wide error={act.error?.field("reason")}>
              <Input value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Field label="Notes" wide error={act.error?.field("notes")}>
              <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
            </Field>
          </div>
        )}
        <FormError error={act.error} fields={["effectiveDate", "returnCondition", "earlyReturnFee", "reason", "notes"]} />
        <Buttons
          busy={act.isPending}
          label="End it early"
          onClose={props.onClose}
          disabled={!q || !condition}
          hideConfirm={props.quoteOnly}
          extra={q && <QuoteButtons rental={r} kind="early_return" date={date} />}
        />
      </form>
      {q && (
        <PrintSheet
          title="Early-return quote"
          rental={r}
          date={q.effectiveDate}
          lines={[...lines, ...chargeLines("Early-return fee", q.charge, s.money, s.bu?.taxName || "VAT")]}
          total={["To be invoiced", s.money(q.charge.gross)]}
          note={`${grace} ${stillDueText(q.stillDue, q.effectiveDate, s.money)}`}
        />
      )}
    </Dialog>
  );
}

/** Print the quote shown, or get it as a PDF from the core (to keep, send or print). */
function QuoteButtons(props: { rental: Rental; kind: "buyout" | "early_return"; date: string }) {
  const s = useSession();
  return (
    <>
      <button type="button" className="btn" onClick={() => window.print()} data-testid="quote-print">
        Print quote
      </button>
      {s.can("documents.quote") && (
        <DocumentButton mode="open" testId="quote-pdf" load={() => call("documents.quote", { rentalId: props.rental.rentalId, kind: props.kind, effectiveDate: props.date || null })}>
          Quote PDF
        </DocumentButton>
      )}
    </>
  );
}

/**
 * The printable quote: only this sheet is printed (see the print rules in styles.css). Seller from
 * the business unit's settings, customer, device, the core's breakdown and the date.
 */
function PrintSheet(props: { title: string; rental: Rental; date: string; lines: [string, string][]; total: [string, string]; note: string }) {
  const bu = useBu();
  const r = props.rental;
  const seller = bu.settings.seller;
  return createPortal(
    <div className="print-sheet" data-testid="print-quote">
      <header className="print-head">
        <div>
          <div className="print-seller">{seller.legalName || bu.name}</div>
          <div>{seller.streetAddress}</div>
          <div>
            {seller.postalCode} {seller.city}
          </div>
          <div>{seller.country}</div>
          {seller.vatId && <div>VAT {seller.vatId}</div>}
          {seller.email && <div>{seller.email}</div>}
          {seller.phone && <div>{seller.phone}</div>}
        </div>
        <div className="print-meta">
          <h1>{props.title}</h1>
          <div>Date: {formatDate(todayIso())}</div>
          <div>Effective: {formatDate(props.date)}</div>
          {r.orderNumber && <div>Order: {r.orderNumber}</div>}
        </div>
      </header>
      <section className="print-block">
        <h2>Customer</h2>
        <div>{r.customerName}</div>
        <div>{r.customerEmail}</div>
      </section>
      <section className="print-block">
        <h2>Device</h2>
        <div>{r.productName}</div>
        <div>
          Serial {r.assetSerialNumber} · SKU {r.sku}
        </div>
        <div>
          Subscription from {formatDate(r.startDate)} to {formatDate(r.endDate)} ({months(r.contractLength)}) at {formatMoneyText(r.monthlyAmount, bu.currency, bu.currencyExponent)} a month
        </div>
      </section>
      <table className="print-table">
        <tbody>
          {props.lines.map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td className="num">{v}</td>
            </tr>
          ))}
          <tr className="print-total">
            <td>{props.total[0]}</td>
            <td className="num">{props.total[1]}</td>
          </tr>
        </tbody>
      </table>
      <p>{props.note}</p>
      {seller.bankAccount && <p>Payment to {seller.bankAccount}.</p>}
    </div>,
    document.body,
  );
}
