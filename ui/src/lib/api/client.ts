import type { Commands } from "./bindings/Commands";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { FieldError } from "./bindings/FieldError";
import type { RpcContext } from "./bindings/RpcContext";
import { HttpTransport } from "./http-transport";
import { hasTauri, TauriTransport } from "./tauri-transport";
import type { Transport } from "./transport";

export type { Commands, CommandName } from "./bindings/Commands";

/** A failed command: a stable code for the program, a sentence for people. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: FieldError[];

  constructor(code: ErrorCode, message: string, details: FieldError[] = []) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  /** The sentence for a field, if the core named one. */
  field(path: string): string | undefined {
    return this.details.find((d) => d.path === path || d.path.endsWith(`.${path}`))?.message;
  }
}

export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e && typeof e === "object" && "message" in e) {
    const o = e as { code?: unknown; message?: unknown; details?: unknown };
    const code = (typeof o.code === "string" ? o.code : "INTERNAL_ERROR") as ErrorCode;
    const details = Array.isArray(o.details) ? (o.details as FieldError[]) : [];
    return new AppError(code, String(o.message ?? "Something went wrong."), details);
  }
  if (typeof e === "string") {
    // A shell may reject with a JSON string.
    try {
      return toAppError(JSON.parse(e));
    } catch {
      return new AppError("INTERNAL_ERROR", e);
    }
  }
  return new AppError("INTERNAL_ERROR", "Something went wrong.");
}

let transport: Transport | null = null;
let context: RpcContext = {};

export function getTransport(): Transport {
  if (!transport) transport = hasTauri() ? new TauriTransport() : new HttpTransport();
  return transport;
}

/** For tests or a different server. */
export function setTransport(t: Transport): void {
  transport = t;
}

/** The business unit every command works in. (Who calls is the session's, held by the transport.) */
export function setContext(ctx: RpcContext): void {
  context = { ...ctx };
}

export function getContext(): RpcContext {
  return context;
}

/** What the desk said about the caller's session: it locked, or it is gone (signed out elsewhere, reset, restarted). */
export type SessionProblem = "locked" | "signed-out";
let sessionListener: ((p: SessionProblem) => void) | null = null;

/** The app shell listens: a locked session shows the lock screen, a lost one the start screen. */
export function onSessionProblem(listener: ((p: SessionProblem) => void) | null): void {
  sessionListener = listener;
}

/** Run one command of the core's command table, typed end to end. */
export async function call<K extends keyof Commands>(cmd: K, req: Commands[K]["req"]): Promise<Commands[K]["res"]> {
  try {
    return (await getTransport().invoke(cmd, context, req)) as Commands[K]["res"];
  } catch (e) {
    const err = toAppError(e);
    if (err.code === "SESSION_LOCKED") sessionListener?.("locked");
    else if (err.code === "AUTH_REQUIRED" && !cmd.startsWith("session.")) sessionListener?.("signed-out");
    throw err;
  }
}
