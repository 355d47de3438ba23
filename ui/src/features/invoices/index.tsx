import { useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import type { Invoice } from "../../lib/api/bindings/Invoice";
import { call } from "../../lib/api/client";
import { rolesFor } from "../../lib/access";
import { formatDate, formatDateTime, formatMonth, formatPeriod, thisMonth, words } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { ListCount } from "../../lib/ui/ListControls";
import { useDebounced } from "../../lib/useDebounced";
import { Badge, Card, Empty, Facts, Field, FormError, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { MonthEndRun, MonthExport } from "./month";
import { SaveAs } from "./SaveAs";
import "./invoices.css";

const KINDS: { id: string; label: string }[] = [
  { id: "", label: "Invoices and credit notes" },
  { id: "invoice", label: "Invoices" },
  { id: "credit_note", label: "Credit notes" },
];

export function InvoicesArea(props: { parts: string[] }) {
  const [id] = props.parts;
  return id ? <InvoiceDetail key={id} id={id} /> : <InvoicesList />;
}

function kindLabel(i: Invoice): string {
  return i.kind === "credit_note" ? "Credit note" : "Invoice";
}

function InvoicesList() {
  const s = useSession();
  const route = useRoute();
  const month = route.query.get("month") || thisMonth();
  const kind = route.query.get("kind") ?? "";
  const [number, setNumber] = useState(route.query.get("number") ?? "");
  const dnumber = useDebounced(number.trim(), 300);
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(route.query);
    if (value) next.set(key, value);
    else next.delete(key);
    const text = next.toString();
    window.location.hash = href("invoices").slice(1) + (text ? `?${text}` : "");
  };
  useEffect(() => {
    if ((route.query.get("number") ?? "") !== dnumber) setParam("number", dnumber);
    // Only the typed number moves the route; the route does not move the field.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deliberately not on route.query (see above)
  }, [dnumber]);
  // A number is looked up in every month: whoever asks for one rarely knows when it was issued.
  const filters = { month: dnumber ? undefined : month, kind: kind || undefined, number: dnumber || undefined };
  const list = usePagedList("invoices.list", { ...filters, sortDir: "desc", limit: "50" });
  const totals = useCommand("invoices.totals", filters).data;
  const counted = totals ? (kind === "invoice" ? totals.invoices : kind === "credit_note" ? totals.creditNotes : totals.invoices + totals.creditNotes) : undefined;
  const back = route.query.toString();

  return (
    <>
      <ScreenHeader title="Invoices" sub="Invoices and credit notes issued by this business unit, newest first." />
      <div className="grid-2">
        <MonthEndRun />
        <MonthExport key={month} month={month} />
      </div>
      <Card>
        <div className="filters">
          <Field label="Month issued" hint={dnumber ? "Every month while a number is searched." : undefined}>
            <Input type="month" value={month} onChange={(e) => setParam("month", e.target.value)} testId="invoices-month" />
          </Field>
          <Field label="Kind">
            <Select value={kind} onChange={(e) => setParam("kind", e.target.value)} testId="invoices-kind">
              {KINDS.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Number">
            <Input value={number} onChange={(e) => setNumber(e.target.value)} className="mono" placeholder="Number or part of it" testId="invoices-number" />
          </Field>
        </div>
        <LoadError error={list.error} />
        <ListCount shown={list.items.length} total={counted} noun={kind === "credit_note" ? "credit notes" : kind === "invoice" ? "invoices" : "invoices and credit notes"} testId="invoices-count" />
        {list.isLoading && <Loading what="invoices" />}
        {!list.isLoading && list.items.length === 0 && (
          <Empty>
            {dnumber ? `No ${kind ? words(kind) : "invoice or credit note"} numbered like “${dnumber}”.` : `No ${kind ? words(kind) + "s" : "invoices or credit notes"} issued in ${formatMonth(month)}.`}
            {s.can("invoices.run") && !dnumber ? " The month-end run above invoices what is due." : ""}
          </Empty>
        )}
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table invoices-table" data-testid="invoices-table">
              <thead>
                <tr>
                  <th>Number</th>
                  <th>Customer</th>
                  <th>Issued · period</th>
                  <th className="num">Net</th>
                  <th className="num">Tax</th>
                  <th className="num">Total</th>
                  <th>Payment</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((i) => {
                  const to = `${href("invoices", i.invoiceId)}${back ? `?${back}` : ""}`;
                  return (
                    <tr key={i.invoiceId} className="clickable" onClick={() => (window.location.hash = to.slice(1))} data-testid="invoice-row" data-kind={i.kind}>
                      <td>
                        <a className="rowlink mono" href={to} onClick={(e) => e.stopPropagation()}>
                          {i.number}
                        </a>
                        <div className="small">
                          <Badge status={i.kind} label={kindLabel(i)} />
                          {i.creditedBy && <span className="muted"> credited</span>}
                          {i.correctsNumber && <span className="muted"> for {i.correctsNumber}</span>}
                        </div>
                      </td>
                      <td>
                        {i.customerName}
                        {i.billingGroupId && <div className="small muted">billing group · {i.lineCount} lines</div>}
                      </td>
                      <td className="small nowrap">
                        {formatDate(i.issueDate)}
                        {i.periodStart && (
                          <div className="muted">{formatPeriod(i.periodStart, i.periodEnd)}</div>
                        )}
                      </td>
                      <td className="num">{s.money(i.net)}</td>
                      <td className="num">{s.money(i.tax)}</td>
                      <td className="num strong">{s.money(i.gross)}</td>
                      <td>{i.paymentStatus ? <Badge status={i.paymentStatus} /> : "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      </Card>
    </>
  );
}

function InvoiceDetail(props: { id: string }) {
  const s = useSession();
  const route = useRoute();
  const q = useCommand("invoices.get", { id: props.id });
  const [crediting, setCrediting] = useState(false);
  const preview = useRef<HTMLIFrameElement>(null);
  const back = route.query.toString();
  const backHref = `${href("invoices")}${back ? `?${back}` : ""}`;
  const d = q.data;
  if (q.isLoading) return <Loading what="the invoice" />;
  if (!d) {
    return (
      <>
        <ScreenHeader title="Invoice" back={{ href: backHref, label: "Invoices" }} />
        <LoadError error={q.error} />
      </>
    );
  }
  const i = d.invoice;
  const credit = i.kind === "credit_note";
  const mayCredit = s.can("invoices.credit");
  const creditable = !credit && !i.creditedBy;
  return (
    <>
      <ScreenHeader
        title={
          <>
            {kindLabel(i)} <span className="mono">{i.number}</span>
          </>
        }
        sub={
          <>
            <a href={href("customers", i.customerId)}>{i.customerName}</a> · issued {formatDate(i.issueDate)} · {s.money(i.gross)}
          </>
        }
        back={{ href: backHref, label: "Invoices" }}
        actions={<Badge status={i.kind} label={kindLabel(i)} testId="invoice-kind" />}
      />
      {i.creditedBy && (
        <div className="quote-box warn" data-testid="invoice-credited">
          Corrected in full by credit note <InvoiceLink number={i.creditedBy} />.
        </div>
      )}
      {credit && i.correctsId && (
        <div className="quote-box" data-testid="invoice-corrects">
          Corrects invoice{" "}
          <a className="mono" href={href("invoices", i.correctsId)}>
            {i.correctsNumber ?? i.correctsId}
          </a>
          {i.reason ? `: ${i.reason}` : "."}
        </div>
      )}
      <Card>
        <div className="row gap wrap">
          <DocumentButton mode="save" className="btn btn-primary" testId="invoice-save" load={() => call("invoices.pdf", { id: i.invoiceId })}>
            Save PDF
          </DocumentButton>
          <button
            type="button"
            className="btn"
            onClick={() => {
              const w = preview.current?.contentWindow;
              if (w) {
                w.focus();
                w.print();
              }
            }}
            data-testid="invoice-print"
          >
            Print
          </button>
          <DocumentButton mode="open" testId="invoice-open" load={() => call("invoices.pdf", { id: i.invoiceId })}>
            Open PDF
          </DocumentButton>
          <span className="divider" aria-hidden />
          <SaveAs invoice={i} />
          {creditable && (
            <>
              <span className="divider" aria-hidden />
              <button type="button" className="btn btn-danger" disabled={!mayCredit} onClick={() => setCrediting(true)} data-testid="invoice-credit">
                Credit note…
              </button>
            </>
          )}
        </div>
        {creditable && !mayCredit && <RoleHint roles={rolesFor("invoices.credit")} />}
      </Card>
      <div className="invoice-layout">
        <Card title="Preview" className="invoice-preview-card">
          <InvoicePreview id={i.invoiceId} frame={preview} />
        </Card>
        <div>
          <Card title={credit ? "Credit note" : "Invoice"}>
            <Facts
              items={[
                ["Number", <span className="mono">{i.number}</span>],
                ["Customer", <a href={href("customers", i.customerId)}>{i.customerName}</a>],
                ["Issued", formatDate(i.issueDate)],
                ...(i.dueDate ? ([["Due", formatDate(i.dueDate)]] as [string, string][]) : []),
                ["Period", formatPeriod(i.periodStart, i.periodEnd)],
                ["Lines", String(i.lineCount)],
                ["Net", s.money(i.net)],
                ["Tax", `${s.money(i.tax)}${i.reverseCharge ? " (reverse charge)" : ""}`],
                ["Total", <strong data-testid="invoice-total">{s.money(i.gross)}</strong>],
                ["Payment", i.paymentStatus ? <Badge status={i.paymentStatus} /> : "—"],
                ...(i.billingGroupId ? ([["Billing group", <a href={href("billing", i.billingGroupId)}>Open the group</a>]] as [string, ReactNode][]) : []),
                ["Issued by", `${i.createdBy}, ${formatDateTime(i.createdAt)}`],
              ]}
            />
            <p className="small">
              <a href={`${href("payments")}?tab=all&customer=${encodeURIComponent(i.customerId)}`}>Payments of {i.customerName}</a>
            </p>
          </Card>
          <Card title="Bill to">
            <div className="strong">{d.buyer.name}</div>
            {d.buyer.address.map((l, n) => (
              <div key={n} className="small">
                {l}
              </div>
            ))}
            {d.buyer.vatId && <div className="small muted">VAT {d.buyer.vatId}</div>}
          </Card>
        </div>
      </div>
      {crediting && <CreditDialog invoice={i} onClose={() => setCrediting(false)} />}
    </>
  );
}

/** A link to an invoice known by its number (a credit note names the invoice it corrects that way). */
function InvoiceLink(props: { number: string }) {
  const q = useCommand("invoices.list", { number: props.number, limit: "1" });
  const found = q.data?.items.find((x) => x.number === props.number);
  return found ? (
    <a className="mono" href={href("invoices", found.invoiceId)} data-testid="invoice-link">
      {props.number}
    </a>
  ) : (
    <span className="mono">{props.number}</span>
  );
}

/**
 * The invoice as the core lays it out, in a sandboxed frame (no scripts; same origin only so
 * that the desk can print it and size the frame to the page).
 */
function InvoicePreview(props: { id: string; frame: RefObject<HTMLIFrameElement | null> }) {
  const q = useCommand("invoices.html", { id: props.id });
  const [height, setHeight] = useState(1000);
  const { frame } = props;
  const fit = useCallback(() => {
    const el = frame.current;
    const doc = el?.contentDocument;
    if (!el || !doc?.head || el.clientWidth === 0) return;
    // On screen the page is a sheet of A4 paper scaled to the frame; printing keeps the page's own size.
    let sheet = doc.getElementById("flexdesk-screen");
    if (!sheet) {
      sheet = doc.createElement("style");
      sheet.id = "flexdesk-screen";
      doc.head.appendChild(sheet);
    }
    const zoom = Math.min(1, el.clientWidth / A4_WIDTH_PX);
    sheet.textContent = `@media screen { html { background: #fff; zoom: ${zoom}; } body { width: 210mm; min-height: 297mm; padding: 15mm 18mm; } }`;
    setHeight(Math.ceil(doc.documentElement.getBoundingClientRect().height * zoom) + 2);
  }, [frame]);
  // A wider or narrower window scales the sheet again.
  useEffect(() => {
    const el = frame.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    let width = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth !== width) {
        width = el.clientWidth;
        fit();
      }
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [frame, fit, q.data]);
  if (q.isLoading) return <Loading what="the preview" />;
  if (!q.data) return <LoadError error={q.error} />;
  return (
    <div className="invoice-paper">
      <iframe ref={frame} title="Invoice preview" sandbox="allow-same-origin allow-modals" srcDoc={q.data.html} style={{ height }} data-testid="invoice-preview" onLoad={fit} />
    </div>
  );
}

/** 210 mm at 96 px per inch. */
const A4_WIDTH_PX = (210 / 25.4) * 96;

function CreditDialog(props: { invoice: Invoice; onClose(): void }) {
  const s = useSession();
  const i = props.invoice;
  const [reason, setReason] = useState("");
  const act = useAction("invoices.credit", {
    success: (cn) => `Credit note ${cn.number} issued for invoice ${i.number}.`,
    onSuccess: (cn) => {
      props.onClose();
      navigate("invoices", cn.invoiceId);
    },
    // A refusal is said in the dialog, not in the page behind it.
    quiet: true,
  });
  return (
    <Dialog title={`Credit invoice ${i.number}`} onClose={props.onClose} testId="invoice-credit-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.mutate({ id: i.invoiceId, reason: reason.trim() });
        }}
      >
        <div className="quote-box warn">
          A credit note for the whole invoice, {s.money(i.gross)} to {i.customerName}.{" "}
          {i.paymentStatus === "paid" ? "The payment stays paid: the amount is owed back to the customer." : "The open payment it billed is cancelled with it."}
        </div>
        <Field label="Why is the invoice corrected?" error={act.error?.field("reason")}>
          <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} autoFocus testId="invoice-credit-reason" placeholder="e.g. Device returned in the first week" />
        </Field>
        <FormError error={act.error} fields={["reason"]} />
        <div className="row gap dialog-buttons">
          <button className="btn btn-danger" disabled={!reason.trim() || act.isPending} data-testid="invoice-credit-confirm">
            {act.isPending ? "Issuing…" : "Issue the credit note"}
          </button>
          <span className="grow" />
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Keep the invoice
          </button>
        </div>
      </form>
    </Dialog>
  );
}
