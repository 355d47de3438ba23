import { useEffect, useRef, useState } from "react";
import type { RemoteView } from "../../lib/api/bindings/RemoteView";
import { useAction, useCommand } from "../../lib/query";
import { href, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import type { FullRead } from "../../lib/api/bindings/FullRead";
import type { RemoteKind } from "../../lib/api/bindings/RemoteKind";
import { formatDateTime } from "../../lib/format";
import { Badge, Card, Check, Field, Input, LoadError, Loading, Select, Textarea } from "../../lib/ui";
import { AllowAddress } from "../../lib/ui/AllowAddress";
import { ago, count, STATE_TONE, STATE_WORD, useNow, useSyncStatus } from "./shared";

/** Settings → Sync (admins): the business unit's remote, its key, how often to read, on or off. */
export function SyncSettings() {
  const s = useSession();
  const may = s.can("sync.remote");
  const remote = useCommand("sync.remote", {}, { enabled: may && s.bu !== null });
  const route = useRoute();
  const box = useRef<HTMLDivElement>(null);
  // `#/settings/sync` (the indicator's link) brings the card into view.
  const wanted = route.parts[0] === "settings" && route.parts[1] === "sync";
  const loaded = remote.data !== undefined;
  useEffect(() => {
    if (wanted && loaded) box.current?.scrollIntoView({ block: "start" });
  }, [wanted, loaded]);
  if (!may || !s.bu) return null;
  const view = remote.data?.remote;
  return (
    <div ref={box} className="sync-settings" data-testid="sync-card">
      <Card
        title="Sync"
        actions={
          remote.data && (
            <span className="small muted">
              This desk's code: <span className="mono strong" data-testid="sync-desk-code">{remote.data.deskCode}</span>
            </span>
          )
        }
      >
        <p className="muted small">
          Keeps {s.bu.name} in step with a FlexDesk hub or a FlexPortal account. Changes made here are sent in order; changes made elsewhere are read on a schedule. The remote is the
          truth: a change it refuses goes to Sync conflicts.
        </p>
        <LoadError error={remote.error} />
        {remote.isLoading && <Loading />}
        {view && <RemoteState />}
        {view?.enabled && view.kind === "hub" && <SendExisting />}
        {remote.data && <RemoteForm key={JSON.stringify(view ?? null)} remote={view} />}
      </Card>
    </div>
  );
}

/** A Badge status of each tone. */
const BADGE: Record<string, string> = { ok: "active", warn: "pending", bad: "failed", muted: "inactive" };

function RemoteState() {
  const status = useSyncStatus();
  const now = useNow(10_000);
  const st = status.data;
  if (!st?.configured) return null;
  const state = st.enabled ? st.state : "paused";
  return (
    <div className="sync-card-state" data-testid="sync-card-state">
      <div className="row gap wrap small">
        <Badge status={BADGE[STATE_TONE[state] ?? "muted"]} label={STATE_WORD[state] ?? state} />
        <span>last sync {ago(st.lastSyncAt, now)}</span>
        <span className="muted">·</span>
        <span>{st.waiting} waiting</span>
        {st.conflicts > 0 && (
          <>
            <span className="muted">·</span>
            <a href={href("sync")}>{count(st.conflicts, "open conflict")}</a>
          </>
        )}
      </div>
      {st.lastError && <div className="small bad-text">{st.lastError}</div>}
      <KeptOnDesk kept={st.keptOnDesk} />
      {st.kind === "flexportal" && st.fullRead && <FullReadLine read={st.fullRead} now={now} />}
      {st.remoteIds > 0 && (
        <div className="small muted" data-testid="sync-remote-ids">
          The remote gave its own ids to {count(st.remoteIds, "record")} made here. This desk keeps its own ids
          and uses the remote's when it talks to it.
        </div>
      )}
    </div>
  );
}

/** What each kind of change kept on this desk is, in words: one, many. */
const KEPT_WORDS: Record<string, [string, string]> = {
  "order.confirm": ["order confirmation", "order confirmations"],
  "payment.mark_failed": ["payment marked failed", "payments marked failed"],
  "payment.reverse": ["payment taken back", "payments taken back"],
  "return.receive": ["completion or collection at the returns desk", "completions and collections at the returns desk"],
  "customer.deactivate": ["customer deactivated before their first order", "customers deactivated before their first order"],
};

/** Changes the remote (FlexPortal) has no operation for: done here, never sent, never a conflict. */
function KeptOnDesk(props: { kept: Record<string, number> }) {
  const rows = Object.entries(props.kept).filter(([, n]) => n > 0);
  if (rows.length === 0) return null;
  return (
    <div className="small muted" data-testid="sync-kept">
      Kept on this desk, by design — FlexPortal has no operation for them:
      <ul>
        {rows.map(([kind, n]) => (
          <li key={kind} data-testid={`sync-kept-${kind}`}>
            {KEPT_WORDS[kind] ? count(n, ...KEPT_WORDS[kind]) : `${n} ${kind}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "just now", "3 min ago", "2 h ago", else "on" the date and time (as the card's other times). */
function when(iso: string, now: number): string {
  const t = new Date(iso).getTime();
  return Number.isFinite(t) && now - t >= 86_400_000 ? `on ${formatDateTime(iso)}` : ago(iso, now);
}

/** FlexPortal has no change feed: what each sync reads of it, and where its full read stands. */
function FullReadLine(props: { read: FullRead; now: number }) {
  const { cycles, lastEndedAt, reading } = props.read;
  const list = reading?.replace(/-/g, " ");
  let text: string;
  if (cycles === 0) {
    text = `Reading FlexPortal whole for the first time${list ? ` (now: ${list})` : ""}.`;
  } else {
    const where = [lastEndedAt && `Every list was last read whole ${when(lastEndedAt, props.now)}`, list && `now reading ${list}`].filter(Boolean).join("; ");
    text = "FlexPortal has no change feed: each sync reads its open orders, the open payments of the last five weeks and the active catalog, and a slice of every list.";
    if (where) text += ` ${where.charAt(0).toUpperCase()}${where.slice(1)}.`;
  }
  return (
    <div className="small muted" data-testid="sync-full-read">
      {text}
    </div>
  );
}

/** Records this desk held before its remote was set are not in the outbox: send them once. */
function SendExisting() {
  const [asking, setAsking] = useState(false);
  const send = useAction("sync.sendExisting", {
    success: (r) =>
      `Sent ${r.seed.sent} record(s): ${r.seed.written} new on the remote, ${r.seed.present} it had already, ${r.seed.refusedCount} refused.`,
  });
  const refused = send.data?.seed.refused ?? [];
  return (
    <div className="sync-send-existing" data-testid="sync-send-existing">
      <p className="small muted">
        Records made here before sync was set up are not sent by themselves. Send them once to a FlexDesk hub: it keeps what it already has, and reports a record whose serial,
        SKU or email belongs to another one there.
      </p>
      {!asking ? (
        <button type="button" className="btn" onClick={() => setAsking(true)} data-testid="sync-send-existing-ask">
          Send this desk's records…
        </button>
      ) : (
        <div className="row gap wrap">
          <button
            type="button"
            className="btn btn-primary"
            disabled={send.isPending}
            onClick={() => send.mutate({}, { onSettled: () => setAsking(false) })}
            data-testid="sync-send-existing-confirm"
            autoFocus
          >
            {send.isPending ? "Sending…" : "Send every record of this business unit"}
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      )}
      {refused.length > 0 && (
        <ul className="small" data-testid="sync-send-existing-refused">
          {refused.map((r) => (
            <li key={r.ref}>
              <span className="mono">{r.ref}</span> — {r.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const KIND_HINT: Record<RemoteKind | "auto", string> = {
  auto: "FlexPortal for one of its addresses (api-eu.flexportal.io, …), a FlexDesk hub otherwise.",
  flexportal: "FlexPortal's cloud: the desk sends only its published operations; what FlexPortal has no operation for stays on this desk.",
  hub: "Another FlexDesk that keeps the business's books: it takes everything this desk does.",
};

function RemoteForm(props: { remote?: RemoteView }) {
  const r = props.remote;
  const [kind, setKind] = useState<RemoteKind | "">(r?.kind ?? "");
  const [baseUrl, setBaseUrl] = useState(r?.baseUrl ?? "");
  const [tenantId, setTenantId] = useState(r?.tenantId ?? "");
  const [apiKey, setApiKey] = useState("");
  const [caCert, setCaCert] = useState("");
  const [every, setEvery] = useState(String(r?.pullEveryS ?? 60));
  const [enabled, setEnabled] = useState(r?.enabled ?? true);
  const [allow, setAllow] = useState(r?.addressConfirmed ?? false);
  const [asking, setAsking] = useState(false);
  const save = useAction("sync.remote.save", {
    success: (v) => (v.enabled ? `This business unit now syncs with ${v.baseUrl}.` : `Sync with ${v.baseUrl} is switched off; changes made here are not recorded for it.`),
  });
  const remove = useAction("sync.remote.remove", { success: (d) => d.message });
  const err = (p: string) => save.error?.field(p);
  // A hub over https may have a certificate of its own to trust.
  const ownCert = kind !== "flexportal" && baseUrl.trim().startsWith("https://");
  const stored = r ? `${r.keyHint} (${r.keyStore === "keyring" ? "kept in the OS keyring" : "sealed on this desk"})` : undefined;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const n = every.trim() === "" ? undefined : Math.floor(Number(every));
        save.mutate({
          kind: kind || undefined,
          baseUrl: baseUrl.trim(),
          tenantId: tenantId.trim(),
          apiKey: apiKey.trim() || undefined,
          enabled,
          pullEveryS: n !== undefined && Number.isFinite(n) ? n : undefined,
          allowAddress: allow,
          caCert: ownCert ? caCert.trim() || undefined : undefined,
        });
      }}
    >
      <div className="form-grid">
        <Field label="The remote is" hint={KIND_HINT[kind || "auto"]} error={err("kind")} wide>
          <Select value={kind} onChange={(e) => setKind(e.target.value as RemoteKind | "")} testId="sync-kind">
            <option value="">Decided by its address</option>
            <option value="flexportal">FlexPortal</option>
            <option value="hub">A FlexDesk hub</option>
          </Select>
        </Field>
        <Field label="Remote address" hint="e.g. https://api-eu.flexportal.io or http://192.168.1.20:8787" error={err("baseUrl")} wide>
          <Input
            value={baseUrl}
            onChange={(e) => {
              setBaseUrl(e.target.value);
              // An allowance is for one address: another is asked about again.
              setAllow(e.target.value.trim() === r?.baseUrl && r.addressConfirmed);
            }}
            placeholder="https://…"
            className="mono"
            testId="sync-url"
          />
          <AllowAddress error={save.error} field="baseUrl" allowedBefore={r?.addressConfirmed && baseUrl.trim() === r.baseUrl} checked={allow} onChange={setAllow} testId="sync-allow-address" />
        </Field>
        <Field label="Tenant-ID" hint="The business unit's id on the remote." error={err("tenantId")} wide>
          <Input value={tenantId} onChange={(e) => setTenantId(e.target.value)} className="mono" testId="sync-tenant" />
        </Field>
        <Field label="API key" hint={r ? "Leave empty to keep the stored key (a new address needs it again)." : "Kept in the OS keyring when there is one, otherwise sealed on this desk."} error={err("apiKey")} wide>
          <Input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} placeholder={stored ?? "pk_live_…"} className="mono" testId="sync-key" />
        </Field>
        {ownCert && (
          <Field
            label="The hub's own certificate (PEM)"
            hint={
              r?.caFingerprint
                ? `Trusted: SHA-256 ${r.caFingerprint}. Paste another to replace it.`
                : "Only for a hub with a certificate of its own (flexdesk tls-cert); leave empty when a public authority signed it."
            }
            error={err("caCert")}
            wide
          >
            <Textarea value={caCert} onChange={(e) => setCaCert(e.target.value)} rows={3} placeholder="-----BEGIN CERTIFICATE-----" className="mono" testId="sync-ca-cert" />
          </Field>
        )}
        <Field label="Read changes every (seconds)" hint="5 to 86400" error={err("pullEveryS")}>
          <Input type="number" min={5} max={86400} value={every} onChange={(e) => setEvery(e.target.value)} testId="sync-pull-every" />
        </Field>
      </div>
      <Check label="Sync this business unit" checked={enabled} onChange={setEnabled} testId="sync-enabled" />
      <div className="row gap wrap">
        <button className="btn btn-primary" disabled={save.isPending} data-testid="sync-save">
          {save.isPending ? "Saving…" : "Save"}
        </button>
        {r &&
          (!asking ? (
            <button type="button" className="btn btn-danger" onClick={() => setAsking(true)} data-testid="sync-remove">
              Remove…
            </button>
          ) : (
            <>
              <button type="button" className="btn btn-danger" disabled={remove.isPending} onClick={() => remove.mutate({})} data-testid="sync-remove-confirm" autoFocus>
                Yes, stop syncing and forget the key
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
                No
              </button>
            </>
          ))}
      </div>
      {asking && <p className="small muted">Changes not sent yet stay on this desk; they go out if sync is set up again.</p>}
    </form>
  );
}
