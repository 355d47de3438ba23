import { useState } from "react";
import { call, toAppError } from "../../lib/api/client";
import type { Conflict } from "../../lib/api/bindings/Conflict";
import type { ResolveInput } from "../../lib/api/bindings/ResolveInput";
import { formatDateTime, formatMoney, words } from "../../lib/format";
import { useAction, useCommand, useInvalidate } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, Field, Input, LoadError, Loading, ScreenHeader } from "../../lib/ui";
import { count, useSyncNow, useSyncStatus } from "./shared";

/** What this desk did, as the core keeps it (`ours` of a conflict). */
interface Ours {
  summary: string;
  method: string;
  path: string;
  at: string | undefined;
  body: unknown;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function oursOf(c: Conflict): Ours {
  const o = (c.ours ?? {}) as Record<string, unknown>;
  return { summary: str(o.summary) || "A change of this desk", method: str(o.method) ?? "", path: str(o.path) ?? "", at: str(o.at), body: o.body };
}

const KIND: Record<string, string> = {
  product: "Product",
  customer: "Customer",
  asset: "Asset",
  order: "Order",
  rental: "Subscription",
  payment: "Payment",
  billing_group: "Billing group",
};

/** A short description of the remote's copy of one record (`kind:key` → object, or null when it has none). */
export function describeTheirs(ref: string, value: unknown): string {
  if (value === null || value === undefined) return "not on the remote";
  if (typeof value !== "object") return String(value);
  const o = value as Record<string, unknown>;
  const kind = ref.split(":")[0];
  const status = str(o.status) ? words(str(o.status)!) : undefined;
  const join = (parts: (string | undefined | false)[]) => parts.filter(Boolean).join(" · ");
  switch (kind) {
    case "asset":
      return join([status, str(o.rentalId) && `subscription ${str(o.rentalId)}`, str(o.productName)]);
    case "customer":
      return join([[str(o.firstName), str(o.lastName)].filter(Boolean).join(" ") || undefined, str(o.email), status]);
    case "order":
      return join([str(o.orderNumber), status]);
    case "rental":
      return join([status, str(o.assetSerialNumber) && `serial ${str(o.assetSerialNumber)}`, str(o.customerId) && `customer ${str(o.customerId)}`]);
    case "payment":
      return join([status, str(o.total) && formatMoney(str(o.total), str(o.currency) ?? "EUR"), str(o.billingPeriod)]);
    case "product":
      return join([str(o.name), status]);
    case "billing_group":
      return join([str(o.groupName), status, Array.isArray(o.rentalIds) && `${o.rentalIds.length} subscription(s)`]);
    default: {
      const fields = Object.entries(o)
        .filter(([, v]) => str(v) !== undefined)
        .slice(0, 4)
        .map(([k, v]) => `${k}: ${str(v)}`);
      return fields.join(" · ") || "on the remote";
    }
  }
}

function refLabel(ref: string): { kind: string; key: string } {
  const i = ref.indexOf(":");
  const kind = i < 0 ? ref : ref.slice(0, i);
  return { kind: KIND[kind] ?? kind, key: i < 0 ? "" : ref.slice(i + 1) };
}

const RESOLUTION: Record<string, string> = {
  retry: "sent again",
  keep_theirs: "kept the remote's version",
  other_serial: "used another serial",
};

/** The conflict inbox: changes of this desk the remote refused, and how each was resolved. */
export function SyncConflictsScreen() {
  const s = useSession();
  const list = useCommand("sync.conflicts", {}, { refreshMs: 5000 });
  const status = useSyncStatus();
  const sync = useSyncNow();
  const open = list.data?.filter((c) => c.status === "open") ?? [];
  const done = list.data?.filter((c) => c.status !== "open") ?? [];
  const st = status.data;
  const syncing = st?.configured && st.enabled;
  return (
    <div className="sync-inbox">
      <ScreenHeader
        title="Sync conflicts"
        sub="Changes of this desk that the remote refused. Later changes to the same records wait behind each one until it is resolved."
        actions={
          syncing && (
            <button className="btn" disabled={sync.isPending} onClick={() => sync.mutate({})} data-testid="conflicts-sync-now">
              {sync.isPending ? "Syncing…" : "Sync now"}
            </button>
          )
        }
      />
      {st && !st.configured && (
        <p className="muted" data-testid="conflicts-sync-off">
          {s.bu?.name} does not sync with a remote.{" "}
          {s.can("sync.remote") ? <a href={href("settings", "sync")}>Set it up in Settings → Sync.</a> : "An administrator can set it up in Settings."}
        </p>
      )}
      <LoadError error={list.error} />
      {list.isLoading && <Loading what="conflicts" />}
      {list.data && open.length === 0 && <Empty>No open conflicts: everything this desk sent was accepted or is still on its way.</Empty>}
      {open.map((c) => (
        <ConflictCard key={c.id} conflict={c} />
      ))}
      {done.length > 0 && (
        <Card title="Resolved" className="conflicts-resolved">
          <table className="table compact" data-testid="conflicts-resolved">
            <thead>
              <tr>
                <th>Change</th>
                <th>Refused with</th>
                <th>Resolution</th>
                <th>By</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {done.map((c) => (
                <tr key={c.id} data-testid="conflict-resolved-row">
                  <td>{oursOf(c).summary}</td>
                  <td className="mono small">{c.code}</td>
                  <td>{c.resolution ? RESOLUTION[c.resolution] ?? words(c.resolution) : "—"}</td>
                  <td>{c.resolvedBy ?? "—"}</td>
                  <td className="small nowrap">{formatDateTime(c.resolvedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}

function ConflictCard(props: { conflict: Conflict }) {
  const c = props.conflict;
  const ours = oursOf(c);
  const [asking, setAsking] = useState(false);
  const [serial, setSerial] = useState("");
  const invalidate = useInvalidate();
  const resolve = useAction("sync.resolve", {
    onSuccess: (_, req) => {
      // Keeping theirs rewrites records here: every list may have changed.
      if (req.resolution !== "retry") invalidate([""]);
    },
    success: (r) =>
      r.resolution === "retry"
        ? `Sent again: ${ours.summary}. It goes to the remote with the next push.`
        : r.resolution === "other_serial"
          ? `Kept the remote's version and activated serial ${serial.trim()} instead.`
          : `Kept the remote's version; ${c.held > 0 ? `this desk's change and ${count(c.held, "change")} held behind it were dropped` : "this desk's change was dropped"}.`,
  });
  const [checking, setChecking] = useState(false);
  const [serialProblem, setSerialProblem] = useState<string | null>(null);
  // A failed resolution may have done part of its work (the core keeps theirs before it
  // activates the other serial): read everything again either way.
  const run = (req: ResolveInput) => resolve.mutate(req, { onError: () => invalidate([""]) });
  /** Another serial: it must be here and available, checked first so a mistyped scan changes nothing. */
  const trySerial = async () => {
    const sn = serial.trim();
    if (!sn) return;
    setSerialProblem(null);
    setChecking(true);
    try {
      const a = await call("assets.get", { serialNumber: sn });
      if (a.status !== "available") {
        setSerialProblem(`${a.serialNumber} is ${words(a.status)}; only an available device can go out.`);
        return;
      }
    } catch (e) {
      setSerialProblem(toAppError(e).message);
      return;
    } finally {
      setChecking(false);
    }
    run({ conflictId: c.id, resolution: "other_serial", serialNumber: sn });
  };
  const theirs = c.theirs && typeof c.theirs === "object" ? Object.entries(c.theirs) : [];
  const has = (o: string) => c.options.includes(o);
  const serialError = serialProblem ?? resolve.error?.field("serialNumber");
  return (
    <Card
      title={ours.summary}
      actions={<span className="small muted">refused {formatDateTime(c.createdAt)}</span>}
      className="conflict"
    >
      <div className="conflict-refusal" data-testid="conflict" data-code={c.code}>
        <Badge status="failed" label={c.code} testId="conflict-code" />
        <span data-testid="conflict-message">{c.message}</span>
      </div>
      <div className="conflict-sides">
        <div>
          <h3 className="section-title">This desk</h3>
          <div data-testid="conflict-ours">{ours.summary}</div>
          <div className="small muted">
            {ours.at ? formatDateTime(ours.at) : "time unknown"}
            {ours.path && (
              <>
                {" · "}
                <span className="mono">
                  {ours.method} {ours.path}
                </span>
              </>
            )}
          </div>
          {ours.body != null && (
            <details className="small">
              <summary>What was sent</summary>
              <pre className="payload">{JSON.stringify(ours.body, null, 2)}</pre>
            </details>
          )}
        </div>
        <div>
          <h3 className="section-title">The remote</h3>
          {theirs.length === 0 ? (
            <div className="muted small">The remote's side could not be read when this happened.</div>
          ) : (
            <ul className="conflict-theirs" data-testid="conflict-theirs">
              {theirs.map(([ref, v]) => {
                const l = refLabel(ref);
                return (
                  <li key={ref}>
                    <span className="conflict-ref">
                      {l.kind} <span className="mono">{l.key}</span>
                    </span>
                    <span className={v == null ? "warn-text" : ""}>{describeTheirs(ref, v)}</span>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </div>
      <p className="small" data-testid="conflict-held">
        {c.held > 0 ? `${count(c.held, "later change")} of this desk ${c.held === 1 ? "waits" : "wait"} behind it.` : "No later changes wait behind it."}
      </p>
      {!asking ? (
        <>
          <div className="row gap wrap align-end">
            {has("retry") && (
              <button className="btn btn-primary" disabled={resolve.isPending} onClick={() => run({ conflictId: c.id, resolution: "retry" })} data-testid="conflict-retry" title="Send this desk's change to the remote again (its state may have changed).">
                Send again
              </button>
            )}
            {has("keep_theirs") && (
              <button className="btn btn-danger" disabled={resolve.isPending} onClick={() => setAsking(true)} data-testid="conflict-keep-theirs">
                Keep theirs…
              </button>
            )}
            {has("other_serial") && (
              <form
                className="row gap align-end conflict-serial"
                onSubmit={(e) => {
                  e.preventDefault();
                  void trySerial();
                }}
              >
                <Field label="Another serial">
                  <Input
                    value={serial}
                    onChange={(e) => {
                      setSerial(e.target.value);
                      setSerialProblem(null);
                    }}
                    placeholder="Scan or type a serial"
                    className="mono"
                    autoComplete="off"
                    testId="conflict-serial"
                  />
                </Field>
                <button className="btn" disabled={resolve.isPending || checking || !serial.trim()} data-testid="conflict-use-serial">
                  Use this serial
                </button>
              </form>
            )}
          </div>
          {serialError && (
            <div className="field-error conflict-serial-error" data-testid="conflict-serial-error" role="alert">
              {serialError}
            </div>
          )}
        </>
      ) : (
        <div className="conflict-confirm" data-testid="conflict-keep-theirs-ask">
          <p>
            Keep the remote's version? This desk's change <strong>{ours.summary}</strong>
            {c.held > 0 ? <> and the {count(c.held, "later change")} held behind it</> : null} will be dropped, and the records involved are replaced by the remote's copy (removed here
            when the remote does not have them).
          </p>
          <div className="row gap">
            <button className="btn btn-danger" disabled={resolve.isPending} onClick={() => run({ conflictId: c.id, resolution: "keep_theirs" })} data-testid="conflict-keep-theirs-confirm" autoFocus>
              {resolve.isPending ? "Keeping theirs…" : "Yes, keep theirs"}
            </button>
            <button className="btn btn-ghost" onClick={() => setAsking(false)}>
              No
            </button>
          </div>
        </div>
      )}
    </Card>
  );
}
