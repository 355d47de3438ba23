import { useState } from "react";
import type { Delivery } from "../../lib/api/bindings/Delivery";
import type { Endpoint } from "../../lib/api/bindings/Endpoint";
import { formatDateTime } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Badge, Card, Check, Empty, Field, FormError, Input, LoadError, Loading } from "../../lib/ui";
import { AllowAddress } from "../../lib/ui/AllowAddress";
import { Dialog } from "../../lib/ui/Dialog";
import { WEBHOOK_EVENTS } from "../../lib/api/bindings/Vocabulary";

/** The events a business unit can send: the core's `webhooks::EVENTS`. */
const EVENTS = WEBHOOK_EVENTS;

function EventPicker(props: { value: string[]; onChange(v: string[]): void }) {
  const all = props.value.includes("*");
  return (
    <div className="stack small" data-testid="webhook-events">
      <Check label="All events" checked={all} onChange={(v) => props.onChange(v ? ["*"] : [])} />
      {!all && (
        <div className="event-grid">
          {EVENTS.map((e) => (
            <Check
              key={e}
              label={<span className="mono">{e}</span>}
              checked={props.value.includes(e)}
              onChange={(v) => props.onChange(v ? [...props.value, e] : props.value.filter((x) => x !== e))}
            />
          ))}
        </div>
      )}
    </div>
  );
}

/** Webhook endpoints of the business unit: add, pause, test, remove, see the signing secret. */
export function Webhooks() {
  const s = useSession();
  const may = s.can("webhooks.list");
  const endpoints = useCommand("webhooks.list", {}, { enabled: may, refreshMs: 5000 });
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>(["*"]);
  const [allow, setAllow] = useState(false);
  const [secretOf, setSecretOf] = useState<string | null>(null);
  const save = useAction("webhooks.save", {
    onSuccess: (e, req) => {
      if (!req.id) {
        setUrl("");
        setDescription("");
        setEvents(["*"]);
        setAllow(false);
        setSecretOf(e.id);
      }
    },
    success: (e) => (e.active ? `Events go to ${e.url}.` : `Paused: nothing is sent to ${e.url} until it is resumed.`),
  });
  const remove = useAction("webhooks.delete", { success: (r) => r.message });
  const test = useAction("webhooks.test", { success: (d) => `Test event queued for ${d.url}; see the delivery log.` });
  if (!may) return null;
  return (
    <Card title="Webhooks">
      <p className="muted small">
        FlexDesk POSTs each event of {s.bu?.name} as JSON to these URLs, signed with the endpoint's secret (header <span className="mono">FlexDesk-Signature</span>). Failed deliveries are retried
        for about nine hours; events wait in the database while the desk is closed.
      </p>
      <LoadError error={endpoints.error} />
      {endpoints.isLoading && <Loading />}
      {endpoints.data && endpoints.data.length === 0 && <Empty>No webhook endpoints yet.</Empty>}
      {endpoints.data?.map((e: Endpoint) => (
        <div className="webhook-endpoint" key={e.id} data-testid="webhook-endpoint">
          <div className="row gap space-between">
            <div>
              <div className="mono" data-testid="webhook-url">
                {e.url}
              </div>
              <div className="muted small">
                {e.description ? `${e.description} · ` : ""}
                {e.events.includes("*") ? "all events" : e.events.join(", ")}
                {e.addressConfirmed && <span data-testid="webhook-address-allowed"> · address allowed by an administrator</span>}
              </div>
            </div>
            <Badge status={e.active ? "active" : "inactive"} label={e.active ? "active" : "paused"} />
          </div>
          <div className="small" data-testid="webhook-counts">
            {e.pending} waiting · {e.failed} given up · last delivered {e.lastDeliveredAt ? formatDateTime(e.lastDeliveredAt) : "never"}
          </div>
          {secretOf === e.id && (
            <div className="secret small" data-testid="webhook-secret">
              {e.secret}
            </div>
          )}
          <div className="row gap">
            <button className="btn btn-small" disabled={test.isPending} onClick={() => test.mutate({ id: e.id })} data-testid="webhook-test">
              Send test event
            </button>
            <button className="btn btn-small" onClick={() => save.mutate({ id: e.id, active: !e.active })} data-testid="webhook-toggle">
              {e.active ? "Pause" : "Resume"}
            </button>
            <button className="btn btn-small btn-ghost" onClick={() => setSecretOf(secretOf === e.id ? null : e.id)} data-testid="webhook-show-secret">
              {secretOf === e.id ? "Hide secret" : "Signing secret"}
            </button>
            <button className="btn btn-small btn-danger" disabled={remove.isPending} onClick={() => remove.mutate({ id: e.id })} data-testid="webhook-remove">
              Remove
            </button>
          </div>
        </div>
      ))}
      <form
        className="stack"
        onSubmit={(ev) => {
          ev.preventDefault();
          save.mutate({ url: url.trim(), description: description.trim() || undefined, events, allowAddress: allow });
        }}
      >
        <Field label="Send events to" error={save.error?.field("url")}>
          <Input
            value={url}
            onChange={(ev) => {
              setUrl(ev.target.value);
              setAllow(false);
            }}
            placeholder="https://example.com/flexdesk-hook"
            className="mono"
            testId="webhook-new-url"
          />
        </Field>
        <AllowAddress error={save.error} field="url" checked={allow} onChange={setAllow} testId="webhook-allow-address" />
        <Field label="Description">
          <Input value={description} onChange={(ev) => setDescription(ev.target.value)} placeholder="e.g. accounting system" />
        </Field>
        <Field label="Events" error={save.error?.field("events")}>
          <EventPicker value={events} onChange={setEvents} />
        </Field>
        <div>
          <button className="btn btn-primary" disabled={!url.trim() || events.length === 0 || save.isPending} data-testid="webhook-add">
            Add endpoint
          </button>
        </div>
      </form>
    </Card>
  );
}

/** Every delivery, newest first, with its attempts; any can be sent again. */
export function WebhookDeliveries() {
  const s = useSession();
  const may = s.can("webhooks.deliveries");
  const [status, setStatus] = useState("");
  const list = useCommand("webhooks.deliveries", { status: status || undefined, limit: 50 }, { enabled: may, refreshMs: 3000 });
  const [open, setOpen] = useState<string | null>(null);
  if (!may) return null;
  return (
    <Card
      title="Webhook deliveries"
      actions={
        <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="deliveries-status">
          <option value="">All</option>
          <option value="pending">Waiting</option>
          <option value="delivered">Delivered</option>
          <option value="failed">Given up</option>
        </select>
      }
    >
      <LoadError error={list.error} />
      {list.isLoading && <Loading />}
      {list.data && list.data.length === 0 && <Empty>No deliveries{status ? " with this status" : " yet"}.</Empty>}
      {list.data && list.data.length > 0 && (
        <table className="table compact" data-testid="deliveries-table">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th className="num">Tries</th>
              <th>Last answer</th>
              <th>Queued</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d: Delivery) => (
              <tr key={d.id} className="clickable" onClick={() => setOpen(d.id)} data-testid="delivery-row">
                <td className="mono small">{d.event}</td>
                <td>
                  <Badge status={d.status === "pending" ? "pending" : d.status === "delivered" ? "paid" : "failed"} label={d.status === "pending" ? "waiting" : d.status === "failed" ? "given up" : "delivered"} />
                </td>
                <td className="num">{d.attempts}</td>
                <td className="small">{d.lastStatus != null ? `HTTP ${d.lastStatus}` : d.lastError ?? "—"}</td>
                <td className="small">{formatDateTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <DeliveryDialog id={open} onClose={() => setOpen(null)} />}
    </Card>
  );
}

function DeliveryDialog(props: { id: string; onClose(): void }) {
  const detail = useCommand("webhooks.delivery", { id: props.id }, { refreshMs: 3000 });
  // What came of Send again is said in the dialog, not in the page behind it.
  const redeliver = useAction("webhooks.redeliver", { quiet: true });
  const d = detail.data;
  return (
    <Dialog title={d ? `${d.delivery.event} → ${d.delivery.url}` : "Delivery"} onClose={props.onClose} wide testId="delivery-dialog">
      <LoadError error={detail.error} />
      {!d && <Loading />}
      {d && (
        <>
          <p className="small">
            Event <span className="mono">{d.delivery.eventId}</span> · delivery <span className="mono">{d.delivery.id}</span>
            {d.delivery.nextAttemptAt && <> · next try {formatDateTime(d.delivery.nextAttemptAt)}</>}
          </p>
          <h4>Attempts</h4>
          {d.attempts.length === 0 ? (
            <Empty>Not tried yet.</Empty>
          ) : (
            <table className="table compact" data-testid="attempts-table">
              <thead>
                <tr>
                  <th className="num">#</th>
                  <th>When</th>
                  <th>Answer</th>
                  <th className="num">ms</th>
                  <th>Response</th>
                </tr>
              </thead>
              <tbody>
                {d.attempts.map((a) => (
                  <tr key={a.attempt}>
                    <td className="num">{a.attempt}</td>
                    <td className="small">{formatDateTime(a.at)}</td>
                    <td className="small">{a.statusCode != null ? `HTTP ${a.statusCode}` : a.error}</td>
                    <td className="num">{a.durationMs}</td>
                    <td className="mono small clip">{a.response ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h4>Payload</h4>
          <pre className="payload" data-testid="delivery-payload">
            {JSON.stringify(d.payload, null, 2)}
          </pre>
          <FormError error={redeliver.error} fields={[]} />
          {redeliver.data && (
            <p className="small" role="status" data-testid="delivery-redelivered">
              {redeliver.data.event} will be sent to {redeliver.data.url} again now.
            </p>
          )}
          <div className="row gap">
            <button className="btn btn-primary" disabled={redeliver.isPending} onClick={() => redeliver.mutate({ id: d.delivery.id })} data-testid="delivery-redeliver">
              Send again
            </button>
            <button className="btn btn-ghost" onClick={props.onClose}>
              Close
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
