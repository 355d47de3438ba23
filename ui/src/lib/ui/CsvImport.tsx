import { useState, type ReactNode } from "react";
import type { RowError } from "../api/bindings/RowError";
import { toAppError } from "../api/client";
import { Check } from "./index";

export interface CsvReport {
  success: boolean;
  message: string;
  errors: RowError[];
  rolledBack: boolean;
}

/**
 * Pick a CSV file, check it (dry run: nothing is written), look at the per-row report, then
 * import. `run` performs the command with the given options.
 */
export function CsvImport<R extends CsvReport>(props: {
  run(csv: string, opts: { dryRun: boolean; allOrNothing: boolean }): Promise<R>;
  describe?(report: R): ReactNode;
  help: ReactNode;
  importLabel: string;
  /** A file with the columns and one example row, offered for download. */
  template?: { name: string; text: string };
  disabled?: boolean;
  onImported?(report: R): void;
}) {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [allOrNothing, setAllOrNothing] = useState(true);
  const [preview, setPreview] = useState<R | null>(null);
  const [result, setResult] = useState<R | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const pick = async (f: File | undefined) => {
    setPreview(null);
    setResult(null);
    setError(null);
    if (!f) return setFile(null);
    const text = await f.text();
    setFile({ name: f.name, text });
    await check(text);
  };

  const check = async (text = file?.text) => {
    if (!text) return;
    setBusy(true);
    setError(null);
    // A new check replaces what the last import said.
    setResult(null);
    try {
      setPreview(await props.run(text, { dryRun: true, allOrNothing }));
    } catch (e) {
      setError(toAppError(e).message);
    } finally {
      setBusy(false);
    }
  };

  const doImport = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const r = await props.run(file.text, { dryRun: false, allOrNothing });
      setResult(r);
      setPreview(null);
      props.onImported?.(r);
    } catch (e) {
      setError(toAppError(e).message);
    } finally {
      setBusy(false);
    }
  };

  const report = result ?? preview;
  return (
    <div className="csv-import">
      <div className="muted">{props.help}</div>
      <div className="row gap">
        <input type="file" accept=".csv,text/csv" disabled={props.disabled || busy} onChange={(e) => void pick(e.target.files?.[0])} data-testid="csv-file" />
        <Check label="Write nothing if any row has an error" checked={allOrNothing} onChange={setAllOrNothing} disabled={props.disabled} testId="csv-all-or-nothing" />
        {props.template && (
          <a className="btn" href={`data:text/csv;charset=utf-8,${encodeURIComponent(props.template.text)}`} download={props.template.name} data-testid="csv-template">
            Download a template
          </a>
        )}
      </div>
      {file && (
        <div className="row gap">
          <button className="btn" disabled={busy || props.disabled} onClick={() => void check()} data-testid="csv-check">
            Check again
          </button>
          <button className="btn btn-primary" disabled={busy || props.disabled || !preview} onClick={() => void doImport()} data-testid="csv-import">
            {busy ? "Working…" : props.importLabel}
          </button>
          <span className="muted">{file.name}</span>
        </div>
      )}
      {error && <div className="load-error">{error}</div>}
      {report && (
        <div className={`import-report ${report.errors.length ? "has-errors" : "ok"}`} data-testid="csv-report">
          <div className="import-message">
            {!result && <strong>Checked, nothing written yet: </strong>}
            {report.message}
          </div>
          {props.describe?.(report)}
          {report.errors.length > 0 && (
            <table className="table compact">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>SKU</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                {report.errors.map((e, i) => (
                  <tr key={i}>
                    <td className="num">{e.row}</td>
                    <td className="mono">{e.sku ?? "—"}</td>
                    <td>{e.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
