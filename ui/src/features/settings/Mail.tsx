import { useState } from "react";
import type { SmtpView } from "../../lib/api/bindings/SmtpView";
import { rolesFor } from "../../lib/access";
import { useAction, useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Card, Check, Field, FormError, Input, LoadError, Loading, RoleHint, Select } from "../../lib/ui";
import { AllowAddress } from "../../lib/ui/AllowAddress";

/** The ways to reach the SMTP server, with the port each uses unless another is given (the core's `mail::Security`). */
const SECURITY: Record<string, { label: string; port: number }> = {
  starttls: { label: "STARTTLS (587)", port: 587 },
  tls: { label: "TLS (465)", port: 465 },
  none: { label: "None (a relay on this network)", port: 25 },
};

/** The fields the form shows; the core's other problems are said under the form. */
const FIELDS = ["host", "port", "security", "username", "password", "fromAddress", "fromName"];

/** Settings → Mail account of the business unit: the SMTP account reminder letters are emailed from. */
export function MailAccount() {
  const s = useSession();
  const may = s.can("mail.get");
  const q = useCommand("mail.get", {}, { enabled: may });
  if (!may) return null;
  return (
    <div id="mail" data-testid="mail-card">
      <Card title="Mail account">
        <p className="muted small">Reminder letters are emailed from this account to customers with an email address; mail waits in the desk while it is offline.</p>
        <LoadError error={q.error} />
        {q.isLoading && <Loading what="the mail account" />}
        {q.data && <MailForm key={s.bu?.id ?? ""} view={q.data} />}
      </Card>
    </div>
  );
}

function MailForm(props: { view: SmtpView }) {
  const s = useSession();
  const v = props.view;
  const may = s.can("mail.save");
  const [host, setHost] = useState(v.host ?? "");
  const [port, setPort] = useState(v.port != null ? String(v.port) : "");
  const [security, setSecurity] = useState(v.security ?? "starttls");
  const [username, setUsername] = useState(v.username ?? "");
  const [password, setPassword] = useState("");
  const [forget, setForget] = useState(false);
  const [fromAddress, setFromAddress] = useState(v.fromAddress ?? "");
  const [fromName, setFromName] = useState(v.fromName ?? "");
  const [enabled, setEnabled] = useState(v.configured ? v.enabled : true);
  const [allow, setAllow] = useState(false);
  // The host an administrator allowed with the last save: the allowance is kept shown for it.
  const [allowedHost, setAllowedHost] = useState<string | null>(null);
  const save = useAction("mail.save", {
    success: (r) => (r.enabled ? `Reminder letters are emailed from ${r.fromAddress} through ${r.host}.` : `The mail account is saved; no letters are emailed until it is switched on.`),
    onSuccess: (_r, req) => {
      setPassword("");
      setForget(false);
      setAllowedHost(req.allowAddress ? req.host : null);
    },
  });
  const err = (p: string) => save.error?.field(p);
  const stored = v.hasPassword ? `•••• ${v.passwordStore === "sealed" ? "sealed on this desk" : "stored in the keyring"}` : undefined;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const n = port.trim() === "" ? undefined : Math.floor(Number(port));
        save.mutate({
          host: host.trim(),
          port: n !== undefined && Number.isFinite(n) ? n : undefined,
          security,
          username: username.trim() || undefined,
          password: forget ? "" : password || undefined,
          fromAddress: fromAddress.trim(),
          fromName: fromName.trim() || undefined,
          enabled,
          // Left out unless ticked: the server keeps an allowance it gave this same server.
          allowAddress: allow || undefined,
        });
      }}
    >
      <fieldset className="plain" disabled={!may}>
        <div className="form-grid">
          <div className="field-wide">
            <Field label="SMTP server" hint="e.g. smtp.example.com" error={err("host")}>
              <Input
                value={host}
                onChange={(e) => {
                  setHost(e.target.value);
                  // An allowance is for one address: another is asked about again.
                  setAllow(allowedHost !== null && e.target.value.trim() === allowedHost);
                }}
                placeholder="smtp.example.com"
                className="mono"
                autoComplete="off"
                testId="mail-host"
              />
            </Field>
            <AllowAddress error={save.error} field="host" allowedBefore={allowedHost !== null && host.trim() === allowedHost} checked={allow} onChange={setAllow} testId="mail-allow-address" />
          </div>
          <div className="field-wide mail-reach">
            <Field label="Security" error={err("security")}>
              <Select value={security} onChange={(e) => setSecurity(e.target.value)} testId="mail-security">
                {Object.entries(SECURITY).map(([k, o]) => (
                  <option key={k} value={k}>
                    {o.label}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Port" error={err("port")}>
              <Input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} placeholder={String(SECURITY[security]?.port ?? 587)} testId="mail-port" />
            </Field>
          </div>
          <Field label="User name" error={err("username")}>
            <Input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" testId="mail-username" />
          </Field>
          <Field label="Password" hint={v.hasPassword ? "Leave empty to keep the stored password." : "Kept in the OS keyring when there is one, otherwise sealed on this desk."} error={err("password")}>
            <Input
              type="password"
              autoComplete="new-password"
              value={password}
              disabled={forget}
              onChange={(e) => setPassword(e.target.value)}
              placeholder={stored}
              testId="mail-password"
            />
          </Field>
          <Field label="From address" error={err("fromAddress")}>
            <Input inputMode="email" value={fromAddress} onChange={(e) => setFromAddress(e.target.value)} placeholder="billing@example.com" testId="mail-from" />
          </Field>
          <Field label="From name" hint={`e.g. ${s.bu?.name ?? "the business's name"}`} error={err("fromName")}>
            <Input value={fromName} onChange={(e) => setFromName(e.target.value)} testId="mail-from-name" />
          </Field>
        </div>
        <div className="stack">
          {v.hasPassword && <Check label="Forget the stored password" checked={forget} onChange={setForget} testId="mail-forget-password" />}
          <Check label="Email reminder letters from this account" checked={enabled} onChange={setEnabled} testId="mail-enabled" />
          <FormError error={save.error} fields={FIELDS} />
          <div>
            <button className="btn btn-primary" disabled={!host.trim() || !fromAddress.trim() || save.isPending} data-testid="mail-save">
              {save.isPending ? "Saving…" : "Save"}
            </button>
          </div>
        </div>
      </fieldset>
      {!may && <RoleHint roles={rolesFor("mail.save")} />}
    </form>
  );
}
