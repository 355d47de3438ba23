import { useEffect, useState } from "react";
import type { Asset } from "../../lib/api/bindings/Asset";
import { rolesFor } from "../../lib/access";
import { formatDate, words } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { ListCount, SortTh, type ListSort } from "../../lib/ui/ListControls";
import { useDebounced } from "../../lib/useDebounced";
import { useScanner } from "../../lib/useScanner";
import { RecoveryBar } from "../../lib/ui/Recovery";
import { LabelPrint } from "../../lib/ui/LabelPrint";
import { Dialog } from "../../lib/ui/Dialog";
import { RecordsCsvButton } from "../../lib/ui/RecordsCsvButton";
import { Badge, Card, Empty, Facts, Field, FormError, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea, Timeline } from "../../lib/ui";
import "./assets.css";
import { ASSET_CONDITIONS, ASSET_MANUAL_TRANSITIONS, ASSET_STATUSES } from "../../lib/api/bindings/Vocabulary";

const STATUSES = ASSET_STATUSES;
const CONDITIONS = ASSET_CONDITIONS;

/** Status changes a person may make by hand (the core's rule, generated; the core still decides). */
const MANUAL = ASSET_MANUAL_TRANSITIONS;

export function AssetsArea(props: { parts: string[] }) {
  const [serial] = props.parts;
  // A scanned serial opens that asset, wherever the focus is (outside text fields).
  // A scan anywhere on the screen opens the serial, also one landing in a field that is not for
  // serials (the search, the SKU filter and the look-up keep what is scanned into them).
  const reading = useScanner(true, (code) => navigate("assets", code.trim().toUpperCase()), { inFields: true });
  return (
    <>
      {reading && <div className="scan-toast mono">Reading {reading}…</div>}
      {serial ? <AssetDetail serial={serial} /> : <AssetsList />}
    </>
  );
}

function AssetsList() {
  const [status, setStatus] = useState("");
  const [sku, setSku] = useState("");
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim().toUpperCase(), 250);
  const dsku = useDebounced(sku.trim(), 300);
  const [sort, setSort] = useState<ListSort>({ by: "createdAt", dir: "desc" });
  const list = usePagedList("assets.list", { status: status || undefined, sku: dsku || undefined, q: dq || undefined, sortBy: sort.by, sortDir: sort.dir, includeTotal: true, limit: "50" });
  // Serials ticked for a sheet of labels; kept while the filters change.
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (serial: string, on: boolean) => setPicked((cur) => (on ? [...cur.filter((x) => x !== serial), serial] : cur.filter((x) => x !== serial)));
  const shownSerials = list.items.map((a) => a.serialNumber);
  const allShown = shownSerials.length > 0 && shownSerials.every((x) => picked.includes(x));

  return (
    <>
      <ScreenHeader
        title="Assets"
        sub="Every unit by serial number. Scan a serial at any time to open it; tick units to print their labels."
        actions={
          <>
            {picked.length > 0 && (
              <button type="button" className="btn btn-ghost" onClick={() => setPicked([])}>
                Untick {picked.length}
              </button>
            )}
            <LabelPrint serials={picked} stock="a4_3x8" label={picked.length > 0 ? `Print ${picked.length} label${picked.length === 1 ? "" : "s"} (A4 sheet)` : "Print labels (A4 sheet)"} testId="assets-labels" />
            <RecordsCsvButton records="assets" what="asset" testId="assets-csv" />
          </>
        }
      />
      <Card>
        <div className="filters">
          <form
            className="field grow"
            onSubmit={(e) => {
              e.preventDefault();
              const exact = list.items.find((a) => a.serialNumber === q.trim().toUpperCase());
              if (exact || q.trim()) navigate("assets", (exact?.serialNumber ?? q.trim()).toUpperCase());
            }}
          >
            <span className="field-label">Serial number</span>
            <Input className="search-input mono" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Starts with… (scan or type, Enter opens)" autoFocus testId="assets-q" data-scan-field />
          </form>
          <Field label="Status">
            <Select value={status} onChange={(e) => setStatus(e.target.value)} testId="assets-status-filter">
              <option value="">All statuses</option>
              {STATUSES.map((st) => (
                <option key={st} value={st}>
                  {words(st)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="SKU" hint="Exact variant SKU">
            <Input value={sku} onChange={(e) => setSku(e.target.value)} className="mono" placeholder="e.g. T14-G5-…" testId="assets-sku" data-scan-field />
          </Field>
        </div>
        <LoadError error={list.error} />
        {list.isLoading && <Loading what="assets" />}
        {!list.isLoading && list.items.length === 0 && <Empty>No assets match these filters.</Empty>}
        <ListCount shown={list.items.length} total={list.data?.pages[0]?.total} noun="assets" testId="assets-count" />
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="assets-table">
              <thead>
                <tr>
                  <th>
                    <input
                      type="checkbox"
                      aria-label="Tick every asset shown"
                      checked={allShown}
                      onChange={(e) => setPicked((cur) => (e.target.checked ? [...cur.filter((x) => !shownSerials.includes(x)), ...shownSerials] : cur.filter((x) => !shownSerials.includes(x))))}
                      data-testid="assets-select-all"
                    />
                  </th>
                  <SortTh label="Serial" by="serialNumber" sort={sort} onSort={setSort} first="asc" testId="assets-sort-serial" />
                  <th>Product</th>
                  <th>SKU</th>
                  <SortTh label="Status" by="status" sort={sort} onSort={setSort} first="asc" testId="assets-sort-status" />
                  <th>Location</th>
                  <th>Condition</th>
                  <SortTh label="Taken in" by="createdAt" sort={sort} onSort={setSort} testId="assets-sort-taken-in" />
                </tr>
              </thead>
              <tbody>
                {list.items.map((a) => (
                  <tr key={a.serialNumber} className={`clickable ${picked.includes(a.serialNumber) ? "selected" : ""}`} onClick={() => navigate("assets", a.serialNumber)}>
                    <td onClick={(e) => e.stopPropagation()}>
                      <input type="checkbox" aria-label={`Tick ${a.serialNumber} for labels`} checked={picked.includes(a.serialNumber)} onChange={(e) => toggle(a.serialNumber, e.target.checked)} data-testid="assets-select" />
                    </td>
                    <td>
                      <a className="rowlink mono" href={href("assets", a.serialNumber)} onClick={(e) => e.stopPropagation()}>
                        {a.serialNumber}
                      </a>
                    </td>
                    <td>{a.productName}</td>
                    <td className="mono small">{a.sku}</td>
                    <td>
                      <Badge status={a.status} />
                    </td>
                    <td className="small">{a.location ?? "—"}</td>
                    <td className="small">{a.condition ?? "—"}</td>
                    <td className="small nowrap">{formatDate(a.acquisitionDate ?? a.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      </Card>
    </>
  );
}

function AssetDetail(props: { serial: string }) {
  const s = useSession();
  const q = useCommand("assets.get", { serialNumber: props.serial });
  const a = q.data;
  const [lookup, setLookup] = useState("");
  const header = (
    <form
      className="row gap"
      onSubmit={(e) => {
        e.preventDefault();
        if (lookup.trim()) navigate("assets", lookup.trim().toUpperCase());
        setLookup("");
      }}
    >
      <Input value={lookup} onChange={(e) => setLookup(e.target.value)} placeholder="Scan or type another serial" className="mono" aria-label="Look up a serial" testId="asset-lookup" data-scan-field />
      <button className="btn" disabled={!lookup.trim()}>
        Open
      </button>
    </form>
  );
  if (q.isLoading) return <Loading what="the asset" />;
  if (!a) {
    return (
      <>
        <ScreenHeader title={<span className="mono">{props.serial}</span>} back={{ href: href("assets"), label: "Assets" }} actions={header} />
        <LoadError error={q.error} />
      </>
    );
  }
  return (
    <>
      <ScreenHeader
        title={<span className="mono">{a.serialNumber}</span>}
        sub={a.productName}
        back={{ href: href("assets"), label: "Assets" }}
        actions={
          <>
            <Badge status={a.status} testId="asset-status-badge" />
            {header}
          </>
        }
      />
      <div className="grid-2">
        <div>
          <Card title="Asset" actions={<LabelPrint serials={[a.serialNumber]} small />}>
            <Facts
              items={[
                ["SKU", <span className="mono">{a.sku}</span>],
                ["Status", <Badge status={a.status} />],
                ["Location", a.location],
                ["Condition", a.condition],
                ["Acquisition cost", s.money(a.acquisitionCost)],
                ["Acquired", formatDate(a.acquisitionDate)],
                ["Customer", a.customerId ? <a href={href("customers", a.customerId)}>{a.customerId}</a> : "—"],
                ["Subscription", a.rentalId ? <a href={href("subscriptions", a.rentalId)}>Open the subscription</a> : "—"],
                ["Registered", formatDate(a.createdAt)],
              ]}
            />
          </Card>
          <EditAsset asset={a} />
        </div>
        <div>
          <Lifetime serial={a.serialNumber} />
          <Timeline entityType="asset" entityId={a.serialNumber} />
        </div>
      </div>
    </>
  );
}

function draftOf(a: Asset) {
  return { sku: a.sku, status: a.status as string, location: a.location ?? "", condition: a.condition ?? "", notes: a.notes ?? "" };
}

/** A serial as the core keeps it (a scan's normalising: no spaces, upper case), for what the form says. */
const asSerial = (raw: string) => raw.replace(/\s+/g, "").toUpperCase();

function EditAsset(props: { asset: Asset }) {
  const s = useSession();
  const a = props.asset;
  const [d, setD] = useState(() => draftOf(a));
  useEffect(() => setD(draftOf(a)), [a]);
  const [asking, setAsking] = useState(false);
  const [correcting, setCorrecting] = useState(false);
  const save = useAction("assets.update", { success: (r) => `${r.serialNumber} saved.` });
  const del = useAction("assets.delete", { success: (r) => r.message, onSuccess: () => setAsking(false) });
  const may = s.can("assets.update");
  const onSubscription = a.status === "rented_out" || !!a.rentalId;
  const options = [a.status, ...MANUAL[a.status]];
  const deletable = !onSubscription && a.status !== "sold" && a.status !== "unavailable";
  // Once rented, a unit's SKU and serial are part of its history: the lifetime says so ahead of the
  // core, which decides (a refusal comes to the banner).
  const life = useCommand("assets.lifetime", { serialNumber: a.serialNumber });
  const rented = onSubscription || (life.data?.subscriptions ?? 0) > 0 || (life.data?.history.length ?? 0) > 0;
  const skuFixable = may && life.isSuccess && !rented && a.status !== "sold";
  const variants = usePagedList("catalog.listVariants", { status: "active", limit: "100" }, { enabled: skuFixable });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = variants;
  useEffect(() => {
    // The SKU list offers every active variant.
    if (skuFixable && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [skuFixable, hasNextPage, isFetchingNextPage, fetchNextPage]);
  const listed = variants.items.some((v) => v.variantSku === a.sku);
  const mayCorrect = s.can("assets.correctSerial");
  const whyNotCorrect = !mayCorrect
    ? `Correcting a serial needs ${rolesFor("assets.correctSerial")}.`
    : rented
      ? `${a.serialNumber} has been rented, so its serial is part of its history and stays.`
      : a.status === "sold"
        ? `${a.serialNumber} was sold; it stays on record.`
        : undefined;

  return (
    <Card title="Change">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            serialNumber: a.serialNumber,
            sku: d.sku !== a.sku ? d.sku : undefined,
            status: d.status !== a.status ? d.status : undefined,
            location: d.location,
            condition: d.condition || undefined,
            notes: d.notes,
          });
        }}
      >
        <fieldset className="plain" disabled={!may}>
          <div className="form-grid">
            {skuFixable && (
              <Field label="SKU" wide hint="Taken in under the wrong SKU? Choose the right one; possible while the unit has never been rented." error={save.error?.field("sku")}>
                <Select value={d.sku} onChange={(e) => setD({ ...d, sku: e.target.value })} testId="asset-sku">
                  {!listed && (
                    <option value={a.sku}>
                      {a.sku} — {a.productName}
                    </option>
                  )}
                  {variants.items.map((v) => (
                    <option key={v.variantId} value={v.variantSku}>
                      {v.variantSku} — {v.productName} {v.variantName}
                    </option>
                  ))}
                </Select>
              </Field>
            )}
            <Field label="Status" hint={onSubscription ? "On a subscription: its status follows the subscription." : options.length === 1 ? "Set by subscriptions only." : undefined}>
              <Select value={d.status} onChange={(e) => setD({ ...d, status: e.target.value })} testId="asset-status" disabled={!may || onSubscription || options.length === 1}>
                {options.map((st) => (
                  <option key={st} value={st}>
                    {words(st)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Location">
              <Input value={d.location} onChange={(e) => setD({ ...d, location: e.target.value })} testId="asset-location" />
            </Field>
            <Field label="Condition" error={save.error?.field("condition")}>
              <Select value={d.condition} onChange={(e) => setD({ ...d, condition: e.target.value })} testId="asset-condition">
                <option value="">— not recorded —</option>
                {CONDITIONS.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Notes" wide>
              <Textarea rows={3} value={d.notes} onChange={(e) => setD({ ...d, notes: e.target.value })} testId="asset-notes" />
            </Field>
          </div>
          <LoadError error={variants.error} />
          <div className="row gap">
            <button className="btn btn-primary" disabled={save.isPending} data-testid="asset-save">
              {save.isPending ? "Saving…" : "Save"}
            </button>
            {!asking && (
              <button type="button" className="btn" disabled={!!whyNotCorrect} title={whyNotCorrect ?? "Put right a serial typed wrong at intake"} onClick={() => setCorrecting(true)} data-testid="asset-correct-serial">
                Correct serial…
              </button>
            )}
            {!asking && deletable && (
              <button type="button" className="btn btn-danger" disabled={!s.can("assets.delete")} onClick={() => setAsking(true)} data-testid="asset-delete">
                Delete…
              </button>
            )}
            {asking && (
              <>
                <button type="button" className="btn btn-danger" onClick={() => del.mutate({ serialNumber: a.serialNumber })} disabled={del.isPending} data-testid="asset-delete-confirm" autoFocus>
                  Yes, take {a.serialNumber} out of use
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
                  No
                </button>
              </>
            )}
          </div>
        </fieldset>
        {asking && <p className="muted small">Deleting makes the asset unavailable; set it available again to bring it back.</p>}
        {!may && <RoleHint roles={rolesFor("assets.update")} />}
      </form>
      {correcting && <CorrectSerial asset={a} onClose={() => setCorrecting(false)} />}
    </Card>
  );
}

/** A serial typed wrong at intake put right: the unit goes on under the new serial, with everything it had. */
function CorrectSerial(props: { asset: Asset; onClose(): void }) {
  const a = props.asset;
  const [serial, setSerial] = useState("");
  const [reason, setReason] = useState("");
  const { onClose } = props;
  const correct = useAction("assets.correctSerial", {
    success: (r) => `${a.serialNumber} corrected to ${r.serialNumber}.`,
    onSuccess: (r) => {
      onClose();
      navigate("assets", r.serialNumber);
    },
    quiet: true,
  });
  const typed = asSerial(serial);
  return (
    <Dialog title={`Correct the serial ${a.serialNumber}`} onClose={onClose} testId="asset-correct-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          correct.mutate({ serialNumber: a.serialNumber, newSerialNumber: serial, reason: reason.trim() || undefined });
        }}
      >
        <p className="small muted">
          For a serial typed wrong at intake. The unit goes on under the serial on its label with everything it has; <span className="mono">{a.serialNumber}</span> stays on record as deleted, with a note of what it became.
        </p>
        <div className="form-grid">
          <Field label="Serial on the unit" error={correct.error?.field("newSerialNumber")}>
            <Input value={serial} onChange={(e) => setSerial(e.target.value)} className="mono" placeholder="Scan or type it" autoFocus testId="asset-new-serial" data-scan-field />
          </Field>
          <Field label="Why" hint="Optional; kept on the timeline." error={correct.error?.field("reason")}>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. O typed for 0 at intake" testId="asset-correct-reason" />
          </Field>
        </div>
        <FormError error={correct.error} fields={["newSerialNumber", "reason"]} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={correct.isPending || !typed || typed === a.serialNumber} data-testid="asset-correct-confirm">
            {correct.isPending ? "Correcting…" : typed && typed !== a.serialNumber ? `Correct to ${typed}` : "Correct"}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Who had this device, on which subscriptions, and what it has earned back over its life. */
function Lifetime(props: { serial: string }) {
  const s = useSession();
  const q = useCommand("assets.lifetime", { serialNumber: props.serial });
  const l = q.data;
  return (
    <Card title="Lifetime">
      {q.isLoading && <Loading />}
      <LoadError error={q.error} />
      {l && (
        <>
          <RecoveryBar percent={l.costRecoveryPercent} collected={l.totalCollected} cost={l.acquisitionCost} profit={l.currentProfit} reached={l.hasReachedBreakeven} testId="asset-recovery" />
          <p className="muted small">
            {l.subscriptions === 1 ? "1 subscription" : `${l.subscriptions} subscriptions`}, {l.monthsRented} months rented in all.
          </p>
          {l.history.length === 0 && <Empty>Never rented out yet.</Empty>}
          {l.history.length > 0 && (
            <div className="table-wrap">
              <table className="table compact" data-testid="asset-history">
                <thead>
                  <tr>
                    <th>Customer</th>
                    <th>From – to</th>
                    <th className="num">Collected</th>
                  </tr>
                </thead>
                <tbody>
                  {l.history.map((h) => (
                    <tr key={h.rentalId + h.startedOn} data-testid="asset-history-row">
                      <td>
                        <a href={href("customers", h.customerId)}>{h.customerName}</a>
                        <div className="small">
                          <a href={href("subscriptions", h.rentalId)}>Subscription</a> <Badge status={h.rentalStatus} />
                        </div>
                      </td>
                      <td className="small nowrap">
                        {formatDate(h.startedOn)} – {h.endedOn ? formatDate(h.endedOn) : "now"}
                        <div className="muted">
                          {words(h.startReason)}
                          {h.endReason ? ` → ${words(h.endReason)}` : ""}
                        </div>
                      </td>
                      <td className="num">
                        {s.money(h.collected)}
                        <div className="small muted">{s.money(h.monthlyAmount)} / month</div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
