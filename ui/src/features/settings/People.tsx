// Settings → People: who works at this desk, their roles and PINs (administrators), one's own PIN
// (everyone), and how long the desk waits before it locks.
import { useState } from "react";
import type { Role } from "../../lib/api/bindings/Role";
import type { User } from "../../lib/api/bindings/User";
import { ROLE_TEXT, rolesFor } from "../../lib/access";
import { deskNowMs, formatDate, formatDateTime } from "../../lib/format";
import { useAction } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Badge, Card, Field, FormError, Input, RoleHint, Select } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";

const ROLES: [Role, string][] = (["counter", "warehouse", "accountant", "admin"] as Role[]).map((r) => [r, ROLE_TEXT[r].split(" — ")[0]]);
const SECRET_HINT = "A PIN of 4 to 8 digits, or a password of 10 characters or more.";

function signInText(u: User, now: string): string {
  const kind = u.secretKind === "pin" ? "PIN" : u.secretKind === "password" ? "Password" : "No PIN yet";
  if (u.lockedUntil && u.lockedUntil > now) return `${kind} · paused until ${formatDateTime(u.lockedUntil)}`;
  return u.failedAttempts > 0 ? `${kind} · ${u.failedAttempts} wrong in a row` : kind;
}

export function People() {
  const s = useSession();
  const may = s.can("users.update");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("counter");
  const [secret, setSecret] = useState("");
  const [pinFor, setPinFor] = useState<User | null>(null);
  const refresh = () => void s.refreshUsers();
  const create = useAction("users.create", {
    success: (u) => `${u.name} can now sign in with ${u.secretKind === "password" ? "their password" : "their PIN"}.`,
    onSuccess: () => {
      setName("");
      setSecret("");
      refresh();
    },
  });
  const update = useAction("users.update", {
    success: (u) => `${u.name}: ${u.active ? `works as ${u.role}` : "deactivated; their sessions ended"}.`,
    onSuccess: refresh,
  });
  // Pauses are in the desk's time (which a pinned calendar moves).
  const now = new Date(deskNowMs()).toISOString();
  return (
    <Card title="People at this desk">
      <table className="table compact" data-testid="people-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Signs in with</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {s.users.map((u) => (
            <tr key={u.id} data-testid="person-row" data-name={u.name}>
              <td>
                {u.name}
                {u.id === s.user.id && <span className="muted"> (you)</span>}
                <div className="small muted">since {formatDate(u.createdAt)}</div>
                {!u.active && <Badge status="inactive" />}
              </td>
              <td>
                {may ? (
                  <Select value={u.role} aria-label={`Role of ${u.name}`} onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })} disabled={update.isPending} testId="person-role" className="person-role">
                    {ROLES.map(([r, label]) => (
                      <option key={r} value={r}>
                        {label}
                      </option>
                    ))}
                  </Select>
                ) : (
                  u.role
                )}
              </td>
              <td className="small" data-testid="person-signin">
                {signInText(u, now)}
              </td>
              <td>
                {may && (
                  <div className="person-actions">
                    <button className="btn btn-small" onClick={() => setPinFor(u)} data-testid="person-set-pin">
                      {u.secretKind ? "Reset PIN" : "Set PIN"}
                    </button>
                    <button className="btn btn-small btn-ghost" disabled={update.isPending} onClick={() => update.mutate({ id: u.id, active: !u.active })} data-testid="person-active">
                      {u.active ? "Deactivate" : "Reactivate"}
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormError error={update.error} fields={[]} />
      {may ? (
        <form
          className="row gap wrap align-end"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, role, secret: secret || undefined });
          }}
        >
          <Field label="Name" error={create.error?.field("name")}>
            <Input value={name} onChange={(e) => setName(e.target.value)} testId="user-name" />
          </Field>
          <Field label="Role">
            <Select value={role} onChange={(e) => setRole(e.target.value as Role)} testId="user-role">
              {ROLES.map(([r, label]) => (
                <option key={r} value={r}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="PIN" hint={SECRET_HINT} error={create.error?.field("secret")}>
            <Input type="password" autoComplete="new-password" inputMode="numeric" value={secret} onChange={(e) => setSecret(e.target.value)} testId="user-secret" />
          </Field>
          <button className="btn btn-primary" disabled={!name.trim() || create.isPending} data-testid="user-create">
            Add person
          </button>
        </form>
      ) : (
        <RoleHint roles={rolesFor("users.create")} />
      )}
      {may && <LockMinutesForm />}
      {pinFor && <SetPinDialog person={pinFor} onClose={() => setPinFor(null)} onDone={refresh} />}
    </Card>
  );
}

function SetPinDialog(props: { person: User; onClose(): void; onDone(): void }) {
  const p = props.person;
  const [secret, setSecret] = useState("");
  const set = useAction("users.setSecret", {
    quiet: true,
    success: (u) => `${u.name} signs in with the new ${u.secretKind === "password" ? "password" : "PIN"}; their other sessions ended.`,
    onSuccess: () => {
      props.onDone();
      props.onClose();
    },
  });
  return (
    <Dialog title={`${p.secretKind ? "Reset" : "Set"} the PIN of ${p.name}`} onClose={props.onClose} testId="set-pin-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          set.mutate({ userId: p.id, secret });
        }}
      >
        <Field label="New PIN or password" hint={SECRET_HINT} error={set.error?.field("secret")}>
          <Input type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} testId="set-pin-input" autoFocus />
        </Field>
        <FormError error={set.error} fields={["secret"]} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={!secret || set.isPending} data-testid="set-pin-save">
            Save
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function LockMinutesForm() {
  const s = useSession();
  const [minutes, setMinutes] = useState(String(s.boot.lockMinutes));
  const save = useAction("desk.setLockMinutes", {
    success: (r) => `The desk now locks after ${r.lockMinutes} idle minutes.`,
    // This window follows at once.
    onSuccess: () => void s.refreshBoot(),
  });
  return (
    <form
      className="row gap wrap align-end lock-minutes"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ lockMinutes: Number(minutes) });
      }}
    >
      <Field label="Lock the desk after (idle minutes)" hint="1 to 480." error={save.error?.field("lockMinutes")}>
        <Input type="number" min={1} max={480} value={minutes} onChange={(e) => setMinutes(e.target.value)} testId="lock-minutes" />
      </Field>
      <button className="btn" disabled={save.isPending || !minutes} data-testid="lock-minutes-save">
        Save
      </button>
    </form>
  );
}

/** Everyone: change one's own PIN or password (the current one first); from the top bar's name. */
export function MyPinDialog(props: { onClose(): void }) {
  const s = useSession();
  const [current, setCurrent] = useState("");
  const [secret, setSecret] = useState("");
  const [again, setAgain] = useState("");
  const change = useAction("session.changeSecret", {
    success: (u) => `Your ${u.secretKind === "password" ? "password" : "PIN"} is changed.`,
    onSuccess: () => {
      void s.refreshUsers();
      props.onClose();
    },
  });
  const mismatch = again && again !== secret ? "The two do not match." : undefined;
  return (
    <Dialog title={`Your PIN, ${s.user.name}`} onClose={props.onClose} testId="my-pin-dialog">
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (secret === again) change.mutate({ current, secret });
        }}
      >
        <Field label="Current PIN or password" error={change.error?.field("current")}>
          <Input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} testId="my-pin-current" />
        </Field>
        <Field label="New" hint={SECRET_HINT} error={change.error?.field("secret")}>
          <Input type="password" autoComplete="new-password" value={secret} onChange={(e) => setSecret(e.target.value)} testId="my-pin-new" />
        </Field>
        <Field label="The same again" error={mismatch}>
          <Input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} testId="my-pin-again" />
        </Field>
        <FormError error={change.error} fields={["current", "secret"]} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={!current || !secret || secret !== again || change.isPending} data-testid="my-pin-save">
            Change
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
