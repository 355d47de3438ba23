// Payments → Reminders, the Mail card: the latest letters emailed with their delivery state, and
// "Send mail now"; without a mail account, who sets one.
import type { MailRecord } from "../../lib/api/bindings/MailRecord";
import { rolesFor } from "../../lib/access";
import { countOf as count, formatDateTime } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, LoadError, Loading } from "../../lib/ui";

/** The mail's badge: waiting in amber, sent in green, given up in red. */
const MAIL_STATUS: Record<string, { status: string; label: string }> = {
  queued: { status: "pending", label: "waiting" },
  sent: { status: "paid", label: "sent" },
  failed: { status: "failed", label: "failed" },
};

const MAILS_SHOWN = 10;

/** The letters emailed: the latest mails and "Send mail now"; without a mail account, who sets one. */
export function MailCard() {
  const s = useSession();
  const may = s.can("mail.log");
  const account = useCommand("mail.get", {}, { enabled: may });
  const configured = account.data?.configured ?? false;
  const log = useCommand("mail.log", {}, { enabled: may && configured, refreshMs: 5000 });
  const send = useAction("mail.sendNow", { success: (r) => `${count(r.sent, "mail")} sent.` });
  if (!may) return null;
  const list = log.data ?? [];
  const mayAsk = s.can("mail.sendNow");
  return (
    <Card
      title="Mail"
      actions={
        configured && (
          <button
            type="button"
            className="btn btn-small"
            disabled={!mayAsk || send.isPending}
            title={mayAsk ? "Send the mail that is due now instead of waiting for the next round" : `Needs ${rolesFor("mail.sendNow")}`}
            onClick={() => send.mutate({})}
            data-testid="mail-send-now"
          >
            {send.isPending ? "Sending…" : "Send mail now"}
          </button>
        )
      }
    >
      <LoadError error={account.error} />
      {account.isLoading && <Loading what="the mail account" />}
      {account.data && !configured && (
        <p className="small muted" data-testid="mail-none">
          No mail account: letters are not emailed. An administrator sets one in <a href={href("settings")}>Settings</a>.
        </p>
      )}
      {configured && (
        <div data-testid="mail-log">
          {account.data && !account.data.enabled && <p className="small muted">The mail account is switched off: letters are kept here and not emailed until it is switched on in Settings.</p>}
          <LoadError error={log.error} />
          {log.isLoading && <Loading what="the mail sent" />}
          {log.data && list.length === 0 && <Empty>No letters emailed yet.</Empty>}
          {list.length > 0 && (
            <div className="table-wrap">
              <table className="table compact">
                <thead>
                  <tr>
                    <th>To</th>
                    <th>Subject</th>
                    <th>Status</th>
                    <th className="num">Tries</th>
                    <th>Sent / next try</th>
                  </tr>
                </thead>
                <tbody>
                  {list.slice(0, MAILS_SHOWN).map((m: MailRecord) => {
                    const st = MAIL_STATUS[m.status] ?? { status: m.status, label: m.status };
                    return (
                      <tr key={m.mailId} data-testid="mail-row" data-mail-id={m.mailId} data-status={m.status}>
                        <td className="small">{m.to}</td>
                        <td className="small">
                          {m.subject}
                          {m.lastError && (
                            <div className="bad-text" data-testid="mail-error">
                              {m.lastError}
                            </div>
                          )}
                        </td>
                        <td>
                          <Badge status={st.status} label={st.label} />
                        </td>
                        <td className="num">{m.attempts}</td>
                        <td className="small nowrap">
                          {m.status === "sent" ? (m.sentAt ? formatDateTime(m.sentAt) : "sent") : m.status === "queued" ? `next try ${formatDateTime(m.nextTryAt)}` : "given up"}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {list.length > MAILS_SHOWN && (
            <p className="small muted">
              The latest {MAILS_SHOWN} of {list.length} shown.
            </p>
          )}
        </div>
      )}
    </Card>
  );
}
