import { useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import type { Rental } from "../../lib/api/bindings/Rental";
import type { Variant } from "../../lib/api/bindings/Variant";
import { rolesFor } from "../../lib/access";
import { call, type CommandName } from "../../lib/api/client";
import { formatDate, formatMoney as formatMoneyText, months, todayIso, words } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { navigate } from "../../lib/router";
import { useBu, useSession } from "../../lib/session";
import { useDebounced } from "../../lib/useDebounced";
import { Card, Check, Field, Input, LoadError, Loading, Select, Textarea } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { RETURN_CONDITIONS } from "../returns";

type Kind = "extend" | "upgrade" | "replace" | "buyout" | "earlyReturn" | "cancel";

const ACTIONS: { kind: Kind; label: string; cmd: CommandName; testId: string; danger?: boolean }[] = [
  { kind: "extend", label: "Extend…", cmd: "subscriptions.extend", testId: "sub-extend" },
  { kind: "upgrade", label: "Upgrade…", cmd: "subscriptions.upgrade", testId: "sub-upgrade" },
  { kind: "replace", label: "Replace device…", cmd: "subscriptions.replace", testId: "sub-replace" },
  { kind: "buyout", label: "Buyout…", cmd: "subscriptions.buyout", testId: "sub-buyout" },
  { kind: "earlyReturn", label: "Early return…", cmd: "subscriptions.earlyReturn", testId: "sub-early-return" },
  { kind: "cancel", label: "Cancel…", cmd: "subscriptions.cancel", testId: "sub-cancel", danger: true },
];

const BUYOUT_METHODS: Record<string, string> = {
  flat_fee: "Flat fee",
  remaining_months: "Remaining monthly payments",
  list_price_pct: "Percentage of the list price",
  remaining_plus_list_price_pct: "Remaining monthly payments plus a percentage of the list price",
};

const INVALIDATE = ["subscriptions.", "payments.", "assets.", "orders.", "dashboard.", "timeline.", "customers."];

/** Buttons for what may happen to an active subscription; each opens a dialog with the quote first. */
export function LifecycleActions(props: { rental: Rental }) {
  const s = useSession();
  const r = props.rental;
  const [open, setOpen] = useState<Kind | null>(null);
  const [quoteOnly, setQuoteOnly] = useState<Kind | null>(null);
  const close = () => {
    setOpen(null);
    setQuoteOnly(null);
  };
  const active = r.status === "active";
  const shown = open ?? quoteOnly;
  return (
    <Card>
      <div className="row gap wrap">
        {active &&
          ACTIONS.filter((a) => s.can(a.cmd)).map((a) => (
            <button key={a.kind} className={`btn ${a.danger ? "btn-danger" : ""}`} onClick={() => setOpen(a.kind)} data-testid={a.testId}>
              {a.label}
            </button>
          ))}
        {!active && <span className="muted">This subscription has ended ({words(r.status)}); nothing more can change on it.</span>}
        {active && !s.can("subscriptions.buyout") && (
          <>
            <span className="divider" aria-hidden />
            <button className="btn" onClick={() => setQuoteOnly("buyout")} data-testid="sub-quote-buyout">
              Buyout quote
            </button>
            <button className="btn" onClick={() => setQuoteOnly("earlyReturn")} data-testid="sub-quote-early-return">
              Early-return quote
            </button>
          </>
        )}
      </div>
      {active && ACTIONS.some((a) => !s.can(a.cmd)) && (
        <span className="role-hint">
          Not offered to the {s.user.role} role:{" "}
          {ACTIONS.filter((a) => !s.can(a.cmd))
            .map((a) => `${a.label.replace("…", "").toLowerCase()} (${rolesFor(a.cmd)})`)
            .join(", ")}
          .
        </span>
      )}
      {shown === "extend" && <ExtendDialog rental={r} onClose={close} />}
      {shown === "upgrade" && <UpgradeDialog rental={r} onClose={close} />}
      {shown === "replace" && <ReplaceDialog rental={r} onClose={close} />}
      {shown === "buyout" && <BuyoutDialog rental={r} onClose={close} quoteOnly={!open} />}
      {shown === "earlyReturn" && <EarlyReturnDialog rental={r} onClose={close} quoteOnly={!open} />}
      {shown === "cancel" && <CancelDialog rental={r} onClose={close} />}
    </Card>
  );
}

function Buttons(props: { busy: boolean; label: string; onClose(): void; disabled?: boolean; danger?: boolean; extra?: ReactNode; hideConfirm?: boolean }) {
  return (
    <div className="row gap dialog-buttons">
      {!props.hideConfirm && (
        <button className={`btn ${props.danger ? "btn-danger" : "btn-primary"}`} disabled={props.busy || props.disabled} data-testid="sub-action-confirm">
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

function ExtendDialog(props: { rental: Rental; onClose(): void }) {
  const s = useSession();
  const r = props.rental;
  const [n, setN] = useState("12");
  const [monthly, setMonthly] = useState("");
  const [reason, setReason] = useState("");
  const [notes, setNotes] = useState("");
  const act = useAction("subscriptions.extend", {
    invalidate: INVALIDATE,
    success: (x) => `Extended by ${months(x.extensionMonths)}: now ends ${formatDate(x.newEndDate)}.`,
    onSuccess: props.onClose,
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
            <Input type="number" min={1} max={120} value={n} onChange={(e) => setN(e.target.value)} testId="sub-extend-months" autoFocus />
          </Field>
          <Field label={`New monthly amount (${r.currency})`} hint="Empty keeps the current amount." error={act.error?.field("newMonthlyAmount")}>
            <Input value={monthly} onChange={(e) => setMonthly(e.target.value)} inputMode="decimal" placeholder={r.monthlyAmount} />
          </Field>
          <Field label="Reason" wide>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <Field label="Notes" wide>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <Buttons busy={act.isPending} label={`Extend by ${Number.isInteger(count) && count > 0 ? months(count) : "…"}`} onClose={props.onClose} disabled={!(Number.isInteger(count) && count > 0)} />
      </form>
    </Dialog>
  );
}

function UpgradeDialog(props: { rental: Rental; onClose(): void }) {
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
    invalidate: INVALIDATE,
    success: (x) => x.message,
    onSuccess: (x) => {
      props.onClose();
      navigate("subscriptions", x.newRentalId);
    },
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
            <Field label="New device (SKU or name)" wide>
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
            <Field label="New device" wide>
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
              <Field label="Contract length">
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
              <Field label={`Monthly amount (${r.currency})`} hint={tier ? `Empty uses the price list: ${s.money(tier.monthlyPrice)}.` : undefined}>
                <Input value={monthly} onChange={(e) => setMonthly(e.target.value)} inputMode="decimal" placeholder={tier?.monthlyPrice} />
              </Field>
              <Field label="Reason">
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
        <Buttons busy={act.isPending} label="Upgrade" onClose={props.onClose} disabled={!variant || !serial.trim() || !length} />
      </form>
    </Dialog>
  );
}

function ReplaceDialog(props: { rental: Rental; onClose(): void }) {
  const r = props.rental;
  const [serial, setSerial] = useState("");
  const [reason, setReason] = useState("");
  const [damage, setDamage] = useState("");
  const [insurance, setInsurance] = useState(false);
  const [notes, setNotes] = useState("");
  const act = useAction("subscriptions.replace", { invalidate: INVALIDATE, success: (x) => `${x.oldSerialNumber} replaced by ${x.newSerialNumber}.`, onSuccess: props.onClose });
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
          <Field label="Damage assessment" wide>
            <Input value={damage} onChange={(e) => setDamage(e.target.value)} />
          </Field>
          <div className="field">
            <Check label="Insurance claim" checked={insurance} onChange={setInsurance} />
          </div>
          <Field label="Notes" wide>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <Buttons busy={act.isPending} label="Replace the device" onClose={props.onClose} disabled={!serial.trim() || !reason} />
      </form>
    </Dialog>
  );
}

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

function BuyoutDialog(props: { rental: Rental; onClose(): void; quoteOnly: boolean }) {
  const s = useSession();
  const r = props.rental;
  const [date, setDate] = useState(todayIso());
  const [price, setPrice] = useState("");
  const [reason, setReason] = useState("customer_request");
  const [notes, setNotes] = useState("");
  const quote = useCommand("subscriptions.quoteBuyout", { rentalId: r.rentalId, effectiveDate: date || undefined });
  const q = quote.data;
  const act = useAction("subscriptions.buyout", { invalidate: INVALIDATE, success: (x) => x.message, onSuccess: props.onClose });
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
          <Field label="Effective date" error={quote.error?.field("effectiveDate")}>
            <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} testId="sub-quote-date" />
          </Field>
        </div>
        {quote.isLoading && <Loading what="the quote" />}
        <LoadError error={quote.error} />
        {q && (
          <div className="quote-box" data-testid="sub-quote">
            {lines.map(([k, v]) => (
              <QuoteLine key={k} label={k} value={v} />
            ))}
            <QuoteLine label="Buyout price" value={s.money(q.buyoutPrice)} strong testId="sub-quote-total" />
            <div className="small muted">
              {q.remainingPayments} scheduled payments are cancelled. Collected so far {s.money(q.totalCollected)}; after the buyout {s.money(q.projectedAfterBuyout)}
              {q.projectedMargin !== null ? `, margin ${s.money(q.projectedMargin)}` : ""}. Depreciated value {s.money(q.depreciatedValue)}.
            </div>
          </div>
        )}
        {!props.quoteOnly && (
          <div className="form-grid">
            <Field label={`Price set by hand (${r.currency})`} hint="Empty uses the quoted price." error={act.error?.field("buyoutPrice")}>
              <Input value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" placeholder={q?.buyoutPrice} testId="sub-buyout-price" />
            </Field>
            <Field label="Reason">
              <Select value={reason} onChange={(e) => setReason(e.target.value)}>
                {["customer_request", "end_of_contract", "other"].map((x) => (
                  <option key={x} value={x}>
                    {words(x)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Notes" wide>
              <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
            </Field>
          </div>
        )}
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
          lines={lines}
          total={["Buyout price", s.money(q.buyoutPrice)]}
          note={`After payment the device ${q.productName} (serial ${q.serialNumber}) becomes the customer's property and the ${q.remainingPayments} remaining monthly payments are cancelled.`}
        />
      )}
    </Dialog>
  );
}

function EarlyReturnDialog(props: { rental: Rental; onClose(): void; quoteOnly: boolean }) {
  const s = useSession();
  const r = props.rental;
  const [date, setDate] = useState(todayIso());
  const [condition, setCondition] = useState("");
  const [fee, setFee] = useState("");
  const [waive, setWaive] = useState(false);
  const [reason, setReason] = useState("");
  const [notes, setNotes] = useState("");
  const quote = useCommand("subscriptions.quoteEarlyReturn", { rentalId: r.rentalId, effectiveDate: date || undefined });
  const q = quote.data;
  const act = useAction("subscriptions.earlyReturn", { invalidate: INVALIDATE, success: (x) => x.message, onSuccess: props.onClose });
  const grace = q
    ? q.gracePeriodApplied
      ? `Day ${q.daysFromStart}: inside the ${q.gracePeriodDays}-day grace period, so no fee.`
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
          <Field label="Return date" error={quote.error?.field("effectiveDate")}>
            <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} testId="sub-quote-date" />
          </Field>
        </div>
        {quote.isLoading && <Loading what="the quote" />}
        <LoadError error={quote.error} />
        {q && (
          <div className="quote-box" data-testid="sub-quote">
            {lines.map(([k, v]) => (
              <QuoteLine key={k} label={k} value={v} />
            ))}
            <QuoteLine label="Early-return fee" value={s.money(q.earlyReturnFee)} strong testId="sub-quote-total" />
            <div className={`small grace ${q.gracePeriodApplied ? "ok" : ""}`}>{grace}</div>
            <div className="small muted">
              Collected so far {s.money(q.totalCollected)}; with the fee {s.money(q.projectedWithFee)}.
            </div>
          </div>
        )}
        {!props.quoteOnly && (
          <div className="form-grid">
            <Field label="Condition">
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
            <Field label="Reason" wide>
              <Input value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Field label="Notes" wide>
              <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
            </Field>
          </div>
        )}
        <Buttons
          busy={act.isPending}
          label="End it early"
          onClose={props.onClose}
          disabled={!q || !condition}
          hideConfirm={props.quoteOnly}
          extra={q && <QuoteButtons rental={r} kind="early_return" date={date} />}
        />
      </form>
      {q && <PrintSheet title="Early-return quote" rental={r} date={q.effectiveDate} lines={lines} total={["Early-return fee", s.money(q.earlyReturnFee)]} note={grace} />}
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

function CancelDialog(props: { rental: Rental; onClose(): void }) {
  const r = props.rental;
  const [reason, setReason] = useState("customer_request");
  const [notes, setNotes] = useState("");
  const act = useAction("subscriptions.cancel", { invalidate: INVALIDATE, success: (x) => x.message, onSuccess: props.onClose });
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
          <Field label="Reason">
            <Select value={reason} onChange={(e) => setReason(e.target.value)} testId="sub-cancel-reason" autoFocus>
              {["customer_request", "payment_failure", "fraud", "admin_decision", "other"].map((x) => (
                <option key={x} value={x}>
                  {words(x)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Notes" wide>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <Buttons busy={act.isPending} label="Cancel the subscription" onClose={props.onClose} danger />
      </form>
    </Dialog>
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

