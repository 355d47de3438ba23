import { Fragment, useMemo, useState } from "react";
import type { Payment } from "../../lib/api/bindings/Payment";
import type { PaymentQuery } from "../../lib/api/bindings/PaymentQuery";
import { rolesFor } from "../../lib/access";
import { formatDate, localeOf, todayIso, words } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useSelection } from "../../lib/useSelection";
import { Badge, Card, Empty, Field, FormError, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea } from "../../lib/ui";
import { CustomerFilter } from "../../lib/ui/CustomerFilter";
import { SortTh, type ListSort } from "../../lib/ui/ListControls";
import { Dialog } from "../../lib/ui/Dialog";
import { dayRange } from "../../lib/ui/dayRange";
import { PaymentLines } from "../../lib/ui/PaymentLines";
import { METHODS, ReceiptDialog, ReceiptList, fullyRefunded, hasReceipts, paymentWhat, some, type ReceiptMode } from "./receipts";
import { REMINDERS_HINT, Reminders } from "./Reminders";
import "./payments.css";

type Tab = "due" | "overdue" | "failed" | "paid" | "all";
const TABS: { id: Tab; label: string; hint: string }[] = [
  { id: "due", label: "Due", hint: "Open payments due today or later, soonest first." },
  { id: "overdue", label: "Overdue", hint: "Open payments past their due date, oldest first." },
  { id: "failed", label: "Failed", hint: "Collection failed; still to be paid." },
  { id: "paid", label: "Paid", hint: "Paid payments, newest due date first." },
  { id: "all", label: "All", hint: "Every payment, newest due date first." },
];
/** The tabs: the lists above, then the letters for overdue money (for those who may read them). */
type AnyTab = Tab | "reminders";
const REMINDERS = { id: "reminders" as const, label: "Reminders", hint: REMINDERS_HINT };

/** The tabs' links; another tab keeps the address's filters. */
function PaymentTabs(props: { tab: AnyTab }) {
  const s = useSession();
  const route = useRoute();
  const tabHref = (t: AnyTab) => {
    const next = new URLSearchParams(route.query);
    next.set("tab", t);
    return `${href("payments")}?${next.toString()}`;
  };
  const tabs: { id: AnyTab; label: string }[] = s.can("dunning.proposals") ? [...TABS, REMINDERS] : TABS;
  return (
    <nav className="tabs" aria-label="Payments">
      {tabs.map((x) => (
        <a key={x.id} href={tabHref(x.id)} className={x.id === props.tab ? "active" : ""} data-testid={`payments-tab-${x.id}`} aria-current={x.id === props.tab ? "page" : undefined}>
          {x.label}
        </a>
      ))}
    </nav>
  );
}

function queryFor(tab: Tab, customerId: string, from: string, to: string): PaymentQuery {
  const base: PaymentQuery = { customerId: customerId || undefined, dueDateFrom: from || undefined, dueDateTo: to || undefined };
  switch (tab) {
    case "due": {
      const today = todayIso();
      return { ...base, status: "pending,processing", dueDateFrom: from && from > today ? from : today, sortDir: "asc" };
    }
    case "overdue":
      return { ...base, overdue: true, sortDir: "asc" };
    case "failed":
      return { ...base, status: "failed", sortDir: "asc" };
    case "paid":
      return { ...base, status: "paid", sortDir: "desc" };
    case "all":
      return { ...base, sortDir: "desc" };
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day from the address (YYYY-MM-DD), or "" for anything else. */
function day(v: string | null): string {
  return v && DAY.test(v) ? v : "";
}

/** The later of two days (either may be empty). */
function later(a: string, b: string): string {
  return a && b ? (a > b ? a : b) : a || b;
}

/** The earlier of two days (either may be empty). */
function earlier(a: string, b: string): string {
  return a && b ? (a < b ? a : b) : a || b;
}

/** The chip of a due-date range given in the address: "Due Oct 8 – Nov 6, 2026" (the unit's locale). */
function rangeText(from: string, to: string, locale: string | undefined): string {
  if (from && to) return `Due ${dayRange(from, to, locale)}`;
  return from ? `Due on or after ${formatDate(from)}` : `Due on or before ${formatDate(to)}`;
}

function toggled(set: Set<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Payments that can still be marked paid (not paid, not cancelled, not with a provider). */
function open(p: Payment): boolean {
  return p.status === "pending" || p.status === "failed";
}

export function PaymentsScreen() {
  const s = useSession();
  const route = useRoute();
  if (route.query.get("tab") === REMINDERS.id && s.can("dunning.proposals")) {
    return (
      <>
        <ScreenHeader title="Payments" sub={REMINDERS.hint} />
        <PaymentTabs tab={REMINDERS.id} />
        <Reminders />
      </>
    );
  }
  return <PaymentList />;
}

function PaymentList() {
  const s = useSession();
  const route = useRoute();
  const tab = (TABS.find((t) => t.id === route.query.get("tab"))?.id ?? "due") as Tab;
  const customerId = route.query.get("customer") ?? "";
  const from = route.query.get("from") ?? "";
  const to = route.query.get("to") ?? "";
  // A due-date range from a link (the dashboard's overdue money by age: `dueFrom`, `dueTo`, both
  // inclusive), shown as a chip; it narrows whatever the date fields say.
  const dueFrom = day(route.query.get("dueFrom"));
  const dueTo = day(route.query.get("dueTo"));
  const q = useMemo(() => queryFor(tab, customerId, later(from, dueFrom), earlier(to, dueTo)), [tab, customerId, from, to, dueFrom, dueTo]);
  // A column heading chose another order (`sort`, `dir` in the address); else the tab's own.
  const sortParam = route.query.get("sort");
  const sortBy = sortParam === "amount" || sortParam === "status" ? sortParam : "dueDate";
  const sort: ListSort = { by: sortBy, dir: route.query.get("dir") === "asc" ? "asc" : route.query.get("dir") === "desc" ? "desc" : q.sortDir === "asc" ? "asc" : "desc" };
  const list = usePagedList("payments.list", { ...q, sortBy: sort.by, sortDir: sort.dir, limit: "50" });
  const totals = useCommand("payments.totals", q);
  const [paying, setPaying] = useState<Payment[] | null>(null);
  const [refusing, setRefusing] = useState<{ payment: Payment; kind: ReasonKind } | null>(null);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [receipt, setReceipt] = useState<{ payment: Payment; mode: ReceiptMode } | null>(null);
  const [history, setHistory] = useState<Set<string>>(new Set());
  const invoice = useAction("invoices.issue", { success: (i) => `Invoice ${i.number} issued to ${i.customerName}.` });
  const mayInvoice = s.can("invoices.issue");

  const setParam = (key: string, value: string) => setParams({ [key]: value });
  const setParams = (values: Record<string, string>) => {
    const next = new URLSearchParams(route.query);
    for (const [key, value] of Object.entries(values)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const text = next.toString();
    window.location.hash = href("payments").slice(1) + (text ? `?${text}` : "");
  };

  // A new filter starts a new selection; paid or vanished payments leave it.
  const key = JSON.stringify(q);
  const selectable = list.items.filter(open);
  const selection = useSelection(selectable, (p) => p.paymentId, key);
  const chosen = selection.chosen;
  const mayPay = s.can("payments.markPaid");
  const mayReceive = s.can("payments.receive");
  const mayRefund = s.can("payments.refund");

  const t = totals.data;
  return (
    <>
      <ScreenHeader title="Payments" sub={TABS.find((x) => x.id === tab)?.hint} />
      <PaymentTabs tab={tab} />
      <div className="totals-strip" data-testid="payments-total" aria-live="polite">
        {totals.isLoading && <Loading what="totals" />}
        <LoadError error={totals.error} />
        {t && (
          <>
            <div className="stat">
              <span className="stat-label">{t.count === 1 ? "1 payment" : `${t.count} payments`}</span>
              <span className="stat-value" data-testid="payments-total-amount">
                {s.money(t.total)}
              </span>
            </div>
            <div className="stat">
              <span className="stat-label">Open</span>
              <span className="stat-value">{s.money(t.openTotal)}</span>
            </div>
            <div className="stat">
              <span className="stat-label">Paid</span>
              <span className="stat-value">{s.money(t.paidTotal)}</span>
            </div>
            <div className="stat">
              <span className="stat-label">Overdue ({t.overdueCount})</span>
              <span className={`stat-value ${t.overdueCount > 0 ? "bad-text" : ""}`}>{s.money(t.overdueTotal)}</span>
            </div>
          </>
        )}
      </div>
      <Card>
        <div className="filters">
          <CustomerFilter value={customerId} onChange={(v) => setParam("customer", v)} testId="payments-customer" />
          <Field label="Due from">
            <Input type="date" value={from} onChange={(e) => setParam("from", e.target.value)} testId="payments-from" />
          </Field>
          <Field label="Due until">
            <Input type="date" value={to} onChange={(e) => setParam("to", e.target.value)} testId="payments-to" />
          </Field>
          {(dueFrom || dueTo) && (
            <div className="field">
              <span className="field-label">Due date</span>
              <span className="chip" data-testid="payments-due-range" data-from={dueFrom} data-to={dueTo}>
                {rangeText(dueFrom, dueTo, localeOf(s.bu))}
                <button type="button" className="chip-x" onClick={() => setParams({ dueFrom: "", dueTo: "" })} aria-label="Any due date" data-testid="payments-due-range-clear">
                  ×
                </button>
              </span>
            </div>
          )}
          <span className="grow" />
          <button
            className="btn btn-primary"
            disabled={!mayPay || chosen.length === 0}
            title={!mayPay ? `Needs ${rolesFor("payments.markPaid")}` : chosen.length === 0 ? "Tick the open payments to mark paid first." : undefined}
            onClick={() => setPaying(chosen)}
            data-testid="payments-mark-paid-bulk"
          >
            {chosen.length > 0 ? `Mark ${chosen.length} paid…` : "Mark selected paid…"}
          </button>
        </div>
        {!mayPay && <RoleHint roles={rolesFor("payments.markPaid")} />}
        <LoadError error={list.error} />
        {list.isLoading && <Loading what="payments" />}
        {!list.isLoading && list.items.length === 0 && <Empty>No payments here.</Empty>}
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table middle" data-testid="payments-table">
              <thead>
                <tr>
                  <th>
                    <input
                      type="checkbox"
                      aria-label="Select every open payment shown"
                      checked={selection.all}
                      disabled={!mayPay || selectable.length === 0}
                      onChange={(e) => selection.setAll(e.target.checked)}
                      data-testid="payments-select-all"
                    />
                  </th>
                  <SortTh label="Due · period" by="dueDate" sort={sort} onSort={(x) => setParams({ sort: x.by, dir: x.dir })} first="asc" testId="payments-sort-due" />
                  <th>Customer</th>
                  <th>Device</th>
                  <SortTh label="Amount" by="amount" sort={sort} onSort={(x) => setParams({ sort: x.by, dir: x.dir })} num testId="payments-sort-amount" />
                  <SortTh label="Status" by="status" sort={sort} onSort={(x) => setParams({ sort: x.by, dir: x.dir })} first="asc" testId="payments-sort-status" />
                  <th>Paid · invoice</th>
                  <th className="col-actions">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((p) => (
                  <Fragment key={p.paymentId}>
                    <tr data-testid="payments-row" data-payment-id={p.paymentId} data-status={p.status} data-overdue={p.overdue ? "true" : "false"} className={selection.has(p.paymentId) ? "selected" : ""}>
                      <td>
                        {open(p) && (
                          <input
                            type="checkbox"
                            aria-label={`Select ${p.customerName} ${p.dueDate}`}
                            checked={selection.has(p.paymentId)}
                            disabled={!mayPay}
                            onChange={(e) => selection.toggle(p.paymentId, e.target.checked)}
                            data-testid="payments-select"
                          />
                        )}
                      </td>
                      <td>
                        <span className="nowrap">{formatDate(p.dueDate)}</span>
                        <div className="small muted">
                          {p.billingPeriod} · {paymentWhat(p)}
                        </div>
                      </td>
                      <td>
                        <a href={href("customers", p.customerId)}>{p.customerName}</a>
                      </td>
                      <td className="small">
                        {p.paymentType === "consolidated" ? (
                          <>
                            <button
                              type="button"
                              className="btn btn-small btn-ghost"
                              aria-expanded={expanded.has(p.paymentId)}
                              onClick={() => setExpanded((cur) => toggled(cur, p.paymentId))}
                              data-testid="payments-lines-toggle"
                            >
                              {expanded.has(p.paymentId) ? "▾" : "▸"} {p.lineItems.length === 1 ? "1 device" : `${p.lineItems.length} devices`}
                            </button>
                            {p.billingGroupId && (
                              <div>
                                <a className="muted" href={href("billing", p.billingGroupId)}>
                                  billing group
                                </a>
                              </div>
                            )}
                          </>
                        ) : p.rentalId ? (
                          <a className="mono" href={href("subscriptions", p.rentalId)}>
                            {p.serialNumber ?? "subscription"}
                          </a>
                        ) : (
                          p.serialNumber ?? "—"
                        )}
                        {p.productName && <div className="muted">{p.productName}</div>}
                      </td>
                      <td className="num">
                        {open(p) && some(p.amountReceived) ? (
                          <span data-testid="payments-open-amount" title={`${s.money(p.amountReceived)} received in part; ${s.money(p.amountOpen)} still to be paid`}>
                            <span className="nowrap">{s.money(p.amountOpen)} open</span>
                            <div className="small muted nowrap">of {s.money(p.total)}</div>
                            <div className="small nowrap">part paid {s.money(p.amountReceived)}</div>
                          </span>
                        ) : (
                          s.money(p.total)
                        )}
                        {p.lateFeeApplied && <div className="small muted">incl. late fee {s.money(p.lateFeeAmount)}</div>}
                        {some(p.amountRefunded) && <div className="small bad-text nowrap">{s.money(p.amountRefunded)} refunded</div>}
                        {hasReceipts(p) && (
                          <button
                            type="button"
                            className="btn btn-small btn-ghost"
                            aria-expanded={history.has(p.paymentId)}
                            title="The part payments and refunds recorded on this payment"
                            onClick={() => setHistory((cur) => toggled(cur, p.paymentId))}
                            data-testid="payments-receipts"
                          >
                            {history.has(p.paymentId) ? "▾" : "▸"} History
                          </button>
                        )}
                      </td>
                      <td>
                        <Badge status={p.status} />
                        {p.overdue && <div className="small bad-text">{p.daysOverdue} days overdue</div>}
                        {p.status === "failed" && p.lastCaptureError && <div className="small muted">{p.lastCaptureError.message}</div>}
                        {p.status === "cancelled" && p.cancelReason && <div className="small muted">{p.cancelReason}</div>}
                      </td>
                      <td className="small">
                        {p.paidAt && formatDate(p.paidAt)}
                        {p.paymentReference && <div className="mono muted">{p.paymentReference}</div>}
                        {p.method && <div className="muted">{words(p.method)}</div>}
                        {p.invoiceId ? (
                          <div>
                            <a className="mono nowrap" href={href("invoices", p.invoiceId)} data-testid="payments-invoice" title="Open the invoice">
                              {p.invoiceNumber ?? "invoice"}
                            </a>
                          </div>
                        ) : open(p) ? (
                          <button
                            type="button"
                            className="btn btn-small"
                            disabled={!mayInvoice || invoice.isPending}
                            title={mayInvoice ? "Issue the invoice for this payment now" : `Needs ${rolesFor("invoices.issue")}`}
                            onClick={() => invoice.mutate({ paymentId: p.paymentId })}
                            data-testid="payment-invoice-now"
                          >
                            Invoice now
                          </button>
                        ) : (
                          !p.paidAt && "—"
                        )}
                      </td>
                      <td className="num col-actions">
                        {open(p) && (
                          <div className="row-actions">
                            <button className="btn btn-small btn-primary" disabled={!mayPay} title={mayPay ? "Mark it paid in full" : `Needs ${rolesFor("payments.markPaid")}`} onClick={() => setPaying([p])} data-testid="payments-mark-paid">
                              Paid…
                            </button>
                            <button
                              className="btn btn-small"
                              disabled={!mayReceive}
                              title={mayReceive ? `Record money received in part: ${s.money(p.amountOpen)} is open; the rest stays open` : `Needs ${rolesFor("payments.receive")}`}
                              onClick={() => setReceipt({ payment: p, mode: "receive" })}
                              data-testid="payments-receive"
                            >
                              Part payment…
                            </button>
                            <button
                              className="btn btn-small"
                              disabled={!s.can("payments.markFailed")}
                              title={s.can("payments.markFailed") ? "The collection failed: say what went wrong" : `Needs ${rolesFor("payments.markFailed")}`}
                              onClick={() => setRefusing({ payment: p, kind: "failed" })} data-testid="payments-mark-failed">
                              Failed…
                            </button>
                            <button
                              className="btn btn-small btn-ghost"
                              disabled={!s.can("payments.cancel")}
                              title={s.can("payments.cancel") ? "Nothing is to be collected on it any more" : `Needs ${rolesFor("payments.cancel")}`}
                              onClick={() => setRefusing({ payment: p, kind: "cancel" })} data-testid="payments-cancel">
                              Cancel…
                            </button>
                          </div>
                        )}
                        {p.status === "paid" && !p.consolidatedInto && (
                          <div className="row-actions">
                            <button
                              className="btn btn-small"
                              disabled={!mayRefund || fullyRefunded(p)}
                              title={
                                !mayRefund
                                  ? `Needs ${rolesFor("payments.refund")}`
                                  : fullyRefunded(p)
                                    ? "Everything paid on it has been given back already."
                                    : "Refund: money given back to the customer. The payment stays paid."
                              }
                              onClick={() => setReceipt({ payment: p, mode: "refund" })}
                              data-testid="payments-refund"
                            >
                              Refund…
                            </button>
                            <button
                              className="btn btn-small btn-ghost"
                              disabled={!s.can("payments.reverse") || !!p.invoiceId}
                              title={
                                p.invoiceId
                                  ? `On invoice ${p.invoiceNumber ?? p.invoiceId}, which stays as issued: correct it with a credit note.`
                                  : s.can("payments.reverse")
                                    ? "Take back: marked paid by mistake. It is open again, as before."
                                    : `Needs ${rolesFor("payments.reverse")}`
                              }
                              onClick={() => setRefusing({ payment: p, kind: "reverse" })}
                              data-testid="payments-reverse"
                            >
                              Take back…
                            </button>
                          </div>
                        )}
                      </td>
                    </tr>
                    {expanded.has(p.paymentId) && (
                      <tr className="subrow">
                        <td />
                        <td colSpan={7}>
                          <PaymentLines lines={p.lineItems} />
                        </td>
                      </tr>
                    )}
                    {history.has(p.paymentId) && (
                      <tr className="subrow" data-testid="payments-receipts-row">
                        <td />
                        <td colSpan={7}>
                          <ReceiptList paymentId={p.paymentId} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      </Card>
      {paying && (
        <PayDialog
          payments={paying}
          onClose={() => setPaying(null)}
          onDone={() => {
            setPaying(null);
            selection.clear();
          }}
        />
      )}
      {refusing && <ReasonDialog payment={refusing.payment} kind={refusing.kind} onClose={() => setRefusing(null)} />}
      {receipt && <ReceiptDialog payment={receipt.payment} mode={receipt.mode} onClose={() => setReceipt(null)} />}
    </>
  );
}

function PayDialog(props: { payments: Payment[]; onClose(): void; onDone(): void }) {
  const s = useSession();
  const ps = props.payments;
  const [reference, setReference] = useState("");
  const [date, setDate] = useState(todayIso());
  const [method, setMethod] = useState("bank_transfer");
  const [notes, setNotes] = useState("");
  const one = useAction("payments.markPaid", { success: (p) => `Payment of ${s.money(p.total)} from ${p.customerName} marked paid.`, onSuccess: props.onDone, quiet: true });
  const many = useAction("payments.markPaidMany", { success: (list) => `${list.length} payments marked paid.`, onSuccess: props.onDone, quiet: true });
  const busy = one.isPending || many.isPending;
  const err = one.error ?? many.error;
  return (
    <Dialog title={ps.length === 1 ? "Mark the payment paid" : `Mark ${ps.length} payments paid`} onClose={props.onClose} testId="pay-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const common = { paymentReference: reference.trim() || undefined, paidAt: date || undefined, method: method || undefined, notes: notes.trim() || undefined };
          if (ps.length === 1) one.mutate({ id: ps[0].paymentId, ...common });
          else many.mutate({ paymentIds: ps.map((p) => p.paymentId), ...common });
        }}
      >
        <ul className="pay-list">
          {ps.map((p) => (
            <li key={p.paymentId}>
              <span>
                {p.customerName} · due {formatDate(p.dueDate)}
                {p.serialNumber ? ` · ${p.serialNumber}` : ""}
              </span>
              <span className="num">{some(p.amountReceived) ? `${s.money(p.amountOpen)} open of ${s.money(p.total)}` : s.money(p.total)}</span>
            </li>
          ))}
        </ul>
        <div className="form-grid">
          <Field label="Reference" hint="Bank statement line or receipt number." error={err?.field("paymentReference")}>
            <Input value={reference} onChange={(e) => setReference(e.target.value)} testId="pay-reference" autoFocus />
          </Field>
          <Field label="Paid on" error={err?.field("paidAt")}>
            <Input type="date" value={date} max={todayIso()} onChange={(e) => setDate(e.target.value)} testId="pay-date" />
          </Field>
          <Field label="Method">
            <Select value={method} onChange={(e) => setMethod(e.target.value)} testId="pay-method">
              {METHODS.map((m) => (
                <option key={m} value={m}>
                  {words(m)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Notes" wide error={err?.field("notes")}>
            <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </Field>
        </div>
        <FormError error={err} fields={["paymentReference", "paidAt", "notes"]} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={busy} data-testid="pay-confirm">
            {busy ? "Saving…" : ps.length === 1 ? "Mark paid" : `Mark ${ps.length} paid`}
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** What a reason is asked for: a failed collection, a cancellation, taking back a payment marked paid by mistake. */
type ReasonKind = "failed" | "cancel" | "reverse";

const REASON_WORDS: Record<ReasonKind, { title: string; label: string; placeholder: string; button: string }> = {
  failed: { title: "Collection failed", label: "What went wrong", placeholder: "e.g. Direct debit returned", button: "Mark failed" },
  cancel: { title: "Cancel the payment", label: "Why is it cancelled", placeholder: "e.g. Credited after complaint", button: "Cancel payment" },
  reverse: { title: "Take back a payment marked paid by mistake", label: "Why is it taken back", placeholder: "e.g. Booked on the wrong customer", button: "Take back" },
};

function ReasonDialog(props: { payment: Payment; kind: ReasonKind; onClose(): void }) {
  const s = useSession();
  const p = props.payment;
  const [reason, setReason] = useState("");
  const failed = useAction("payments.markFailed", { success: "Payment marked failed.", onSuccess: props.onClose, quiet: true });
  const cancel = useAction("payments.cancel", { success: "Payment cancelled.", onSuccess: props.onClose, quiet: true });
  const reverse = useAction("payments.reverse", { success: "Payment taken back: it is open again.", onSuccess: props.onClose, quiet: true });
  const act = { failed, cancel, reverse }[props.kind];
  const words = REASON_WORDS[props.kind];
  return (
    <Dialog title={words.title} onClose={props.onClose} testId="pay-reason-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ id: p.paymentId, reason: reason.trim() });
        }}
      >
        <p>
          {p.customerName}, due {formatDate(p.dueDate)}: <strong>{s.money(p.total)}</strong>
        </p>
        {props.kind === "reverse" && <p className="small muted">It is open again as before it was marked paid, and its amount leaves the subscription's cost recovery.</p>}
        <Field label={words.label} error={act.error?.field("reason")}>
          <Input value={reason} onChange={(e) => setReason(e.target.value)} testId="pay-reason" autoFocus placeholder={words.placeholder} />
        </Field>
        <FormError error={act.error} fields={["reason"]} />
        <div className="row gap">
          <button className={`btn ${props.kind === "failed" ? "btn-primary" : "btn-danger"}`} disabled={act.isPending || !reason.trim()} data-testid="pay-reason-confirm">
            {words.button}
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Keep it
          </button>
        </div>
      </form>
    </Dialog>
  );
}
