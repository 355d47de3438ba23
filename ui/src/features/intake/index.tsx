import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { call, toAppError, type AppError } from "../../lib/api/client";
import type { Variant } from "../../lib/api/bindings/Variant";
import { deskNowMs, formatDateTime } from "../../lib/format";
import { usePagedList } from "../../lib/query";
import { useBu, useSession } from "../../lib/session";
import { beepOk, buzzError, primeAudio } from "../../lib/sound";
import { Badge, Card, Field, Input, LoadError, RoleHint, ScreenHeader, Select } from "../../lib/ui";
import { CsvImport } from "../../lib/ui/CsvImport";
import { rolesFor } from "../../lib/access";
import { useScanner } from "../../lib/useScanner";
import { ScanPanel } from "../../lib/ui/ScanPanel";
import { LabelPrint } from "../../lib/ui/LabelPrint";
import { SkuPicker } from "./SkuPicker";
import "./intake.css";
import { ASSET_CONDITIONS } from "../../lib/api/bindings/Vocabulary";

type Outcome = "pending" | "added" | "duplicate" | "unknown" | "invalid";

interface Scan {
  id: number;
  serial: string;
  sku: string;
  at: string;
  outcome: Outcome;
  message: string;
}

const CONDITIONS = ["", ...ASSET_CONDITIONS];

/** How an intake failure is filed in the log. */
function outcomeOf(e: AppError): Outcome {
  switch (e.code) {
    case "ASSET_EXISTS":
      return "duplicate";
    case "VARIANT_NOT_FOUND":
    case "VARIANT_INACTIVE":
      return "unknown";
    default:
      return "invalid";
  }
}

function loadLog(key: string): Scan[] {
  try {
    const raw = sessionStorage.getItem(key);
    const list = raw ? (JSON.parse(raw) as Scan[]) : [];
    // A scan still in flight when the page went away is unknown; offer it for a retry.
    return list.map((s) => (s.outcome === "pending" ? { ...s, outcome: "invalid", message: "Interrupted before the answer came; retry it." } : s));
  } catch {
    return [];
  }
}

export function IntakeScreen() {
  const s = useSession();
  const bu = useBu();
  const allowed = s.can("assets.create");
  const logKey = `flexdesk.intake.${s.user.id}.${bu.id}`;
  const prefKey = `flexdesk.intake.prefs.${bu.id}`;
  const prefs = useMemo(() => {
    try {
      return JSON.parse(localStorage.getItem(prefKey) ?? "{}") as { sku?: string; location?: string; condition?: string };
    } catch {
      return {};
    }
  }, [prefKey]);

  const variants = usePagedList("catalog.listVariants", { status: "active", limit: "100" });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = variants;
  useEffect(() => {
    // The SKU list shows every active variant.
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const [sku, setSku] = useState(prefs.sku ?? "");
  const [location, setLocation] = useState(prefs.location ?? "");
  const [condition, setCondition] = useState(prefs.condition ?? "");
  const [cost, setCost] = useState("");
  const [log, setLog] = useState<Scan[]>(() => loadLog(logKey));
  const [filter, setFilter] = useState<"all" | "failed">("all");
  const [copied, setCopied] = useState<string | null>(null);
  const nextId = useRef(log.reduce((m, x) => Math.max(m, x.id), 0) + 1);
  const queue = useRef<Promise<void>>(Promise.resolve());

  // The one picked by searching, until the whole list has it too.
  const [picked, setPicked] = useState<Variant | null>(null);
  const listed = variants.items.find((v) => v.variantSku === sku);
  const chosen: Variant | undefined = listed ?? (picked?.variantSku === sku ? picked : undefined);

  useEffect(() => {
    try {
      sessionStorage.setItem(logKey, JSON.stringify(log.slice(0, 2000)));
    } catch {
      /* storage full or unavailable: the log stays on screen */
    }
  }, [log, logKey]);

  useEffect(() => {
    try {
      localStorage.setItem(prefKey, JSON.stringify({ sku, location, condition }));
    } catch {
      /* ignore */
    }
  }, [prefKey, sku, location, condition]);

  // Settings are read when a scan is sent, so the latest choice always applies.
  const settings = useRef({ sku, location, condition, cost });
  settings.current = { sku, location, condition, cost };

  const pickSku = useCallback((v: Variant) => {
    setPicked(v);
    setSku(v.variantSku);
  }, []);

  const update = (id: number, patch: Partial<Scan>) => setLog((l) => l.map((x) => (x.id === id ? { ...x, ...patch } : x)));

  /** Send one serial to the core; scans run one after another, in the order they were read. */
  const submit = useCallback((raw: string, reuseId?: number) => {
    const serial = raw.trim();
    if (!serial) return;
    const cur = settings.current;
    const id = reuseId ?? nextId.current++;
    const row: Scan = { id, serial, sku: cur.sku, at: new Date(deskNowMs()).toISOString(), outcome: "pending", message: "Checking…" };
    setLog((l) => (reuseId ? [row, ...l.filter((x) => x.id !== reuseId)] : [row, ...l]));
    if (!cur.sku) {
      buzzError();
      update(id, { outcome: "invalid", message: "Choose the SKU being taken in first, then retry this line." });
      return;
    }
    queue.current = queue.current.then(async () => {
      try {
        const a = await call("assets.create", {
          serialNumber: serial,
          sku: cur.sku,
          location: cur.location.trim() || undefined,
          condition: cur.condition || undefined,
          acquisitionCost: cur.cost.trim() || undefined,
        });
        beepOk();
        update(id, { outcome: "added", serial: a.serialNumber, message: `${a.serialNumber} added: ${a.productName}${a.location ? ` at ${a.location}` : ""}.` });
      } catch (e) {
        const err = toAppError(e);
        buzzError();
        update(id, { outcome: outcomeOf(err), message: err.message });
      }
    });
  }, []);

  // Keyboard-wedge scanners type the serial and press Enter: no need to click into a field, and a
  // scan that lands in Location or the cost is still registered (the field keeps what was typed).
  const buffer = useScanner(
    allowed,
    (serial) => {
      primeAudio();
      submit(serial);
    },
    { inFields: true },
  );

  const count = log.filter((x) => x.outcome === "added").length;
  const failed = log.filter((x) => x.outcome !== "added" && x.outcome !== "pending");
  const shown = filter === "failed" ? failed : log;

  const copy = async (text: string, what: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      setCopied("Copy is not allowed here; select the text instead.");
    }
    setTimeout(() => setCopied(null), 2500);
  };

  const listening = allowed && !!sku;

  return (
    <div className="intake">
      <ScreenHeader
        title="Asset intake"
        sub="Scan serial numbers with the barcode scanner at any time; each scan is registered at once."
        actions={
          <div className="intake-counter" aria-live="polite">
            <span className="intake-count" data-testid="intake-count">
              {count}
            </span>
            <span className="muted">added this session</span>
          </div>
        }
      />
      {!allowed && (
        <div className="load-error">
          {s.user.name} works as {s.user.role}; taking in assets needs {rolesFor("assets.create")}.
        </div>
      )}
      <div className="grid-2 intake-grid">
        <Card title="What is being taken in">
          <LoadError error={variants.error} />
          <div className="form-grid">
            <Field label="SKU" wide hint={
                chosen
                  ? `${chosen.productName} — ${chosen.variantName} · grade ${chosen.grade}${chosen.colorName ? ` · ${chosen.colorName}` : ""}`
                  : variants.isSuccess && !variants.hasNextPage && variants.items.length === 0
                    ? "No active variants yet: add products in the catalog first."
                    : "Scans are registered under this SKU."
              }>
              <SkuPicker onPick={pickSku} disabled={!allowed} hasChoice={!!chosen} />
              <Select
                testId="intake-sku"
                value={sku}
                disabled={!allowed}
                aria-label="SKU being taken in"
                onChange={(e) => {
                  setSku(e.target.value);
                  // Leave the list so that the next scan cannot change the choice.
                  e.target.blur();
                }}
              >
                <option value="">— Choose a SKU —</option>
                {(chosen && !listed ? [chosen, ...variants.items] : variants.items).map((v) => (
                  <option key={v.variantId} value={v.variantSku}>
                    {v.variantSku} — {v.productName} {v.variantName}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Location" hint="For example a shelf or bin.">
              <Input value={location} onChange={(e) => setLocation(e.target.value)} placeholder="e.g. A-01" disabled={!allowed} testId="intake-location" />
            </Field>
            <Field label="Condition">
              <Select value={condition} onChange={(e) => setCondition(e.target.value)} disabled={!allowed} testId="intake-condition">
                {CONDITIONS.map((c) => (
                  <option key={c} value={c}>
                    {c || "— not recorded —"}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label={`Acquisition cost (${bu.currency})`} hint={chosen?.acquisitionCost ? `Default: ${s.money(chosen.acquisitionCost)}` : "Optional; defaults to the variant's cost."}>
              <Input value={cost} onChange={(e) => setCost(e.target.value)} inputMode="decimal" placeholder={chosen?.acquisitionCost ?? "0.00"} disabled={!allowed} testId="intake-cost" />
            </Field>
          </div>
        </Card>
        <Card title="Scan">
          <ScanPanel
            listening={listening}
            state={!allowed ? "Scanning is off" : listening ? "Ready — scan a serial number" : "Choose a SKU to start scanning"}
            buffer={buffer}
            last={log[0] && { ...log[0], label: log[0].outcome === "pending" ? "checking" : undefined }}
            lastTestId="intake-last"
            disabled={!allowed}
            inputTestId="intake-manual"
            buttonLabel="Add"
            buttonTestId="intake-manual-add"
            lastActions={log[0]?.outcome === "added" ? <LabelPrint key={log[0].serial} serials={[log[0].serial]} small /> : undefined}
            onSubmit={submit}
          />
          {!allowed && <RoleHint roles={rolesFor("assets.create")} />}
        </Card>
      </div>

      <Card
        title={`Scans (${log.length})`}
        actions={
          <>
            <Select value={filter} onChange={(e) => setFilter(e.target.value as "all" | "failed")} aria-label="Show">
              <option value="all">All lines</option>
              <option value="failed">Only problems ({failed.length})</option>
            </Select>
            <button className="btn" disabled={failed.length === 0} onClick={() => void copy(failed.map((x) => x.serial).join("\n"), `${failed.length} serials copied.`)}>
              Copy failed serials
            </button>
            <button
              className="btn btn-ghost"
              disabled={log.length === 0}
              onClick={() => {
                if (failed.length === 0 || window.confirm(`${failed.length} lines had problems. Clear the log anyway?`)) setLog([]);
              }}
            >
              Clear log
            </button>
          </>
        }
      >
        {copied && <div className="muted small">{copied}</div>}
        <ol className="intake-log" data-testid="intake-log">
          {shown.map((x) => (
            <li key={x.id} className={`intake-row outcome-${x.outcome}`} data-testid="intake-row" data-outcome={x.outcome}>
              <Badge status={x.outcome} label={x.outcome === "pending" ? "…" : undefined} />
              <span className="intake-serial mono">{x.serial}</span>
              <span className="intake-message">{x.message}</span>
              <span className="intake-meta muted small">
                {x.sku || "no SKU"} · {formatDateTime(x.at)}
              </span>
              <span className="intake-actions">
                {x.outcome !== "added" && x.outcome !== "pending" && (
                  <>
                    <button className="btn btn-small" disabled={!allowed} onClick={() => submit(x.serial, x.id)} title="Send again with the current SKU and settings">
                      Retry
                    </button>
                    <button className="btn btn-small btn-ghost" onClick={() => void copy(x.serial, `${x.serial} copied.`)}>
                      Copy
                    </button>
                  </>
                )}
              </span>
            </li>
          ))}
        </ol>
        {shown.length === 0 && <div className="empty">{log.length === 0 ? "No scans yet. Choose a SKU and scan." : "No problems in this session."}</div>}
      </Card>

      <Card title="Bulk intake from a CSV file">
        <CsvImport
          help="Columns: Serial Number, SKU, and optionally Location, Condition, Acquisition Cost, Acquisition Date, Notes. The file is checked first; nothing is written until you import."
          importLabel="Import assets"
          template={{
            name: "intake-template.csv",
            text: "Serial Number,SKU,Location,Condition,Acquisition Cost,Acquisition Date,Notes\r\nPF4XK2A7,T14-G5-16-512-BLK,Shelf B,new,1050.00,2026-11-30,\r\n",
          }}
          disabled={!s.can("assets.importCsv")}
          run={(csv, options) => call("assets.importCsv", { csv, options })}
        />
      </Card>
    </div>
  );
}
