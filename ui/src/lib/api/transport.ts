import type { RpcContext } from "./bindings/RpcContext";

/** How a command reaches the core: the desktop shell's `rpc` command, or `POST /rpc/{command}`. */
export interface Transport {
  readonly kind: "tauri" | "http";
  /**
   * Run one command. Resolves with the response; rejects with something that carries
   * `{ code, message, details? }` (the client turns it into an `AppError`).
   */
  invoke(command: string, ctx: RpcContext, payload: unknown): Promise<unknown>;
}
