import { type ComponentProps, type ReactNode, useId, useLayoutEffect, useRef, useState } from "react";
import { words, formatDateTime } from "../format";
import { isActionFieldError, useCommand } from "../query";
import type { AppError } from "../api/client";

const TONES: Record<string, string> = {
  // orders
  pending: "warn",
  confirmed: "info",
  partial: "info",
  fulfilled: "ok",
  cancelled: "muted",
  // assets
  available: "ok",
  rented_out: "info",
  returned: "warn",
  sold: "muted",
  unavailable: "bad",
  // catalog, customers, keys
  active: "ok",
  inactive: "muted",
  discontinued: "muted",
  revoked: "bad",
  // intake outcomes
  added: "ok",
  duplicate: "warn",
  unknown: "bad",
  invalid: "bad",
  // scan station outcomes
  activated: "ok",
  sku_mismatch: "bad",
  not_available: "bad",
  full: "warn",
  not_found: "bad",
  error: "bad",
  // subscriptions
  ended_completed: "muted",
  ended_buyout: "muted",
  ended_upgrade: "muted",
  ended_early_return: "muted",
  // payments
  paid: "ok",
  failed: "bad",
  processing: "info",
  overdue: "bad",
  // invoices
  invoice: "info",
  credit_note: "warn",
  // returns
  early_return: "warn",
  completion: "ok",
  collection: "info",
};

export function Badge(props: { status: string; testId?: string; label?: string }) {
  const tone = TONES[props.status] ?? "muted";
  return (
    <span className={`badge badge-${tone}`} data-testid={props.testId}>
      {props.label ?? words(props.status)}
    </span>
  );
}

export function ScreenHeader(props: { title: ReactNode; sub?: ReactNode; actions?: ReactNode; back?: { href: string; label: string } }) {
  return (
    <header className="screen-header">
      <div>
        {props.back && (
          <a className="back-link" href={props.back.href}>
            ← {props.back.label}
          </a>
        )}
        <h1 data-testid="screen-title">{props.title}</h1>
        {props.sub && <div className="screen-sub">{props.sub}</div>}
      </div>
      {props.actions && <div className="screen-actions">{props.actions}</div>}
    </header>
  );
}

export function Card(props: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${props.className ?? ""}`}>
      {(props.title || props.actions) && (
        <div className="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div className="card-actions">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </section>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden /> Loading{props.what ? ` ${props.what}` : ""}…
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <div className="empty">{props.children}</div>;
}

/** Whether a field error's path is the field `name` (or ends in it: `settings.taxRate` for `taxRate`). */
function isPath(path: string, name: string): boolean {
  return path === name || path.endsWith(`.${name}`);
}

/**
 * An action's error inside the form (or dialog) that made it, shown once: the problems with a
 * field the form shows (`fields`, each under its own `Field`) are said there, the rest here.
 */
export function FormError(props: { error: AppError | null | undefined; fields: string[] }) {
  const e = props.error;
  if (!e) return null;
  const elsewhere = e.details.filter((d) => !props.fields.some((f) => isPath(d.path, f)));
  if (e.details.length > 0 && elsewhere.length === 0) return null;
  // The core's sentence names every field; when some are said at their fields, only the others.
  const text = elsewhere.length > 0 && elsewhere.length < e.details.length ? elsewhere.map((d) => d.message).join(" ") : e.message;
  return (
    <div className="load-error" role="alert" data-testid="form-error">
      {text}
    </div>
  );
}

/** A read that failed, shown in place (the banner is for actions). */
export function LoadError(props: { error: AppError | null | undefined }) {
  if (!props.error) return null;
  return <div className="load-error">{props.error.message}</div>;
}

/** What the controls inside `el` hold, to tell whether they changed. */
function controlValues(el: HTMLElement | null): string {
  if (!el) return "";
  return [...el.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("input, select, textarea")]
    .map((c) => (c instanceof HTMLInputElement && (c.type === "checkbox" || c.type === "radio") ? String(c.checked) : c.value))
    .join("\u0001");
}

/**
 * A labelled input with its hint or error. An error from a failed action is about what was sent:
 * once the person changes the input to something else it is no longer shown (it comes back if the
 * input is changed back, and a new attempt shows whatever the core says then).
 */
export function Field(props: { label: ReactNode; hint?: ReactNode; error?: string; children: ReactNode; wide?: boolean }) {
  const box = useRef<HTMLLabelElement>(null);
  // What the inputs held when the error came.
  const sent = useRef<string | null>(null);
  const [edited, setEdited] = useState(false);
  const [seen, setSeen] = useState(props.error);
  if (seen !== props.error) {
    setSeen(props.error);
    setEdited(false);
  }
  useLayoutEffect(() => {
    sent.current = props.error ? controlValues(box.current) : null;
  }, [props.error]);
  const error = edited ? undefined : props.error;
  return (
    <label
      ref={box}
      className={`field ${props.wide ? "field-wide" : ""}`}
      onChange={() => {
        if (props.error && sent.current !== null && isActionFieldError(props.error)) setEdited(controlValues(box.current) !== sent.current);
      }}
    >
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint && !error && <span className="field-hint">{props.hint}</span>}
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

type InputProps = ComponentProps<"input"> & { testId?: string };
export function Input({ testId, ...rest }: InputProps) {
  return <input {...rest} data-testid={testId} />;
}

type SelectProps = ComponentProps<"select"> & { testId?: string };
export function Select({ testId, ...rest }: SelectProps) {
  return <select {...rest} data-testid={testId} />;
}

type TextareaProps = ComponentProps<"textarea"> & { testId?: string };
export function Textarea({ testId, ...rest }: TextareaProps) {
  return <textarea {...rest} data-testid={testId} />;
}

export function Check(props: { label: ReactNode; checked: boolean; onChange(v: boolean): void; disabled?: boolean; testId?: string }) {
  const id = useId();
  return (
    <span className="check">
      <input id={id} type="checkbox" checked={props.checked} disabled={props.disabled} onChange={(e) => props.onChange(e.target.checked)} data-testid={props.testId} />
      <label htmlFor={id}>{props.label}</label>
    </span>
  );
}

/** A definition list of label/value pairs. */
export function Facts(props: { items: [ReactNode, ReactNode][] }) {
  return (
    <dl className="facts">
      {props.items.map(([k, v], i) => (
        <div key={i}>
          <dt>{k}</dt>
          <dd>{v ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Why a control is off: the roles that may use it. */
export function RoleHint(props: { roles: string }) {
  return <span className="role-hint">Needs {props.roles}.</span>;
}

export function Timeline(props: { entityType: string; entityId: string }) {
  const q = useCommand("timeline.list", { entityType: props.entityType, entityId: props.entityId, limit: 100 });
  return (
    <Card title="Timeline">
      {q.isLoading && <Loading />}
      <LoadError error={q.error} />
      {q.data && q.data.length === 0 && <Empty>Nothing has happened here yet.</Empty>}
      {q.data && q.data.length > 0 && (
        <ol className="timeline">
          {q.data.map((e) => (
            <li key={e.id}>
              <div className="timeline-summary">{e.summary}</div>
              <div className="timeline-meta">
                {formatDateTime(e.at)} · {e.actorName} ({e.actorRole}) · {words(e.action)}
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

export function MoreButton(props: { hasMore: boolean; loading: boolean; onClick(): void; shown: number }) {
  return (
    <div className="more">
      <span className="more-count">{props.shown} shown</span>
      {props.hasMore && (
        <button type="button" className="btn" onClick={props.onClick} disabled={props.loading}>
          {props.loading ? "Loading…" : "Load more"}
        </button>
      )}
    </div>
  );
}
