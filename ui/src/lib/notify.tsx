import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { toAppError } from "./api/client";

export interface Notice {
  kind: "error" | "success";
  text: string;
  id: number;
  /** When it was shown (ms since epoch). */
  at: number;
}

interface NotifyApi {
  notice: Notice | null;
  /** Show a failed action's sentence in the error banner. */
  error(e: unknown): void;
  success(text: string): void;
  clear(): void;
  /** Clear unless it was shown within the last `ms` (a message set just before navigating stays). */
  clearStale(ms: number): void;
}

const Ctx = createContext<NotifyApi | null>(null);
let seq = 0;

export function NotifyProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const error = useCallback((e: unknown) => setNotice({ kind: "error", text: toAppError(e).message, id: ++seq, at: Date.now() }), []);
  const success = useCallback((text: string) => setNotice({ kind: "success", text, id: ++seq, at: Date.now() }), []);
  const clear = useCallback(() => setNotice(null), []);
  const clearStale = useCallback((ms: number) => setNotice((n) => (n && Date.now() - n.at < ms ? n : null)), []);
  const api = useMemo(() => ({ notice, error, success, clear, clearStale }), [notice, error, success, clear, clearStale]);
  return <Ctx.Provider value={api}>{children}</Ctx.Provider>;
}

export function useNotify(): NotifyApi {
  const c = useContext(Ctx);
  if (!c) throw new Error("useNotify outside NotifyProvider");
  return c;
}
