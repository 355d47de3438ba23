import { useState } from "react";
import type { BackupFile } from "../../lib/api/bindings/BackupFile";
import { formatBytes, formatDateTime } from "../../lib/format";
import { href } from "../../lib/router";
import { useAction, useCommand } from "../../lib/query";
import { useSession } from "../../lib/session";
import { Card, Check, Empty, Field, Input, LoadError, Loading } from "../../lib/ui";

/** Why a backup was made, in words. */
const REASON: Record<string, string> = { manual: "by hand", daily: "daily", "before-update": "before an update" };

/** When a backup was made: its manifest's time, else its file name. */
function madeAt(f: BackupFile): string {
  return f.manifest ? formatDateTime(f.manifest.createdAt) : f.name;
}

/** Settings → Backups (administrators): the last backup, "Back up now", the folder, the list, and restoring one at the next start. */
export function Backups() {
  const s = useSession();
  const may = s.can("backups.status");
  const status = useCommand("backups.status", {}, { enabled: may });
  const now = useAction("backups.create", { success: (m) => `Backed up: ${m.path} (${formatBytes(m.bytes)}).` });
  const clear = useAction("backups.clearRestore", { success: (a) => a.message });
  const restore = useAction("backups.restore", {
    success: (m) => `The backup of ${formatDateTime(m.createdAt)} will be restored when FlexDesk starts next.`,
    onSuccess: () => {
      setAsking(null);
      setOtherPass("");
    },
  });
  const [asking, setAsking] = useState<BackupFile | null>(null);
  const [otherPass, setOtherPass] = useState("");
  if (!may) return null;
  const st = status.data;
  return (
    <div id="backups" data-testid="backups-card">
      <Card
        title="Backups"
        actions={
          <button className="btn btn-small" disabled={now.isPending} onClick={() => now.mutate({})} data-testid="backup-now">
            {now.isPending ? "Backing up…" : "Back up now"}
          </button>
        }
      >
        <LoadError error={status.error} />
        {status.isLoading && <Loading />}
        {st && (
          <>
            <p className="small" data-testid="backup-last">
              {st.lastGoodAt ? `Last good backup ${formatDateTime(st.lastGoodAt)}${st.lastGoodBytes ? ` (${formatBytes(st.lastGoodBytes)})` : ""}.` : "No backup yet."}{" "}
              <span className="muted">A backup holds the whole database and its files; FlexDesk also makes one before every update.</span>
            </p>
            {st.lastError && (
              <p className="small bad-text" data-testid="backup-error">
                The last backup failed: {st.lastError}
              </p>
            )}
            {st.restorePending && (
              <div className="notice small" data-testid="backup-restore-pending">
                <span>{st.restorePending} will be restored when FlexDesk starts next; the current database is then kept aside.</span>{" "}
                <button className="btn btn-small btn-ghost" onClick={() => clear.mutate({})} data-testid="backup-restore-cancel">
                  Don't restore
                </button>
              </div>
            )}
            {!st.restorePending && st.restoreResult && (
              <div className="notice small" data-testid="backup-restore-result">
                <span>{st.restoreResult}</span>{" "}
                <button className="btn btn-small btn-ghost" onClick={() => clear.mutate({})}>
                  Dismiss
                </button>
              </div>
            )}
            <BackupSettings key={`${st.on}${st.folder}${st.encrypted}`} on={st.on} folder={st.defaultFolder ? "" : st.folder} shown={st.folder} encrypted={st.encrypted} />
            {st.files.length === 0 && <Empty>No backups in {st.folder} yet.</Empty>}
            {st.files.length > 0 && (
              <table className="table compact" data-testid="backups-table">
                <thead>
                  <tr>
                    <th>Made</th>
                    <th>Why</th>
                    <th className="num">Size</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {st.files.map((f) => (
                    <tr key={f.name} data-testid="backup-row">
                      <td title={f.name} className="nowrap">
                        {madeAt(f)}
                      </td>
                      <td>
                        {f.manifest ? (REASON[f.manifest.reason] ?? f.manifest.reason) : <span className="bad-text">{f.problem}</span>}
                        {f.encrypted && <span className="muted"> · encrypted</span>}
                      </td>
                      <td className="num">{formatBytes(f.bytes)}</td>
                      <td className="num">
                        {(f.manifest || f.encrypted) && (
                          <button className="btn btn-small" disabled={asking === f} onClick={() => setAsking(f)} data-testid="backup-restore">
                            Restore…
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {asking && (
              <div className="notice small stack" data-testid="backup-restore-ask">
                <span>
                  Restore the backup of <strong>{madeAt(asking)}</strong>? The desk goes back to that moment when FlexDesk starts next: what was done since is not in it. The
                  database it replaces is kept aside.
                </span>
                {asking.encrypted && !asking.manifest && (
                  <Field label="This backup's passphrase" hint="It was encrypted with another passphrase than this desk's." error={restore.error?.field("passphrase")}>
                    <Input type="password" autoComplete="off" value={otherPass} onChange={(e) => setOtherPass(e.target.value)} testId="backup-restore-passphrase" />
                  </Field>
                )}
                <span className="row gap wrap">
                  <button
                    className="btn btn-small btn-danger"
                    disabled={restore.isPending}
                    onClick={() => restore.mutate({ name: asking.name, passphrase: otherPass || undefined })}
                    data-testid="backup-restore-confirm"
                    autoFocus
                  >
                    Restore the backup of {madeAt(asking)}
                  </button>
                  <button className="btn btn-small btn-ghost" onClick={() => setAsking(null)}>
                    No
                  </button>
                </span>
              </div>
            )}
          </>
        )}
      </Card>
    </div>
  );
}

function BackupSettings(props: { on: boolean; folder: string; shown: string; encrypted: boolean }) {
  const [on, setOn] = useState(props.on);
  const [folder, setFolder] = useState(props.folder);
  const [pass, setPass] = useState("");
  const save = useAction("backups.settings", {
    success: (st) => `${st.on ? `Daily backups go to ${st.folder}` : "Daily backups are off"}${st.encrypted ? ", encrypted with the passphrase" : ""}.`,
  });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ on, folder: folder.trim(), passphrase: pass || undefined });
      }}
    >
      <Check label="Back up every day (kept: 7 daily, 4 weekly, 12 monthly)" checked={on} onChange={setOn} testId="backup-on" />
      <Field label="Folder" hint="A USB disk or a synced folder keeps the business safe when this computer is lost. Empty: beside the database." error={save.error?.field("folder")}>
        <Input value={folder} onChange={(e) => setFolder(e.target.value)} placeholder={props.shown} className="mono" testId="backup-folder" />
      </Field>
      <Field
        label={props.encrypted ? "Backups are encrypted: a new passphrase" : "Encrypt backups with a passphrase"}
        hint="10 characters at least, kept in the OS keyring or sealed on this desk. A backup cannot be restored without it elsewhere: write it down somewhere safe."
        error={save.error?.field("passphrase")}
      >
        <Input type="password" autoComplete="new-password" value={pass} onChange={(e) => setPass(e.target.value)} testId="backup-passphrase" />
      </Field>
      <div className="row gap">
        <button className="btn" disabled={save.isPending} data-testid="backup-save">
          Save
        </button>
        {props.encrypted && (
          <button type="button" className="btn btn-ghost" disabled={save.isPending} onClick={() => save.mutate({ passphrase: "" })} data-testid="backup-stop-encrypting">
            Stop encrypting
          </button>
        )}
      </div>
    </form>
  );
}

/** The top bar's warning to administrators when the last good backup is more than two days old. */
export function BackupWarning() {
  const s = useSession();
  const may = s.can("backups.health");
  const health = useCommand("backups.health", {}, { enabled: may, refreshMs: 5 * 60_000 });
  if (!may || !health.data?.stale) return null;
  const last = health.data.lastGoodAt;
  return (
    <a className="backup-warning" href={`${href("settings")}`} data-testid="backup-warning" title="Settings → Backups">
      {last ? `No backup since ${formatDateTime(last)}` : "No backup yet"}
    </a>
  );
}
