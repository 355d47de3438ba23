import { useEffect, useState } from "react";
import type { SyncReport } from "../../lib/api/bindings/SyncReport";
import { deskNowMs, formatDateTime } from "../../lib/format";
import { useNotify } from "../../lib/notify";
import { useAction, useCommand, useInvalidate } from "../../lib/query";
import { useSession } from "../../lib/session";

/** The business unit's sync state, read every few seconds (one shared query for the whole shell). */
export function useSyncStatus() {
  const s = useSession();
  return useCommand("sync.status", {}, { enabled: s.bu !== null, refreshMs: 5000 });
}

/** "1 change", "3 changes". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the state word says: online, offline, never (not connected yet), unauthorized (key refused). */
export const STATE_WORD: Record<string, string> = {
  online: "Online",
  offline: "Offline",
  never: "Not connected",
  unauthorized: "Key refused",
  paused: "Paused",
};
export const STATE_TONE: Record<string, string> = {
  online: "ok",
  offline: "warn",
  never: "muted",
  unauthorized: "bad",
};

/** The desk's clock, ticking every `ms` (relative times stay right while nothing else changes). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => deskNowMs());
  useEffect(() => {
    const t = window.setInterval(() => setNow(deskNowMs()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}

/** "just now", "40 s ago", "3 min ago", "2 h ago", else the date and time. */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return formatDateTime(iso);
}

/** One sentence for what a Sync now did. */
function reportText(r: SyncReport): string {
  const parts: string[] = [];
  if (r.push.sent > 0) parts.push(`${count(r.push.sent, "change")} sent`);
  if (r.pull) parts.push(r.pull.adopted > 0 ? `${count(r.pull.adopted, "update")} from the remote` : "nothing new from the remote");
  if (r.push.held > 0) parts.push(`${r.push.held} held behind a conflict`);
  return parts.length ? `Synced: ${parts.join(", ")}.` : "Synced.";
}

/**
 * "Sync now": push and pull at once; the answer goes to the banner (refused changes and being
 * offline as errors), then the status and — when the remote sent something — every list refresh.
 */
export function useSyncNow() {
  const notify = useNotify();
  const invalidate = useInvalidate();
  return useAction("sync.now", {
    onSuccess: (r) => {
      if ((r.pull?.adopted ?? 0) > 0) invalidate([""]);
      if (r.state === "unauthorized") {
        notify.error(`The remote refused the API key${r.error ? `: ${r.error}` : "."} An administrator can enter a new key in Settings → Sync.`);
      } else if (r.state === "offline") {
        notify.error(`Offline: ${r.error ?? "the remote did not answer"}. Changes wait here and are sent when it answers.`);
      } else if (r.push.conflicts > 0) {
        notify.error(`The remote refused ${count(r.push.conflicts, "change")}; see Sync conflicts.`);
      } else {
        notify.success(reportText(r));
      }
    },
  });
}
