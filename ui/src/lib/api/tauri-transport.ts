// The only file that knows about the desktop shell: `withGlobalTauri` exposes `window.__TAURI__`.
import type { RpcContext } from "./bindings/RpcContext";
import type { Transport } from "./transport";

interface TauriGlobal {
  core: { invoke(cmd: string, args: Record<string, unknown>): Promise<unknown> };
}

declare global {
  interface Window {
    __TAURI__?: TauriGlobal;
  }
}

export function hasTauri(): boolean {
  return typeof window !== "undefined" && !!window.__TAURI__?.core?.invoke;
}

/** Open a saved PDF (a path from `documents.save`) in the desktop's own viewer. */
export async function openInDesktop(path: string): Promise<void> {
  const tauri = window.__TAURI__;
  if (!tauri) throw { code: "INTERNAL", message: "The desktop shell is not available." };
  await tauri.core.invoke("open_document", { path });
}

export class TauriTransport implements Transport {
  readonly kind = "tauri" as const;

  async invoke(command: string, ctx: RpcContext, payload: unknown): Promise<unknown> {
    const tauri = window.__TAURI__;
    if (!tauri) throw { code: "INTERNAL", message: "The desktop shell is not available." };
    return tauri.core.invoke("rpc", { command, ctx, payload: payload ?? {} });
  }
}
