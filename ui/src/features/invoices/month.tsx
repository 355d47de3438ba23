import { useRef, useState } from "react";
import type { ExportedFolder } from "../../lib/api/bindings/ExportedFolder";
import { call } from "../../lib/api/client";
import { rolesFor } from "../../lib/access";
import { textDocument } from "../../lib/documents";
import { formatDate, formatMonth, todayIso } from "../../lib/format";
import { useNotify } from "../../lib/notify";
import { useAction, useCommand, useInvalidateAfter } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Card, Field, Input, LoadError, RoleHint } from "../../lib/ui";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { VatReportCard } from "./VatReport";

/** Invoices are issued in batches of this many per call, so progress shows and nothing runs long. */
const BATCH = 100;

interface Progress {
  issued: number;
  total: number;
  remaining: number;
  done: boolean;
}

/**
 * The month-end run: every payment due for invoicing up to a day gets its invoice. The core
 * issues one batch per call; the desk calls again until nothing remains, showing how far it is.
 */
export function MonthEndRun() {
  const s = useSession();
  const notify = useNotify();
  const invalidateAfter = useInvalidateAfter();
  const may = s.can("invoices.run");
  const [upTo, setUpTo] = useState(todayIso());
  const pending = useCommand("invoices.pending", { upTo: upTo || undefined });
  const [progress, setProgress] = useState<Progress | null>(null);
  const [running, setRunning] = useState(false);
  const stop = useRef(false);

  const run = async () => {
    stop.current = false;
    setRunning(true);
    notify.clear();
    let issued = 0;
    let total = pending.data?.count ?? 0;
    setProgress({ issued, total, remaining: total, done: false });
    try {
      for (;;) {
        const r = await call("invoices.run", { upTo: upTo || undefined, batch: BATCH });
        issued += r.issued;
        // What is left can change while it runs (a payment marked elsewhere): count what is known.
        total = issued + r.remaining;
        const done = r.remaining === 0;
        setProgress({ issued, total, remaining: r.remaining, done });
        if (done) {
          notify.success(issued === 1 ? "1 invoice issued; nothing is left to invoice." : `${issued} invoices issued; nothing is left to invoice.`);
          break;
        }
        if (stop.current) {
          notify.success(`Stopped after ${issued} invoices; ${r.remaining} still to invoice. Run again to go on.`);
          break;
        }
        if (r.issued === 0) {
          notify.error({ message: `${r.remaining} payments could not be invoiced in this run; run it again or invoice them one by one from Payments.` });
          break;
        }
      }
    } catch (e) {
      notify.error(e);
    } finally {
      setRunning(false);
      invalidateAfter("invoices.run");
    }
  };

  const count = pending.data?.count;
  const pct = progress && progress.total > 0 ? Math.round((progress.issued / progress.total) * 100) : progress?.done ? 100 : 0;
  return (
    <Card title="Month-end run">
      <div className="row gap align-end wrap">
        <Field label="Up to and including">
          <Input type="date" value={upTo} onChange={(e) => setUpTo(e.target.value)} disabled={running} testId="monthend-date" />
        </Field>
        <div className="field">
          <span className="field-label">To invoice</span>
          <span className="monthend-count" data-testid="monthend-pending">
            {pending.isLoading ? "…" : count ?? "—"}
          </span>
        </div>
        <span className="grow" />
        {!running ? (
          <button className="btn btn-primary" disabled={!may || !count} onClick={() => void run()} data-testid="monthend-run">
            {count ? `Invoice ${count === 1 ? "1 payment" : `${count} payments`}` : "Nothing to invoice"}
          </button>
        ) : (
          <button className="btn" onClick={() => (stop.current = true)} data-testid="monthend-stop">
            Stop after this batch
          </button>
        )}
      </div>
      <LoadError error={pending.error} />
      {progress && (
        <div className={`progress ${progress.done ? "done" : ""}`} role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.issued} data-testid="monthend-progress" data-remaining={progress.remaining}>
          <div className="progress-track">
            <span className="progress-fill" style={{ width: `${pct}%` }} />
          </div>
          <div className="progress-text small">
            {progress.issued} / {progress.total} invoiced{progress.done ? " — done" : running ? ` — ${progress.remaining} to go…` : ` — ${progress.remaining} left`}
          </div>
        </div>
      )}
      <p className="muted small">
        Every payment with an invoice date on or before {formatDate(upTo || todayIso())} and no invoice yet gets one, {BATCH} at a time. A billing group gets one invoice per consolidated payment.
      </p>
      {!may && <RoleHint roles={rolesFor("invoices.run")} />}
    </Card>
  );
}

/**
 * A month's invoices as files: PDFs and CSV written to a folder on the desk, or CSV downloads;
 * then the month's VAT report, the whole width of the grid the list puts this card in.
 */
export function MonthExport(props: { month: string }) {
  const s = useSession();
  const [written, setWritten] = useState<ExportedFolder | null>(null);
  const exportMonth = useAction("invoices.exportMonth", {
    success: (r) => `${r.documents} documents and ${r.csvFile} written to ${r.folder}.`,
    onSuccess: setWritten,
  });
  const may = s.can("invoices.exportMonth");
  const month = props.month;
  return (
    <>
      <Card title={`Export ${formatMonth(month)}`}>
        <div className="row gap wrap">
          <button className="btn btn-primary" disabled={!may || exportMonth.isPending || !month} onClick={() => exportMonth.mutate({ month })} data-testid="invoices-export-month">
            {exportMonth.isPending ? "Writing…" : "PDFs and CSV to a folder"}
          </button>
          <DocumentButton mode="save" disabled={!s.can("exports.invoices") || !month} testId="invoices-csv" load={async () => csvDoc(await call("exports.invoices", { month }))}>
            Invoices CSV
          </DocumentButton>
          <DocumentButton mode="save" disabled={!s.can("exports.payments") || !month} testId="payments-csv" load={async () => csvDoc(await call("exports.payments", { month }))}>
            Payments CSV
          </DocumentButton>
        </div>
        {written && (
          <div className="quote-box ok small" data-testid="invoices-export-folder">
            {written.documents} documents and {written.csvFile} in <span className="mono">{written.folder}</span>
          </div>
        )}
        <p className="muted small">The folder is written beside the FlexDesk database, on the computer that keeps it.</p>
        {!may && <RoleHint roles={rolesFor("invoices.exportMonth")} />}
      </Card>
      <VatReportCard month={month} className="grid-wide" />
    </>
  );
}

function csvDoc(f: { filename: string; csvData: string }) {
  return textDocument(f.filename, f.csvData);
}
