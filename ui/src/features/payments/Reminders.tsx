// Payments → Reminders: the letters due today for overdue money (one per customer, at the highest
// step among its payments), sent all or some at once; customers held (a dispute, a payment plan)
// until a day; and the letters sent, each as a PDF.
import { useState } from "react";
import type { DunningItem } from "../../lib/api/bindings/DunningItem";
import type { DunningLevel } from "../../lib/api/bindings/DunningLevel";
import type { Hold } from "../../lib/api/bindings/Hold";
import type { Proposal } from "../../lib/api/bindings/Proposal";
import type { Reminder } from "../../lib/api/bindings/Reminder";
import { rolesFor } from "../../lib/access";
import { countOf as count, formatDate, todayIso } from "../../lib/format";
import { useNotify } from "../../lib/notify";
import { useAction, useCommand } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { useSelection } from "../../lib/useSelection";
import { Badge, Card, Empty, Field, FormError, Input, LoadError, Loading, RoleHint } from "../../lib/ui";
import { Dialog } from "../../lib/ui/Dialog";
import { LetterButton } from "../../lib/ui/LetterButton";
import { MailCard } from "./MailCard";

/** The tab's line under the screen's title. */
export const REMINDERS_HINT = "Letters for overdue payments, step by step: the ones due today, customers held, and the letters sent.";

/** An amount that is not zero ("0", "0.00" are). */
function some(amount: string | null | undefined): boolean {
  const n = Number(amount ?? "0");
  return Number.isFinite(n) && n !== 0;
}

/** A day (YYYY-MM-DD) `days` later. */
function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "Friendly reminder after 3 days, First notice after 14, Final notice after 28 (fee € 15,00)". */
export function stepsText(levels: DunningLevel[], money: (a: string) => string): string {
  return levels
    .map((l, i) => `${l.name} after ${i === 0 ? count(l.days, "day") : l.days}${some(l.fee) ? ` (fee ${money(l.fee)})` : ""}`)
    .join(", ");
}

/** The letters sent, as the success banner says it. */
function sentText(list: Reminder[]): string {
  if (list.length === 1) return `1 letter sent, to ${list[0].customerName}: its PDF is in the list of letters sent.`;
  return `${list.length} letters sent: their PDFs are in the list of letters sent.`;
}

/** The step's badge: the last step in red, the ones before in amber. */
function StepBadge(props: { level: number; name: string; steps: number }) {
  return <Badge status={props.level >= props.steps ? "overdue" : "pending"} label={props.name} />;
}

export function Reminders() {
  const s = useSession();
  const q = useCommand("dunning.proposals", {});
  const [sending, setSending] = useState<Proposal[] | null>(null);
  const [holding, setHolding] = useState<{ customerId: string; customerName: string } | null>(null);
  const [justSent, setJustSent] = useState<Set<string>>(new Set());
  const data = q.data;
  const proposals = data?.proposals ?? [];
  const levels = s.bu?.settings.dunning ?? [];
  const today = data?.today ?? todayIso();
  const selection = useSelection(proposals, (p) => p.customerId);
  const chosen = selection.chosen;
  const maySend = s.can("dunning.send");
  const mayHold = s.can("dunning.hold");

  return (
    <>
      <Card
        title={
          <>
            Letters due today {data && <span className="muted small">· {formatDate(data.today)}</span>}
          </>
        }
        actions={
          <>
            <button
              type="button"
              className="btn btn-primary"
              disabled={!maySend || chosen.length === 0}
              title={!maySend ? `Needs ${rolesFor("dunning.send")}` : chosen.length === 0 ? "Tick the letters to send first." : `Send the ${count(chosen.length, "letter")} ticked`}
              onClick={() => setSending(chosen)}
              data-testid="dunning-send"
            >
              {chosen.length > 0 ? `Send ${chosen.length} selected…` : "Send selected…"}
            </button>
            <button
              type="button"
              className="btn"
              disabled={!maySend || proposals.length === 0}
              title={!maySend ? `Needs ${rolesFor("dunning.send")}` : proposals.length === 0 ? "No letters are due today." : `Send every letter due today (${proposals.length})`}
              onClick={() => setSending(proposals)}
              data-testid="dunning-send-all"
            >
              {proposals.length > 0 ? `Send all ${proposals.length}…` : "Send all…"}
            </button>
          </>
        }
      >
        <p className="small muted dunning-steps" data-testid="dunning-steps">
          {levels.length > 0 ? (
            <>
              Steps: {stepsText(levels, s.money)}. A payment gets each step once; set in <a href={href("settings")}>Settings → Business unit</a>.
            </>
          ) : (
            <>
              This unit has no reminder steps, so no letters are proposed: add them in <a href={href("settings")}>Settings → Business unit</a>.
            </>
          )}
        </p>
        {!maySend && <RoleHint roles={rolesFor("dunning.send")} />}
        <LoadError error={q.error} />
        {q.isLoading && <Loading what="the letters due" />}
        {data && proposals.length === 0 && <Empty>No letters are due today.</Empty>}
        {proposals.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="dunning-table">
              <thead>
                <tr>
                  <th>
                    <input
                      type="checkbox"
                      aria-label="Select every letter due"
                      checked={selection.all}
                      disabled={!maySend}
                      onChange={(e) => selection.setAll(e.target.checked)}
                      data-testid="dunning-select-all"
                    />
                  </th>
                  <th>Customer</th>
                  <th>Letter</th>
                  <th>Overdue payments</th>
                  <th className="num">Open</th>
                  <th className="col-actions">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {proposals.map((p) => (
                  <tr key={p.customerId} data-testid="dunning-row" data-customer-id={p.customerId} data-level={p.level} className={selection.has(p.customerId) ? "selected" : ""}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select the letter to ${p.customerName}`}
                        checked={selection.has(p.customerId)}
                        disabled={!maySend}
                        onChange={(e) => selection.toggle(p.customerId, e.target.checked)}
                        data-testid="dunning-select"
                      />
                    </td>
                    <td>
                      <a href={href("customers", p.customerId)} data-testid="dunning-customer">
                        {p.customerName}
                      </a>
                      {p.email && <div className="small muted">{p.email}</div>}
                    </td>
                    <td>
                      <StepBadge level={p.level} name={p.levelName} steps={levels.length} />
                      <div className="small muted nowrap">
                        step {p.level}
                        {levels.length >= p.level ? ` of ${levels.length}` : ""}
                      </div>
                    </td>
                    <td className="small">
                      <Items items={p.items} level={p.level} />
                    </td>
                    <td className="num">
                      <span className="nowrap">{s.money(p.totalOpen)}</span>
                      {some(p.fee) && (
                        <div className="small muted nowrap" data-testid="dunning-fee">
                          + {s.money(p.fee)} fee
                        </div>
                      )}
                    </td>
                    <td className="num col-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!mayHold}
                        title={mayHold ? `Hold the letters to ${p.customerName} until a day (a dispute, a payment plan)` : `Needs ${rolesFor("dunning.hold")}`}
                        onClick={() => setHolding(p)}
                        data-testid="dunning-hold"
                      >
                        Hold…
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <HeldCard held={data?.held ?? []} loading={q.isLoading} />
      <SentCard justSent={justSent} />
      <MailCard />
      {sending && (
        <SendDialog
          proposals={sending}
          today={today}
          language={data?.language ?? ""}
          onClose={() => setSending(null)}
          onDone={(list) => {
            setSending(null);
            selection.clear();
            setJustSent(new Set(list.map((r) => r.reminderId)));
          }}
        />
      )}
      {holding && <HoldDialog customerId={holding.customerId} customerName={holding.customerName} today={today} onClose={() => setHolding(null)} />}
    </>
  );
}

/** A proposal's overdue payments, small: three at most until opened. */
function Items(props: { items: DunningItem[]; level: number }) {
  const s = useSession();
  const [all, setAll] = useState(false);
  const items = props.items;
  const long = items.length > 3;
  const shown = long && !all ? items.slice(0, 2) : items;
  return (
    <>
      <ul className="dunning-items">
        {shown.map((i) => (
          <li key={i.paymentId} data-testid="dunning-item" data-payment-id={i.paymentId}>
            {i.invoiceNumber && <span className="mono">{i.invoiceNumber}</span>} {i.description} ·{" "}
            <span className="nowrap">
              <span className="bad-text">{count(i.daysOverdue, "day")} overdue</span> · {s.money(i.amountOpen)}
              {i.level !== props.level && <span className="muted"> ({i.levelName})</span>}
            </span>
          </li>
        ))}
      </ul>
      {long && (
        <button type="button" className="btn btn-small btn-ghost" aria-expanded={all} onClick={() => setAll(!all)} data-testid="dunning-items-toggle">
          {all ? "▾ Fewer" : `▸ ${items.length - shown.length} more`}
        </button>
      )}
    </>
  );
}

function SendDialog(props: { proposals: Proposal[]; today: string; language: string; onClose(): void; onDone(list: Reminder[]): void }) {
  const s = useSession();
  const ps = props.proposals;
  const send = useAction("dunning.send", { quiet: true, success: sentText, onSuccess: props.onDone });
  const fees = ps.filter((p) => some(p.fee)).length;
  const n = ps.length;
  return (
    <Dialog title={n === 1 ? `Send the letter to ${ps[0].customerName}` : `Send ${n} letters`} onClose={props.onClose} testId="dunning-send-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate({ customerIds: ps.map((p) => p.customerId) });
        }}
      >
        <p>
          {n === 1 ? "The letter is" : "The letters are"}
          {props.language ? ` written in ${props.language} (the unit's language) and` : ""} recorded as sent on {formatDate(props.today)}
          {fees > 0 ? `, and ${fees === 1 ? "its fee is" : "each fee is"} charged as a payment of its own` : ""}. Each letter is then in the list of letters sent, as a PDF to print or pass on.
        </p>
        <ul className="pay-list">
          {ps.map((p) => (
            <li key={p.customerId}>
              <span>
                {p.customerName} · {p.levelName}
              </span>
              <span className="num nowrap">
                {s.money(p.totalOpen)}
                {some(p.fee) ? ` + ${s.money(p.fee)} fee` : ""}
              </span>
            </li>
          ))}
        </ul>
        <FormError error={send.error} fields={[]} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={send.isPending} data-testid="dunning-send-confirm">
            {send.isPending ? "Sending…" : n === 1 ? "Send the letter" : `Send ${n} letters`}
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Hold a customer's letters until a day (today or later), with the reason. */
function HoldDialog(props: { customerId: string; customerName: string; today: string; onClose(): void }) {
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState(addDays(props.today, 14));
  const hold = useAction("dunning.hold", {
    quiet: true,
    success: () => `Letters to ${props.customerName} held until ${formatDate(until)}.`,
    onSuccess: props.onClose,
  });
  const why = !reason.trim() ? "Say why the letters wait." : !until ? "Choose the last day of the hold." : until < props.today ? "The hold lasts until today or a later day." : undefined;
  return (
    <Dialog title={`Hold the letters to ${props.customerName}`} onClose={props.onClose} testId="dunning-hold-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          hold.mutate({ customerId: props.customerId, reason: reason.trim(), until });
        }}
      >
        <p className="small muted">Until then no letter is proposed to them; their payments stay open. From the day after, the letters due are proposed again.</p>
        <div className="form-grid">
          <Field label="Why" wide error={hold.error?.field("reason")}>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} placeholder="e.g. Disputes the invoice; a payment plan agreed" autoFocus testId="hold-reason" />
          </Field>
          <Field label="Held until (the last day)" error={hold.error?.field("until")}>
            <Input type="date" value={until} min={props.today} onChange={(e) => setUntil(e.target.value)} testId="hold-until" />
          </Field>
        </div>
        <FormError error={hold.error} fields={["reason", "until"]} />
        <div className="row gap">
          <button className="btn btn-primary" disabled={hold.isPending || !!why} title={why} data-testid="hold-confirm">
            {hold.isPending ? "Saving…" : until ? `Hold until ${formatDate(until)}` : "Hold"}
          </button>
          <button type="button" className="btn btn-ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Ending a hold: the customer's letters are proposed again (said in the success banner). */
function useEndHold() {
  const notify = useNotify();
  const [name, setName] = useState("");
  const end = useAction("dunning.hold", {
    onSuccess: () => notify.success(`The hold on ${name || "the customer"} ended: letters due to them are proposed again.`),
  });
  return {
    isPending: end.isPending,
    run: (h: Hold) => {
      setName(h.customerName);
      end.mutate({ customerId: h.customerId });
    },
  };
}

function HeldCard(props: { held: Hold[]; loading: boolean }) {
  const s = useSession();
  const may = s.can("dunning.hold");
  const end = useEndHold();
  return (
    <Card title="Held">
      <div data-testid="dunning-held">
        {!props.loading && props.held.length === 0 && <Empty>No customer is held: every letter due is proposed.</Empty>}
        {props.held.length > 0 && (
          <table className="table middle">
            <thead>
              <tr>
                <th>Customer</th>
                <th>Why</th>
                <th>Until</th>
                <th className="col-actions">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.held.map((h) => (
                <tr key={h.customerId} data-testid="dunning-held-row" data-customer-id={h.customerId}>
                  <td>
                    <a href={href("customers", h.customerId)}>{h.customerName}</a>
                  </td>
                  <td>
                    {h.reason}
                    <div className="small muted">by {h.createdBy}</div>
                  </td>
                  <td className="nowrap">{formatDate(h.until)}</td>
                  <td className="num col-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={!may || end.isPending}
                      title={may ? `End the hold: letters due to ${h.customerName} are proposed again today` : `Needs ${rolesFor("dunning.hold")}`}
                      onClick={() => end.run(h)}
                      data-testid="dunning-end-hold"
                    >
                      End hold
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Card>
  );
}

const SHOWN = 20;

function SentCard(props: { justSent: Set<string> }) {
  const s = useSession();
  const q = useCommand("dunning.sent", {});
  const [all, setAll] = useState(false);
  const list = q.data ?? [];
  const shown = all ? list : list.slice(0, SHOWN);
  return (
    <Card title="Letters sent" actions={list.length > 0 && <span className="muted small">newest first</span>}>
      <div data-testid="dunning-sent">
        <LoadError error={q.error} />
        {q.isLoading && <Loading what="the letters sent" />}
        {q.data && list.length === 0 && <Empty>No letters sent yet.</Empty>}
        {list.length > 0 && (
          <div className="table-wrap">
            <table className="table middle">
              <thead>
                <tr>
                  <th>Sent</th>
                  <th>Customer</th>
                  <th>Letter</th>
                  <th>Payments</th>
                  <th className="num">Open</th>
                  <th className="col-actions">
                    <span className="sr-only">Letter</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.reminderId} data-testid="dunning-sent-row" data-reminder-id={r.reminderId} data-customer-id={r.customerId} className={props.justSent.has(r.reminderId) ? "selected" : ""}>
                    <td className="nowrap">
                      {formatDate(r.sentOn)}
                      <div className="small muted">by {r.sentBy}</div>
                    </td>
                    <td>
                      <a href={href("customers", r.customerId)}>{r.customerName}</a>
                      {r.mailedTo && <div className="small muted">mailed to {r.mailedTo}</div>}
                    </td>
                    <td>{r.levelName}</td>
                    <td className="small">
                      {count(r.items.length, "payment")}
                      {r.items.some((i) => i.invoiceNumber) && (
                        <div className="muted mono">
                          {r.items
                            .map((i) => i.invoiceNumber)
                            .filter(Boolean)
                            .join(", ")}
                        </div>
                      )}
                    </td>
                    <td className="num">
                      <span className="nowrap">{s.money(r.totalOpen)}</span>
                      {r.feePaymentId && (
                        <div className="small">
                          <a className="muted" href={`${href("payments")}?tab=all&customer=${encodeURIComponent(r.customerId)}`} title="The fee is a payment of its own">
                            fee charged
                          </a>
                        </div>
                      )}
                    </td>
                    <td className="num col-actions">
                      <LetterButton reminder={r} testId="dunning-letter" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {list.length > SHOWN && (
          <div className="more">
            <span className="more-count">
              {shown.length} of {list.length} shown
            </span>
            <button type="button" className="btn" onClick={() => setAll(!all)}>
              {all ? `Show the latest ${SHOWN}` : "Show all"}
            </button>
          </div>
        )}
      </div>
    </Card>
  );
}
