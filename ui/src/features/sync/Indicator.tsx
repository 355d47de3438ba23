import { useEffect, useRef } from "react";
import { useInvalidate } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { ago, count, STATE_TONE, STATE_WORD, useNow, useSyncNow, useSyncStatus } from "./shared";

/**
 * The shell's sync state: a dot and a word, when it last synced, what waits, the open conflicts
 * (a link to the inbox) and "Sync now". Quiet when the business unit does not sync.
 */
export function SyncIndicator() {
  const s = useSession();
  const status = useSyncStatus();
  const sync = useSyncNow();
  const now = useNow(10_000);
  const admin = s.can("sync.remote");
  const st = status.data;
  // A pull that wrote something (in the background too): every screen reads its data again.
  const invalidate = useInvalidate();
  const adopted = st?.lastAdoptedAt ?? null;
  const seen = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (seen.current !== undefined && seen.current !== adopted) invalidate([""]);
    seen.current = adopted;
  }, [adopted, invalidate]);
  if (!s.bu) return null;
  if (!st) {
    return status.error ? (
      <div className="sync-ind" data-testid="sync-indicator" data-state="error" title={status.error.message}>
        <span className="sync-dot tone-muted" aria-hidden />
        <span className="sync-meta">Sync status unknown</span>
      </div>
    ) : null;
  }
  const conflicts =
    st.conflicts > 0 ? (
      <a className="sync-conflicts" href={href("sync")} data-testid="sync-conflicts">
        {count(st.conflicts, "conflict")}
      </a>
    ) : null;

  if (!st.configured || !st.enabled) {
    const word = st.configured ? "Sync paused" : "Sync off";
    const why = st.configured ? "Sync is switched off for this business unit." : "This business unit does not sync with a remote.";
    return (
      <div className="sync-ind sync-quiet" data-testid="sync-indicator" data-state={st.configured ? "paused" : "off"}>
        {admin ? (
          <a href={href("settings", "sync")} title={`${why} Set it up in Settings → Sync.`} data-testid="sync-state">
            {word}
          </a>
        ) : (
          <span title={why} data-testid="sync-state">
            {word}
          </span>
        )}
        {st.waiting > 0 && <span data-testid="sync-waiting">· {st.waiting} waiting</span>}
        {conflicts && <>· {conflicts}</>}
      </div>
    );
  }

  const word = STATE_WORD[st.state] ?? st.state;
  const tone = STATE_TONE[st.state] ?? "muted";
  const title = [`Syncs with ${st.baseUrl ?? "the remote"}`, st.lastSyncAt ? `last reached ${new Date(st.lastSyncAt).toLocaleString()}` : "not reached yet", st.lastError].filter(Boolean).join("\n");
  return (
    <div className="sync-ind" data-testid="sync-indicator" data-state={st.state} title={title}>
      <span className={`sync-dot tone-${tone}`} aria-hidden />
      {admin ? (
        <a className="sync-word" href={href("settings", "sync")} data-testid="sync-state">
          {word}
        </a>
      ) : (
        <span className="sync-word" data-testid="sync-state">
          {word}
        </span>
      )}
      <span className="sync-meta sync-last" data-testid="sync-last">
        {st.pullProgress != null ? `reading… ${st.pullProgress}` : `last sync ${ago(st.lastSyncAt, now)}`}
      </span>
      <span className={`sync-meta ${st.waiting > 0 ? "sync-waiting-some" : ""}`} data-testid="sync-waiting">
        {st.waiting} waiting
      </span>
      {conflicts}
      <button type="button" className="btn btn-ghost btn-small" disabled={sync.isPending} onClick={() => sync.mutate({})} data-testid="sync-now">
        {sync.isPending ? "Syncing…" : "Sync now"}
      </button>
    </div>
  );
}
