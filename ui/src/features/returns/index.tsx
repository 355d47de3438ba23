import { useState } from "react";
import type { Asset } from "../../lib/api/bindings/Asset";
import type { ReturnCheck } from "../../lib/api/bindings/ReturnCheck";
import { rolesFor } from "../../lib/access";
import { RETURN_CONDITIONS } from "../../lib/conditions";
import { call, toAppError } from "../../lib/api/client";
import { formatDate, months, words } from "../../lib/format";
import { useAction, usePagedList } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { beepOk, buzzError, primeAudio } from "../../lib/sound";
import { Badge, Card, Check, Empty, Facts, Field, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea } from "../../lib/ui";
import { useScanner } from "../../lib/useScanner";
import "./returns.css";

const CASE_TEXT: Record<string, string> = {
  early_return: "Early return",
  completion: "Contract completed",
  collection: "Collection",
};

export function ReturnsDesk() {
  const s = useSession();
  const [serial, setSerial] = useState("");
  const [check, setCheck] = useState<ReturnCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const look = async (raw: string) => {
    const code = raw.trim().toUpperCase();
    if (!code) return;
    primeAudio();
    setChecking(true);
    setCheckError(null);
    setDone(null);
    try {
      const c = await call("returns.check", { serialNumber: code });
      beepOk();
      setCheck(c);
    } catch (e) {
      buzzError();
      setCheck(null);
      setCheckError(toAppError(e).message);
    } finally {
      setChecking(false);
    }
  };

  // A scanned serial is checked wherever the focus is, also in the reason or notes fields (which
  // keep what was typed); the serial field below takes a scan as typed.
  const buffer = useScanner(true, (code) => void look(code), { inFields: true });

  return (
    <>
      <ScreenHeader title="Returns desk" sub="Scan a device that comes back; book it in, then inspect it before it goes out again." />
      <div className="grid-2 returns-grid">
        <Card title="Device coming back">
          <form
            className="row gap"
            onSubmit={(e) => {
              e.preventDefault();
              void look(serial);
              setSerial("");
            }}
          >
            <Input className="grow mono search-input" value={serial} onChange={(e) => setSerial(e.target.value)} placeholder="Scan or type the serial number" aria-label="Serial number" testId="returns-serial" data-scan-field />
            <button className="btn btn-primary" disabled={!serial.trim() || checking} data-testid="returns-check">
              Check
            </button>
          </form>
          {buffer && <div className="scan-buffer mono">{buffer}</div>}
          {checking && <Loading what="the subscription" />}
          {checkError && (
            <div className="last-scan outcome-invalid" data-testid="returns-check-error">
              {checkError}
            </div>
          )}
          {done && (
            <div className="last-scan outcome-added" data-testid="returns-result">
              {done}
            </div>
          )}
          {!check && !checkError && !done && !checking && <Empty>Scan the serial number on the device.</Empty>}
          {check && <CheckSummary check={check} />}
        </Card>
        <div>
          {check && (
            <ReceiveForm
              key={check.rental.rentalId + check.case}
              check={check}
              onDone={(msg) => {
                setCheck(null);
                setDone(msg);
              }}
            />
          )}
          {!check && (
            <Card title="Book in">
              <p className="muted">After a scan, the subscription and what returning it costs are shown here.</p>
              {!s.can("returns.receive") && <RoleHint roles={rolesFor("returns.receive")} />}
            </Card>
          )}
        </div>
      </div>
      <AwaitingInspection />
    </>
  );
}

function CheckSummary(props: { check: ReturnCheck }) {
  const s = useSession();
  const c = props.check;
  const r = c.rental;
  const q = c.earlyReturnQuote;
  return (
    <div className="return-check" data-testid="returns-case" data-case={c.case}>
      <div className="row gap wrap return-head">
        <Badge status={c.case} label={CASE_TEXT[c.case] ?? words(c.case)} />
        <span className="mono last-scan-serial">{c.serialNumber}</span>
        <span>{c.productName}</span>
      </div>
      <Facts
        items={[
          ["Customer", <a href={href("customers", r.customerId)}>{r.customerName}</a>],
          ["Subscription", <a href={href("subscriptions", r.rentalId)}>{r.orderNumber ?? r.rentalId}</a>],
          ["Status", <Badge status={r.status} />],
          ["Monthly", s.money(r.monthlyAmount)],
          ["Term", `${months(r.contractLength)}, ${formatDate(r.startDate)} – ${formatDate(r.endDate)}`],
          ["Collected", s.money(r.totalCollected)],
        ]}
      />
      {c.case === "early_return" && q && (
        <div className="quote-box" data-testid="returns-quote">
          <div className="totals-row total">
            <span>Early-return fee</span>
            <span className="num" data-testid="returns-fee">
              {s.money(q.earlyReturnFee)}
            </span>
          </div>
          <div className="small">
            {q.remainingMonths} months left of the contract · {words(q.method)}
            {q.method === "remaining_months" ? ` at ${q.penaltyPercentage} %` : ""}.
          </div>
          <div className={`small grace ${q.gracePeriodApplied ? "ok" : ""}`} data-testid="returns-grace">
            {q.gracePeriodApplied
              ? `Day ${q.daysFromStart} of the subscription: inside the ${q.gracePeriodDays}-day grace period, so no fee.`
              : q.gracePeriodDays > 0
                ? `Day ${q.daysFromStart} of the subscription: the ${q.gracePeriodDays}-day grace period is over.`
                : "This business unit has no grace period."}
          </div>
        </div>
      )}
      {c.case === "completion" && <div className="quote-box ok">The contract has run its full term ({formatDate(r.endDate)}): no fee.</div>}
      {c.case === "collection" && <div className="quote-box">The subscription has already ended ({words(r.status)}); the device is being collected.</div>}
    </div>
  );
}

function ReceiveForm(props: { check: ReturnCheck; onDone(msg: string): void }) {
  const s = useSession();
  const c = props.check;
  const [condition, setCondition] = useState<string>("");
  const [fee, setFee] = useState("");
  const [waive, setWaive] = useState(false);
  const [reason, setReason] = useState("");
  const [notes, setNotes] = useState("");
  const receive = useAction("returns.receive", {
    onSuccess: (r) => props.onDone(r.message),
  });
  const may = s.can("returns.receive");
  const early = c.case === "early_return";
  return (
    <Card title={`Book in ${c.serialNumber}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          receive.mutate({
            serialNumber: c.serialNumber,
            returnCondition: condition || undefined,
            earlyReturnFee: early && !waive && fee.trim() ? fee.trim() : undefined,
            waiveFee: early && waive ? true : undefined,
            reason: reason.trim() || undefined,
            notes: notes.trim() || undefined,
          });
        }}
      >
        <fieldset className="plain" disabled={!may}>
          <div className="form-grid">
            <Field label="Condition" error={receive.error?.field("returnCondition")}>
              <Select value={condition} onChange={(e) => setCondition(e.target.value)} testId="returns-condition" autoFocus required>
                <option value="">— Choose —</option>
                {RETURN_CONDITIONS.map((x) => (
                  <option key={x} value={x}>
                    {x}
                  </option>
                ))}
              </Select>
            </Field>
            {early && (
              <Field label={`Fee instead (${c.rental.currency})`} hint={`Leave empty for the quoted ${s.money(c.earlyReturnQuote?.earlyReturnFee)}.`} error={receive.error?.field("earlyReturnFee")}>
                <Input value={fee} onChange={(e) => setFee(e.target.value)} inputMode="decimal" disabled={waive} placeholder={c.earlyReturnQuote?.earlyReturnFee} testId="returns-fee-override" />
              </Field>
            )}
            {early && (
              <div className="field">
                <span className="field-label">Waive</span>
                <Check label="Waive the fee" checked={waive} onChange={setWaive} />
              </div>
            )}
            <Field label="Reason" wide hint="Optional; why the customer returns it.">
              <Input value={reason} onChange={(e) => setReason(e.target.value)} testId="returns-reason" />
            </Field>
            <Field label="Notes" wide>
              <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} testId="returns-notes" />
            </Field>
          </div>
          <div className="row gap">
            <button className="btn btn-primary btn-large" disabled={!condition || receive.isPending} data-testid="returns-receive">
              {receive.isPending ? "Booking in…" : "Book it in"}
            </button>
            <span className="muted small">The device waits for inspection afterwards.</span>
          </div>
        </fieldset>
        {!may && <RoleHint roles={rolesFor("returns.receive")} />}
      </form>
    </Card>
  );
}

function AwaitingInspection() {
  const s = useSession();
  const list = usePagedList("assets.list", { status: "returned", sortDir: "asc", limit: "50" });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Card title="Awaiting inspection">
      <LoadError error={list.error} />
      {list.isLoading && <Loading what="returned devices" />}
      {!list.isLoading && list.items.length === 0 && <Empty>No devices are waiting for inspection.</Empty>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table middle" data-testid="inspect-table">
            <thead>
              <tr>
                <th>Serial</th>
                <th>Product</th>
                <th>SKU</th>
                <th>Condition</th>
                <th>Back since</th>
                <th className="col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((a) => (
                <InspectRow key={a.serialNumber} asset={a} open={open === a.serialNumber} onOpen={(v) => setOpen(v ? a.serialNumber : null)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      {!s.can("assets.inspect") && <RoleHint roles={rolesFor("assets.inspect")} />}
    </Card>
  );
}

function InspectRow(props: { asset: Asset; open: boolean; onOpen(v: boolean): void }) {
  const s = useSession();
  const a = props.asset;
  const [outcome, setOutcome] = useState("available");
  const [condition, setCondition] = useState(a.condition ?? "");
  const [notes, setNotes] = useState("");
  const inspect = useAction("assets.inspect", {
    success: (r) => `${r.serialNumber} inspected: ${words(r.status)}.`,
    onSuccess: () => props.onOpen(false),
  });
  return (
    <>
      <tr data-testid="inspect-row">
        <td>
          <a className="rowlink mono" href={href("assets", a.serialNumber)}>
            {a.serialNumber}
          </a>
        </td>
        <td>{a.productName}</td>
        <td className="mono small nowrap">{a.sku}</td>
        <td className="small">{a.condition ?? "—"}</td>
        <td className="small nowrap">{formatDate(a.updatedAt)}</td>
        <td className="num col-actions">
          {!props.open && (
            <button className="btn btn-small" onClick={() => props.onOpen(true)} disabled={!s.can("assets.inspect")} data-testid="inspect-open">
              Inspect…
            </button>
          )}
        </td>
      </tr>
      {props.open && (
        <tr className="inspect-form-row">
          <td colSpan={6}>
            <form
              className="inspect-form"
              onSubmit={(e) => {
                e.preventDefault();
                inspect.mutate({ serialNumber: a.serialNumber, outcome, condition: condition || undefined, notes: notes.trim() || undefined });
              }}
            >
              <Field label="Outcome">
                <Select value={outcome} onChange={(e) => setOutcome(e.target.value)} testId="inspect-outcome" autoFocus>
                  <option value="available">Available — back to stock</option>
                  <option value="unavailable">Unavailable — out of service</option>
                </Select>
              </Field>
              <Field label="Condition" error={inspect.error?.field("condition")}>
                <Select value={condition} onChange={(e) => setCondition(e.target.value)} testId="inspect-condition">
                  <option value="">— not recorded —</option>
                  {["new", ...RETURN_CONDITIONS].map((x) => (
                    <option key={x} value={x}>
                      {x}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Notes">
                <Input value={notes} onChange={(e) => setNotes(e.target.value)} testId="inspect-notes" placeholder="e.g. wiped, new charger" />
              </Field>
              <div className="row gap">
                <button className="btn btn-primary" disabled={inspect.isPending} data-testid="inspect-save">
                  {inspect.isPending ? "Saving…" : "Save inspection"}
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => props.onOpen(false)}>
                  Cancel
                </button>
              </div>
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
