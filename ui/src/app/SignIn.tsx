// The screens before and between work: who is at the desk and their PIN, a new desk's first
// administrator, and the lock screen of an idle desk.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { call, toAppError, type AppError } from "../lib/api/client";
import type { Bootstrap } from "../lib/api/bindings/Bootstrap";
import type { StartPerson } from "../lib/api/bindings/StartPerson";
import type { User } from "../lib/api/bindings/User";
import { ROLE_TEXT } from "../lib/access";
import { formatDate } from "../lib/format";
import "./signin.css";

function StartBox(props: { boot: Bootstrap; title: string; children: ReactNode }) {
  const { boot } = props;
  return (
    <div className="start">
      <div className="start-box">
        <div className="brand-large">FlexDesk</div>
        <h1 data-testid="screen-title">{props.title}</h1>
        <p className="muted">
          Desk {boot.desk.code}
          {boot.desk.name && boot.desk.name !== "This desk" ? ` (${boot.desk.name})` : ""} · version {boot.version}
        </p>
        {boot.pinnedTo && (
          <p className="pinned-day" data-testid="pinned-day">
            Pinned to {formatDate(boot.pinnedTo)}: this desk's calendar is not today's.
          </p>
        )}
        {props.children}
      </div>
    </div>
  );
}

/** A PIN or password field with its error; Enter submits the form around it. */
function SecretField(props: { label: string; value: string; onChange(v: string): void; error?: string; kind?: string | null; testId: string; autoFocus?: boolean }) {
  const pin = props.kind !== "password";
  const id = `${props.testId}-input`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className={`input secret-input${pin ? " pin" : ""}`}
        type="password"
        inputMode={pin ? "numeric" : "text"}
        autoComplete="off"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        data-testid={props.testId}
        autoFocus={props.autoFocus}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      {props.error && (
        <div className="field-error" id={`${id}-error`} role="alert" data-testid={`${props.testId}-error`}>
          {props.error}
        </div>
      )}
    </div>
  );
}

/**
 * A form around one secret: `run` sends it; a refusal is kept for the field and the typed secret
 * is cleared (a wrong PIN is never left in the field for the next person to see).
 */
function useSecretForm(run: (secret: string) => Promise<void>, onError?: (e: AppError) => void) {
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!secret || busy) return;
    setBusy(true);
    try {
      await run(secret);
    } catch (err) {
      const x = toAppError(err);
      onError?.(x);
      setError(x);
      setSecret("");
    } finally {
      setBusy(false);
    }
  };
  return { secret, setSecret, error, busy, submit };
}

function errorText(e: AppError | null, field: string): string | undefined {
  if (!e) return undefined;
  return e.field(field) ?? e.message;
}

/** "Who is working at this desk?": pick a person (digits 1–9), then their PIN. */
export function StartScreen(props: { boot: Bootstrap; onSignedIn(u: User): void }) {
  const { boot } = props;
  const [picked, setPicked] = useState<StartPerson | null>(null);
  const first = useRef<HTMLButtonElement>(null);
  const people = boot.people;

  useEffect(() => {
    if (!picked) first.current?.focus();
  }, [picked]);

  // Digits 1–9 pick the person with that number (not while a PIN is being typed).
  useEffect(() => {
    if (picked) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.altKey || e.metaKey) return;
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= Math.min(9, people.length)) {
        e.preventDefault();
        setPicked(people[n - 1]);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [people, picked]);

  const demo = people.some((p) => p.demoPin);
  return (
    <StartBox boot={boot} title="Who is working at this desk?">
      {picked ? (
        <PinEntry person={picked} onBack={() => setPicked(null)} onSignedIn={props.onSignedIn} />
      ) : (
        <>
          <ul className="user-picker" data-testid="user-picker">
            {people.map((u, i) => (
              <li key={u.id}>
                <span className="user-key" aria-hidden>
                  {i < 9 ? i + 1 : ""}
                </span>
                <button ref={i === 0 ? first : undefined} className="user-option" data-testid="user-option" onClick={() => setPicked(u)} aria-describedby={`role-${u.id}`}>
                  {u.name}
                </button>
                <span className="user-role" id={`role-${u.id}`}>
                  {ROLE_TEXT[u.role] ?? u.role}
                  {u.demoPin && (
                    <span className="demo-pin" data-testid="demo-pin">
                      {" "}
                      · demo PIN <span className="mono">{u.demoPin}</span>
                    </span>
                  )}
                  {!u.canSignIn && <span className="warn-text"> · no PIN yet</span>}
                </span>
              </li>
            ))}
          </ul>
          {people.length === 0 && <p>No one can work at this desk yet.</p>}
          <p className="muted small">Press the number beside a name, or Tab and Enter; then type your PIN.</p>
          {demo && <p className="muted small" data-testid="demo-pins-note">This is a demo database: its people's PINs are shown here. A real desk never shows them.</p>}
        </>
      )}
    </StartBox>
  );
}

function PinEntry(props: { person: StartPerson; onBack(): void; onSignedIn(u: User): void }) {
  const p = props.person;
  const { secret, setSecret, error, busy, submit } = useSecretForm(async (secret) => {
    const r = await call("session.signIn", { userId: p.id, secret });
    props.onSignedIn(r.user);
  });
  const word = p.secretKind === "password" ? "Password" : "PIN";
  return (
    <form className="pin-entry" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && props.onBack()} data-testid="pin-entry">
      <p className="pin-who">
        <strong data-testid="pin-person">{p.name}</strong>
        <span className="muted"> · {ROLE_TEXT[p.role]?.split(" — ")[0] ?? p.role}</span>
      </p>
      {p.canSignIn ? (
        <>
          <SecretField label={word} value={secret} onChange={setSecret} error={errorText(error, "secret")} kind={p.secretKind} testId="pin-input" autoFocus />
          <div className="row gap">
            <button className="btn btn-primary" disabled={!secret || busy} data-testid="pin-submit">
              {busy ? "Checking…" : "Sign in"}
            </button>
            <button type="button" className="btn btn-ghost" onClick={props.onBack} data-testid="pin-back">
              Someone else
            </button>
          </div>
        </>
      ) : (
        <>
          <p data-testid="pin-missing">{p.name} has no PIN yet. An administrator sets one in Settings → People.</p>
          <button type="button" className="btn" onClick={props.onBack} data-testid="pin-back" autoFocus>
            Someone else
          </button>
        </>
      )}
    </form>
  );
}

/** A new desk: its first administrator chooses a name and a PIN (or password). */
export function SetupScreen(props: { boot: Bootstrap; onSignedIn(u: User): void }) {
  const admin = props.boot.people.find((p) => p.role === "admin");
  const [name, setName] = useState(admin?.name ?? "");
  const [secret, setSecret] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = again.length > 0 && again !== secret ? "The two do not match." : undefined;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !secret || secret !== again) return;
    setBusy(true);
    try {
      const r = await call("session.setup", { name: name.trim() || undefined, secret });
      props.onSignedIn(r.user);
    } catch (err) {
      setError(toAppError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <StartBox boot={props.boot} title="Set up this desk">
      <p>You are its first administrator. Choose the PIN (4 to 8 digits) or password (10 characters or more) you will sign in with; you add the other people in Settings → People.</p>
      <form onSubmit={submit} className="setup-form" data-testid="setup-form">
        <div className="field">
          <label htmlFor="setup-name">Your name</label>
          <input id="setup-name" className="input" value={name} onChange={(e) => setName(e.target.value)} data-testid="setup-name" autoComplete="name" />
        </div>
        <SecretField label="PIN or password" value={secret} onChange={setSecret} error={errorText(error, "secret")} kind={/^\d*$/.test(secret) ? "pin" : "password"} testId="setup-secret" autoFocus />
        <SecretField label="The same again" value={again} onChange={setAgain} error={mismatch} kind={/^\d*$/.test(secret) ? "pin" : "password"} testId="setup-again" />
        <button className="btn btn-primary" disabled={busy || !secret || secret !== again} data-testid="setup-submit">
          {busy ? "Setting up…" : "Set up and sign in"}
        </button>
      </form>
    </StartBox>
  );
}

/** The desk is locked: its person's PIN opens it where they left off; anyone else signs out first. */
export function LockScreen(props: { boot: Bootstrap; user: User; onUnlocked(u: User): void; onSwitchUser(): void }) {
  const { secret, setSecret, error, busy, submit } = useSecretForm(
    async (secret) => props.onUnlocked(await call("session.unlock", { secret })),
    // The session itself is gone (the desk restarted): sign in anew.
    (e) => e.code === "AUTH_REQUIRED" && props.onSwitchUser(),
  );
  const word = props.user.secretKind === "password" ? "Password" : "PIN";
  return (
    <div className="lock-screen" data-testid="lock-screen" role="dialog" aria-modal="true" aria-labelledby="lock-title">
      <div className="start-box">
        <div className="brand-large">FlexDesk</div>
        <h1 id="lock-title" data-testid="screen-title">
          Locked
        </h1>
        <p>
          <strong data-testid="lock-person">{props.user.name}</strong> was working here. Enter your {word} to go on where you left off.
        </p>
        <form onSubmit={submit}>
          <SecretField label={word} value={secret} onChange={setSecret} error={errorText(error, "secret")} kind={props.user.secretKind} testId="unlock-input" autoFocus />
          <div className="row gap">
            <button className="btn btn-primary" disabled={!secret || busy} data-testid="unlock-submit">
              {busy ? "Checking…" : "Unlock"}
            </button>
            <button type="button" className="btn btn-ghost" onClick={props.onSwitchUser} data-testid="lock-switch-user">
              Someone else
            </button>
          </div>
        </form>
        <p className="muted small">Desk {props.boot.desk.code}. Someone else signs out {props.user.name} and signs in with their own PIN.</p>
      </div>
    </div>
  );
}
