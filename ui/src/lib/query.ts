import { useCallback, useEffect } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AppError, call, type CommandName, type Commands } from "./api/client";
import { COMMAND_CHANGES } from "./api/bindings/Commands";
import type { Page } from "./api/bindings/Page";
import { useNotify } from "./notify";
import { useSession } from "./session";

type Req<K extends keyof Commands> = Commands[K]["req"];
type Res<K extends keyof Commands> = Commands[K]["res"];

/** Read a command's answer, cached per business unit. */
export function useCommand<K extends keyof Commands>(cmd: K, req: Req<K>, opts: { enabled?: boolean; refreshMs?: number | false } = {}) {
  const { bu } = useSession();
  return useQuery<Res<K>, AppError>({
    queryKey: [bu?.id ?? "", cmd, req],
    queryFn: () => call(cmd, req),
    enabled: opts.enabled ?? true,
    refetchInterval: opts.refreshMs ?? false,
  });
}

type PageItem<K extends keyof Commands> = Res<K> extends Page<infer T> ? T : never;

/** A keyset-paginated list: `loadMore` passes the last page's `nextCursor` as `startAfter`. */
export function usePagedList<K extends keyof Commands>(cmd: K, req: Req<K>, opts: { enabled?: boolean } = {}) {
  const { bu } = useSession();
  const q = useInfiniteQuery({
    queryKey: [bu?.id ?? "", cmd, "paged", req],
    queryFn: ({ pageParam }) =>
      call(cmd, { ...(req as object), ...(pageParam ? { startAfter: pageParam } : {}) } as Req<K>) as Promise<Page<PageItem<K>>>,
    initialPageParam: "" as string,
    getNextPageParam: (last: Page<PageItem<K>>) => (last.hasMore && last.nextCursor ? last.nextCursor : undefined),
    enabled: opts.enabled ?? true,
  });
  const items: PageItem<K>[] = q.data ? q.data.pages.flatMap((p) => p.items) : [];
  return { ...q, items, error: q.error as AppError | null };
}

/** The command prefixes whose cached answers are stale after `cmd`, as the command table declares. */
export function changedBy(cmd: CommandName): string[] {
  return COMMAND_CHANGES[cmd].map((area) => (area === "*" ? "" : `${area}.`));
}

/** Refresh the cached answers of every command starting with one of the prefixes (e.g. "orders."; "" is all). */
export function useInvalidate() {
  const qc = useQueryClient();
  return useCallback(
    (prefixes: string[]) => {
      if (prefixes.length) void qc.invalidateQueries({ predicate: (q) => prefixes.some((p) => String(q.queryKey[1]).startsWith(p)) });
    },
    [qc],
  );
}

/** Refresh what a command that ran outside `useAction` changed. */
export function useInvalidateAfter() {
  const invalidate = useInvalidate();
  return useCallback((cmd: CommandName) => invalidate(changedBy(cmd)), [invalidate]);
}

/**
 * The sentences of the field errors that failed actions show now, each with how many actions show
 * it: `Field` hides such an error once its input no longer holds what was sent (a sentence a form
 * works out itself from what is typed, such as "1 to 1000", stays while it is true).
 */
const actionFieldErrors = new Map<string, number>();

/** True when `text` is a field error of a failed action (not one a form works out as it is typed). */
export function isActionFieldError(text: string): boolean {
  return actionFieldErrors.has(text);
}

function useFieldErrorsShown(e: AppError | null) {
  useEffect(() => {
    const texts = e?.details.map((d) => d.message) ?? [];
    for (const t of texts) actionFieldErrors.set(t, (actionFieldErrors.get(t) ?? 0) + 1);
    return () => {
      for (const t of texts) {
        const n = (actionFieldErrors.get(t) ?? 1) - 1;
        if (n > 0) actionFieldErrors.set(t, n);
        else actionFieldErrors.delete(t);
      }
    };
  }, [e]);
}

/**
 * Run a command that changes something. Failures go to the error banner, unless `quiet`: a dialog
 * or form then shows them itself (`FormError`, `Field`'s error). Starting an action clears the
 * banner, so an earlier failure does not linger while the person tries again or does something
 * else. Afterwards the areas the command table says it changes are refreshed.
 */
export function useAction<K extends keyof Commands>(
  cmd: K,
  opts: { onSuccess?: (res: Res<K>, req: Req<K>) => void; quiet?: boolean; success?: string | ((res: Res<K>) => string) } = {},
) {
  const invalidate = useInvalidate();
  const notify = useNotify();
  const m = useMutation<Res<K>, AppError, Req<K>>({
    mutationFn: (req) => call(cmd, req),
    onMutate: () => notify.clear(),
    onSuccess: (res, req) => {
      invalidate(changedBy(cmd));
      if (opts.success) notify.success(typeof opts.success === "function" ? opts.success(res) : opts.success);
      opts.onSuccess?.(res, req);
    },
    onError: (e) => {
      if (!opts.quiet) notify.error(e);
    },
  });
  useFieldErrorsShown(m.error);
  return m;
}
