import { useEffect, useRef } from "react";
import type { VatReport } from "../../lib/api/bindings/VatReport";
import { call } from "../../lib/api/client";
import { rolesFor } from "../../lib/access";
import { textDocument } from "../../lib/documents";
import { countOf, formatCount, formatDate, formatMoney, formatMonth } from "../../lib/format";
import { useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Card, Empty, LoadError, Loading, RoleHint } from "../../lib/ui";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { useTaxName } from "../../lib/ui/PriceRows";
import "./VatReport.css";

/** A rate as the core sends it ("21.00") for people: "21 %", "9,5 %" in the unit's locale. */
function rateText(rate: string): string {
  const n = Number(rate);
  return Number.isFinite(n) ? `${formatCount(n)} %` : rate;
}

/**
 * The VAT report of a month, as an accountant files it: the net and the tax of the invoices and
 * credit notes issued in it, per category and rate (credit notes count negative; reverse-charged
 * supplies apart), with the same report as a PDF and a CSV. The core adds it all up; this only shows it.
 */
export function VatReportCard(props: { month: string; className?: string }) {
  const s = useSession();
  const month = props.month;
  const may = s.can("reports.vat");
  const taxName = useTaxName();
  const report = useCommand("reports.vat", { month }, { enabled: may && !!month });
  // Issuing or crediting (the month-end run beside this card) refreshes the invoices, not the
  // reports: when the month's invoice totals change, the report is asked for again.
  const totals = useCommand("invoices.totals", { month }, { enabled: may && !!month });
  const seen = useRef(0);
  const { refetch } = report;
  useEffect(() => {
    const at = totals.dataUpdatedAt;
    if (!at) return;
    if (seen.current && at !== seen.current) void refetch();
    seen.current = at;
  }, [totals.dataUpdatedAt, refetch]);

  const r = report.data;
  const name = r?.taxName || taxName;
  const title = `${name} report · ${formatMonth(month)}`;
  if (!may) {
    return (
      <Card title={title} className={`vat-report ${props.className ?? ""}`}>
        <div data-testid="vat-report">
          <p className="muted small">The {name} report of the invoices and credit notes issued in the month, per rate.</p>
          <RoleHint roles={rolesFor("reports.vat")} />
        </div>
      </Card>
    );
  }
  return (
    <Card
      title={title}
      className={`vat-report ${props.className ?? ""}`}
      actions={
        <>
          <DocumentButton mode="save" disabled={!month || !s.can("reports.vatPdf")} title={s.can("reports.vatPdf") ? undefined : `Needs ${rolesFor("reports.vatPdf")}`} testId="vat-pdf" load={() => call("reports.vatPdf", { month })}>
            {name} report PDF
          </DocumentButton>
          <DocumentButton
            mode="save"
            disabled={!month || !s.can("reports.vatCsv")}
            title={s.can("reports.vatCsv") ? undefined : `Needs ${rolesFor("reports.vatCsv")}`}
            testId="vat-csv"
            load={async () => {
              const f = await call("reports.vatCsv", { month });
              return textDocument(f.filename, f.csvData);
            }}
          >
            {name} report CSV
          </DocumentButton>
        </>
      }
    >
      <div data-testid="vat-report" data-month={month}>
        <LoadError error={report.error} />
        {report.isLoading && <Loading what={`the ${name} report`} />}
        {r && <VatTable report={r} exponent={s.bu?.currencyExponent ?? 2} month={month} />}
      </div>
    </Card>
  );
}

function VatTable(props: { report: VatReport; exponent: number; month: string }) {
  const r = props.report;
  const money = (amount: string) => formatMoney(amount, r.currency, props.exponent);
  if (r.rows.length === 0 && r.invoices + r.creditNotes === 0) {
    return <Empty>No invoices issued in {formatMonth(props.month)}.</Empty>;
  }
  return (
    <>
      <div className="table-wrap">
        <table className="table compact vat-table" data-testid="vat-table">
          <thead>
            <tr>
              <th>Category</th>
              <th className="num">Rate</th>
              <th className="num">Documents</th>
              <th className="num">Net</th>
              <th className="num">{r.taxName}</th>
            </tr>
          </thead>
          <tbody>
            {r.rows.map((x) => (
              <tr key={`${x.category} ${x.rate}`} data-testid="vat-row" data-category={x.category}>
                <td>
                  {x.label} <span className="muted">({x.category})</span>
                </td>
                <td className="num">{rateText(x.rate)}</td>
                <td className="num">{formatCount(x.documents)}</td>
                <td className="num">{money(x.net)}</td>
                <td className="num">{money(x.tax)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="vat-total">
              <td>Total</td>
              <td />
              <td />
              <td className="num" data-testid="vat-total-net">
                {money(r.net)}
              </td>
              <td className="num" data-testid="vat-total-tax">
                {money(r.tax)}
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p className="muted small" data-testid="vat-counts" data-invoices={r.invoices} data-credit-notes={r.creditNotes}>
        From {countOf(r.invoices, "invoice", "invoices")} and {countOf(r.creditNotes, "credit note", "credit notes")} issued {formatDate(r.from)} – {formatDate(r.to)}, as issued; credit notes count
        with their negative amounts.
      </p>
    </>
  );
}
