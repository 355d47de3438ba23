import { useEffect, useState, type ReactNode } from "react";
import type { BuSettings } from "../../lib/api/bindings/BuSettings";
import type { BusinessUnit } from "../../lib/api/bindings/BusinessUnit";
import type { CreatedKey } from "../../lib/api/bindings/CreatedKey";
import type { Role } from "../../lib/api/bindings/Role";
import { ROLE_TEXT, rolesFor } from "../../lib/access";
import { getTransport } from "../../lib/api/client";
import { formatDate, formatDateTime } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { WebhookDeliveries, Webhooks } from "./Webhooks";
import { Badge, Card, Check, Empty, Field, Input, LoadError, Loading, RoleHint, ScreenHeader, Select } from "../../lib/ui";

/** `sync`: the Sync card (from the sync feature; the shell passes it in). */
export function SettingsScreen(props: { sync?: ReactNode }) {
  const s = useSession();
  return (
    <>
      <ScreenHeader title="Settings" sub={s.bu ? `Business unit ${s.bu.name} (${s.bu.currency}) and this desk.` : "This desk."} />
      {!s.can("bu.update") && <RoleHint roles={rolesFor("bu.update")} />}
      {s.bu ? <BuSettingsForm key={s.bu.id + s.bu.updatedAt} bu={s.bu} /> : <Empty>There is no business unit yet. Create the first one below.</Empty>}
      <div className="grid-2">
        <div>
          <People />
          <NewBusinessUnit />
          {props.sync}
        </div>
        <div>
          {s.bu && <ApiKeys />}
          <LocalServer />
          {s.bu && <Webhooks />}
        </div>
      </div>
      {s.bu && <WebhookDeliveries />}
    </>
  );
}

const BILLING_START = [
  ["immediate", "Immediately"],
  ["same_day_next_month", "Same day next month"],
  ["first_of_next_month", "First of next month"],
];
const FIRST_PAYMENT = [
  ["full_month", "Full month"],
  ["prorated", "Prorated"],
];
const BUYOUT = [
  ["remaining_plus_list_price_pct", "Remaining months + % of list price"],
  ["remaining_months", "Remaining months"],
  ["list_price_pct", "% of list price"],
  ["flat_fee", "Flat fee"],
];
const EARLY_RETURN = [
  ["remaining_months", "Remaining months (× %)"],
  ["flat_fee", "Flat fee"],
  ["no_fee", "No fee"],
];
const CONTRACT_END = [
  ["auto_renew_monthly", "Renew month by month"],
  ["auto_renew_same_term", "Renew for the same term"],
  ["require_action", "Ask the customer"],
  ["auto_terminate", "End automatically"],
];
const LATE_FEE = [
  ["none", "None"],
  ["flat", "Flat amount"],
  ["percentage", "Percentage"],
];

function Options(props: { list: string[][] }) {
  return (
    <>
      {props.list.map(([v, label]) => (
        <option key={v} value={v}>
          {label}
        </option>
      ))}
    </>
  );
}

function BuSettingsForm(props: { bu: BusinessUnit }) {
  const s = useSession();
  const bu = props.bu;
  const [name, setName] = useState(bu.name);
  const [timezone, setTimezone] = useState(bu.timezone);
  const [st, setSt] = useState<BuSettings>(bu.settings);
  const [lengths, setLengths] = useState(bu.settings.contractLengths.join(", "));
  const may = s.can("bu.update");
  const save = useAction("bu.update", {
    invalidate: ["orders.quote"],
    success: (r) => `Settings of ${r.name} saved.`,
    onSuccess: (r) => void s.refreshBusinessUnits(r.id),
  });
  const set = <K extends keyof BuSettings>(k: K, v: BuSettings[K]) => setSt((x) => ({ ...x, [k]: v }));
  const setSeller = (k: keyof BuSettings["seller"], v: string) => setSt((x) => ({ ...x, seller: { ...x.seller, [k]: v } }));
  const err = (p: string) => save.error?.field(`settings.${p}`) ?? save.error?.field(p);
  const parsedLengths = lengths
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
  const lengthsOk = parsedLengths.length > 0 && parsedLengths.every((n) => Number.isInteger(n));
  const int = (v: string) => (v.trim() === "" ? 0 : Math.max(0, Math.floor(Number(v)) || 0));

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ id: bu.id, name, timezone, settings: { ...st, contractLengths: [...new Set(parsedLengths)].sort((a, b) => a - b) } });
      }}
    >
      <fieldset className="plain" disabled={!may}>
        <Card title={`Business unit: ${bu.name}`} actions={<span className="muted mono">{bu.code} · {bu.currency} · {bu.country || "no country"}</span>}>
          <div className="form-grid">
            <Field label="Name" error={err("name")}>
              <Input value={name} onChange={(e) => setName(e.target.value)} testId="bu-name" />
            </Field>
            <Field label="Time zone" hint="e.g. Europe/Amsterdam">
              <Input value={timezone} onChange={(e) => setTimezone(e.target.value)} />
            </Field>
            <Field label="Currency" hint="Fixed when the unit was created.">
              <Input value={bu.currency} readOnly />
            </Field>
          </div>
        </Card>
        <div className="grid-2">
          <Card title="Billing and tax">
            <div className="form-grid">
              <Field label="Billing starts">
                <Select value={st.billingStart} onChange={(e) => set("billingStart", e.target.value as BuSettings["billingStart"])}>
                  <Options list={BILLING_START} />
                </Select>
              </Field>
              <Field label="First payment">
                <Select value={st.firstPayment} onChange={(e) => set("firstPayment", e.target.value as BuSettings["firstPayment"])}>
                  <Options list={FIRST_PAYMENT} />
                </Select>
              </Field>
              <Field label="Payment terms (days)" error={err("paymentTermsDays")}>
                <Input type="number" min={0} max={365} value={st.paymentTermsDays} onChange={(e) => set("paymentTermsDays", int(e.target.value))} />
              </Field>
              <Field label="Tax rate (%)" error={err("taxRate")}>
                <Input inputMode="decimal" value={st.taxRate} onChange={(e) => set("taxRate", e.target.value)} testId="bu-tax-rate" />
              </Field>
            </div>
            <Check label="Prices include tax" checked={st.taxInclusive} onChange={(v) => set("taxInclusive", v)} />
            <Check label="Orders must be confirmed before devices are handed out" checked={st.requireConfirmedOrders} onChange={(v) => set("requireConfirmedOrders", v)} />
          </Card>
          <Card title="Contracts">
            <div className="form-grid">
              <Field label="Contract lengths (months)" hint="Comma-separated, 1–120" error={err("contractLengths") ?? (lengthsOk ? undefined : "Whole numbers of months, separated by commas.")}>
                <Input value={lengths} onChange={(e) => setLengths(e.target.value)} testId="bu-contract-lengths" />
              </Field>
              <Field label="Default length" error={err("defaultContractLength")}>
                <Select value={st.defaultContractLength} onChange={(e) => set("defaultContractLength", Number(e.target.value))}>
                  {[...new Set([...(lengthsOk ? parsedLengths : []), st.defaultContractLength])].map((l) => (
                    <option key={l} value={l}>
                      {l} months
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="At the end of the contract">
                <Select value={st.contractEnd} onChange={(e) => set("contractEnd", e.target.value as BuSettings["contractEnd"])}>
                  <Options list={CONTRACT_END} />
                </Select>
              </Field>
            </div>
          </Card>
          <Card title="Buyout">
            <div className="form-grid">
              <Field label="Method">
                <Select value={st.buyoutMethod} onChange={(e) => set("buyoutMethod", e.target.value as BuSettings["buyoutMethod"])}>
                  <Options list={BUYOUT} />
                </Select>
              </Field>
              <Field label="% of list price" error={err("buyoutListPricePct")}>
                <Input inputMode="decimal" value={st.buyoutListPricePct} onChange={(e) => set("buyoutListPricePct", e.target.value)} />
              </Field>
              <Field label={`Flat fee (${bu.currency})`} error={err("buyoutFlatFee")}>
                <Input inputMode="decimal" value={st.buyoutFlatFee} onChange={(e) => set("buyoutFlatFee", e.target.value)} />
              </Field>
            </div>
          </Card>
          <Card title="Early return and late payment">
            <div className="form-grid">
              <Field label="Early return fee">
                <Select value={st.earlyReturnFee} onChange={(e) => set("earlyReturnFee", e.target.value as BuSettings["earlyReturnFee"])}>
                  <Options list={EARLY_RETURN} />
                </Select>
              </Field>
              <Field label="% of remaining months" error={err("earlyReturnPct")}>
                <Input inputMode="decimal" value={st.earlyReturnPct} onChange={(e) => set("earlyReturnPct", e.target.value)} />
              </Field>
              <Field label={`Flat fee (${bu.currency})`} error={err("earlyReturnFlatFee")}>
                <Input inputMode="decimal" value={st.earlyReturnFlatFee} onChange={(e) => set("earlyReturnFlatFee", e.target.value)} />
              </Field>
              <Field label="Grace period (days)" error={err("gracePeriodDays")}>
                <Input type="number" min={0} value={st.gracePeriodDays} onChange={(e) => set("gracePeriodDays", int(e.target.value))} />
              </Field>
              <Field label="Late fee">
                <Select value={st.lateFeeKind} onChange={(e) => set("lateFeeKind", e.target.value as BuSettings["lateFeeKind"])}>
                  <Options list={LATE_FEE} />
                </Select>
              </Field>
              {st.lateFeeKind === "flat" && (
                <Field label={`Late fee (${bu.currency})`} error={err("lateFeeAmount")}>
                  <Input inputMode="decimal" value={st.lateFeeAmount} onChange={(e) => set("lateFeeAmount", e.target.value)} />
                </Field>
              )}
              {st.lateFeeKind === "percentage" && (
                <Field label="Late fee (%)" error={err("lateFeePct")}>
                  <Input inputMode="decimal" value={st.lateFeePct} onChange={(e) => set("lateFeePct", e.target.value)} />
                </Field>
              )}
              {st.lateFeeKind !== "none" && (
                <Field label="Late fee after (days)">
                  <Input type="number" min={0} value={st.lateFeeGraceDays} onChange={(e) => set("lateFeeGraceDays", int(e.target.value))} />
                </Field>
              )}
            </div>
          </Card>
        </div>
        <Card title="Seller details (printed on documents)">
          <div className="form-grid">
            <Field label="Legal name">
              <Input value={st.seller.legalName} onChange={(e) => setSeller("legalName", e.target.value)} />
            </Field>
            <Field label="Street address">
              <Input value={st.seller.streetAddress} onChange={(e) => setSeller("streetAddress", e.target.value)} />
            </Field>
            <Field label="Postal code">
              <Input value={st.seller.postalCode} onChange={(e) => setSeller("postalCode", e.target.value)} />
            </Field>
            <Field label="City">
              <Input value={st.seller.city} onChange={(e) => setSeller("city", e.target.value)} />
            </Field>
            <Field label="Country">
              <Input value={st.seller.country} onChange={(e) => setSeller("country", e.target.value)} />
            </Field>
            <Field label="VAT id">
              <Input value={st.seller.vatId} onChange={(e) => setSeller("vatId", e.target.value)} />
            </Field>
            <Field label="Email">
              <Input value={st.seller.email} onChange={(e) => setSeller("email", e.target.value)} />
            </Field>
            <Field label="Phone">
              <Input value={st.seller.phone} onChange={(e) => setSeller("phone", e.target.value)} />
            </Field>
            <Field label="Bank account">
              <Input value={st.seller.bankAccount} onChange={(e) => setSeller("bankAccount", e.target.value)} />
            </Field>
          </div>
          <div className="row gap">
            <button className="btn btn-primary btn-large" disabled={save.isPending || !lengthsOk} data-testid="bu-save">
              {save.isPending ? "Saving…" : "Save settings"}
            </button>
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() => {
                setName(bu.name);
                setTimezone(bu.timezone);
                setSt(bu.settings);
                setLengths(bu.settings.contractLengths.join(", "));
              }}
            >
              Undo changes
            </button>
          </div>
        </Card>
      </fieldset>
    </form>
  );
}

const ROLES: [Role, string][] = (["counter", "warehouse", "accountant", "admin"] as Role[]).map((r) => [r, ROLE_TEXT[r]]);

function People() {
  const s = useSession();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("counter");
  const create = useAction("users.create", {
    success: (u) => `${u.name} can now pick their name on the start screen.`,
    onSuccess: () => {
      setName("");
      void s.refreshUsers();
    },
  });
  const may = s.can("users.create");
  return (
    <Card title="People at this desk">
      <table className="table compact" data-testid="people-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Since</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {s.users.map((u) => (
            <tr key={u.id}>
              <td>
                {u.name}
                {u.id === s.user.id && <span className="muted"> (you)</span>}
              </td>
              <td>{u.role}</td>
              <td className="small nowrap">{formatDate(u.createdAt)}</td>
              <td>
                <Badge status={u.active ? "active" : "inactive"} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row gap wrap align-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, role });
        }}
      >
        <Field label="Name" error={create.error?.field("name")}>
          <Input value={name} onChange={(e) => setName(e.target.value)} disabled={!may} testId="user-name" />
        </Field>
        <Field label="Role">
          <Select value={role} onChange={(e) => setRole(e.target.value as Role)} disabled={!may} testId="user-role">
            {ROLES.map(([r, label]) => (
              <option key={r} value={r}>
                {label}
              </option>
            ))}
          </Select>
        </Field>
        <button className="btn btn-primary" disabled={!may || !name.trim() || create.isPending} data-testid="user-create">
          Add person
        </button>
      </form>
      {!may && <RoleHint roles={rolesFor("users.create")} />}
    </Card>
  );
}

function NewBusinessUnit() {
  const s = useSession();
  const empty = { name: "", currency: "EUR", code: "", country: "", timezone: "", taxRate: "" };
  const [d, setD] = useState(empty);
  const create = useAction("bu.create", {
    success: (b) => `Business unit ${b.name} (${b.currency}) created and selected.`,
    onSuccess: (b) => {
      setD(empty);
      void s.refreshBusinessUnits(b.id);
    },
  });
  const may = s.can("bu.create");
  const err = (p: string) => create.error?.field(p);
  return (
    <Card title="New business unit">
      <p className="muted small">A business unit has its own currency, catalog, customers, orders, assets and numbering. The currency cannot change later.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            name: d.name,
            currency: d.currency.trim().toUpperCase(),
            code: d.code.trim() || undefined,
            country: d.country.trim() || undefined,
            timezone: d.timezone.trim() || undefined,
            settings: d.taxRate.trim() ? ({ ...(s.bu?.settings ?? {}), taxRate: d.taxRate.trim() } as BuSettings) : undefined,
          });
        }}
      >
        <fieldset className="plain" disabled={!may}>
          <div className="form-grid">
            <Field label="Name" error={err("name")}>
              <Input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} testId="new-bu-name" />
            </Field>
            <Field label="Currency" hint="ISO code, e.g. EUR" error={err("currency")}>
              <Input value={d.currency} onChange={(e) => setD({ ...d, currency: e.target.value })} maxLength={3} className="mono" testId="new-bu-currency" />
            </Field>
            <Field label="Code" hint="1–5 letters, used in order numbers" error={err("code")}>
              <Input value={d.code} onChange={(e) => setD({ ...d, code: e.target.value })} maxLength={5} className="mono" />
            </Field>
            <Field label="Country" hint="e.g. NL">
              <Input value={d.country} onChange={(e) => setD({ ...d, country: e.target.value })} />
            </Field>
            <Field label="Time zone" hint="e.g. Europe/Amsterdam">
              <Input value={d.timezone} onChange={(e) => setD({ ...d, timezone: e.target.value })} />
            </Field>
            <Field label="Tax rate (%)" hint={s.bu ? "Other settings copied from the current unit" : "Other settings use defaults"} error={err("settings.taxRate")}>
              <Input value={d.taxRate} onChange={(e) => setD({ ...d, taxRate: e.target.value })} inputMode="decimal" />
            </Field>
          </div>
          <button className="btn btn-primary" disabled={!d.name.trim() || !d.currency.trim() || create.isPending} data-testid="new-bu-create">
            Create business unit
          </button>
        </fieldset>
        {!may && <RoleHint roles={rolesFor("bu.create")} />}
      </form>
    </Card>
  );
}

function ApiKeys() {
  const s = useSession();
  const may = s.can("keys.list");
  const keys = useCommand("keys.list", {}, { enabled: may });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAction("keys.create", {
    invalidate: ["keys."],
    onSuccess: (k) => {
      setCreated(k);
      setCopied(false);
      setName("");
    },
  });
  const revoke = useAction("keys.revoke", { invalidate: ["keys."], success: (k) => `Key ${k.name} revoked; it no longer works.` });
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
          create.mutate({ name });
        }}
      >
        <Field label="New key for">
          <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. webshop" testId="key-name" />
        </Field>
        <button className="btn btn-primary" disabled={!name.trim() || create.isPending} data-testid="key-create">
          Create key
        </button>
      </form>
    </Card>
  );
}

function LocalServer() {
  const s = useSession();
  const status = useCommand("server.status", {});
  const [listen, setListen] = useState("127.0.0.1:8787");
  const [state, setState] = useState(status.data);
  useEffect(() => setState(status.data), [status.data]);
  const start = useAction("server.start", { invalidate: ["server."], onSuccess: setState, success: (r) => `The local API runs at ${r.url}.` });
  const stop = useAction("server.stop", { invalidate: ["server."], onSuccess: setState, success: "The local API has stopped." });
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
