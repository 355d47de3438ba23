import { useEffect, useState } from "react";
import type { CreatedKey } from "../../lib/api/bindings/CreatedKey";
import type { KeyPurpose } from "../../lib/api/bindings/KeyPurpose";
import { rolesFor } from "../../lib/access";
import { getTransport } from "../../lib/api/client";
import { formatDateTime } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, Field, Input, LoadError, Loading, RoleHint, Select } from "../../lib/ui";

const PURPOSE: Record<KeyPurpose, { label: string; hint: string }> = {
  api: { label: "An integration", hint: "A webshop or a script: FlexPortal's v1 as FlexPortal offers it. Its changes happen when they arrive." },
  sync: {
    label: "Desks syncing with this one",
    hint: "Other FlexDesk desks that use this one as their hub: they may also say when and where each change was made, and send their earlier records.",
  },
};

export function ApiKeys() {
  const s = useSession();
  const may = s.can("keys.list");
  const keys = useCommand("keys.list", {}, { enabled: may });
  const [name, setName] = useState("");
  const [purpose, setPurpose] = useState<KeyPurpose>("api");
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAction("keys.create", {
    onSuccess: (k) => {
      setCreated(k);
      setCopied(false);
      setName("");
    },
  });
  const revoke = useAction("keys.revoke", { success: (k) => `Key ${k.name} revoked; it no longer works.` });
  if (!may) return null;
  return (
    <Card title="API keys">
      <p className="muted small">Keys let other systems use the FlexPortal v1 API of {s.bu?.name} through the local server.</p>
      {created && (
        <div className="key-created" data-testid="key-secret-box">
          <strong>Copy the key for “{created.key.name}” now — it is shown only this once.</strong>
          <div className="secret" data-testid="key-secret">
            {created.secret}
          </div>
          <div className="row gap">
            <button
              className="btn btn-small"
              onClick={() => {
                void navigator.clipboard
                  .writeText(created.secret)
                  .then(() => setCopied(true))
                  .catch(() => setCopied(false));
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
            <button className="btn btn-small btn-ghost" onClick={() => setCreated(null)}>
              I have stored it
            </button>
          </div>
        </div>
      )}
      <LoadError error={keys.error} />
      {keys.isLoading && <Loading />}
      {keys.data && keys.data.length === 0 && <Empty>No keys yet.</Empty>}
      {keys.data && keys.data.length > 0 && (
        <table className="table compact" data-testid="keys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>For</th>
              <th>Key</th>
              <th>Last used</th>
              <th className="num">Calls</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td className="small" data-testid="key-purpose">
                  {PURPOSE[k.purpose].label}
                </td>
                <td className="mono small">{k.keyPrefix}…</td>
                <td className="small">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "never"}</td>
                <td className="num">{k.usageCount}</td>
                <td>
                  {k.revokedAt ? (
                    <Badge status="revoked" />
                  ) : (
                    <button className="btn btn-small btn-danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: k.id })} data-testid="key-revoke">
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row gap align-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, purpose });
        }}
      >
        <Field label="New key for">
          <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. webshop" testId="key-name" />
        </Field>
        <Field label="Used by" hint={PURPOSE[purpose].hint}>
          <Select value={purpose} onChange={(e) => setPurpose(e.target.value as KeyPurpose)} testId="key-purpose-select">
            <option value="api">{PURPOSE.api.label}</option>
            <option value="sync">{PURPOSE.sync.label}</option>
          </Select>
        </Field>
        <button className="btn btn-primary" disabled={!name.trim() || create.isPending} data-testid="key-create">
          Create key
        </button>
      </form>
    </Card>
  );
}

export function LocalServer() {
  const s = useSession();
  const status = useCommand("server.status", {});
  const [listen, setListen] = useState("127.0.0.1:8787");
  const [state, setState] = useState(status.data);
  useEffect(() => setState(status.data), [status.data]);
  const start = useAction("server.start", { onSuccess: setState, success: (r) => `The local API runs at ${r.url}.` });
  const stop = useAction("server.stop", { onSuccess: setState, success: "The local API has stopped." });
  const may = s.can("server.start");
  return (
    <Card title="Local API server">
      <p className="muted small">Serves the FlexPortal v1 API of this desk to other programs (a webshop, an integration) on this computer or network.</p>
      {getTransport().kind === "http" && (
        <p className="muted small">This page itself is served by a separate <span className="mono">flexdesk serve</span>; this switch does not control that one.</p>
      )}
      <LoadError error={status.error} />
      {state && (
        <p data-testid="server-status">
          <Badge status={state.running ? "active" : "inactive"} label={state.running ? "running" : "stopped"} />{" "}
          {state.running && state.url && (
            <span className="mono">
              {state.url}/v1
            </span>
          )}
        </p>
      )}
      {state && !state.running && (
        <form
          className="row gap align-end"
          onSubmit={(e) => {
            e.preventDefault();
            start.mutate({ listen: listen.trim() || undefined });
          }}
        >
          <Field label="Listen on" hint="127.0.0.1 keeps it on this computer." error={start.error?.field("listen")}>
            <Input value={listen} onChange={(e) => setListen(e.target.value)} className="mono" disabled={!may} />
          </Field>
          <button className="btn btn-primary" disabled={!may || start.isPending} data-testid="server-start">
            Start
          </button>
        </form>
      )}
      {state?.running && (
        <button className="btn btn-danger" disabled={!may || stop.isPending} onClick={() => stop.mutate({})} data-testid="server-stop">
          Stop
        </button>
      )}
      {!may && <RoleHint roles={rolesFor("server.start")} />}
    </Card>
  );
}
