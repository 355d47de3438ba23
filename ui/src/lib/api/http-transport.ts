import type { RpcContext } from "./bindings/RpcContext";
import type { Transport } from "./transport";

/**
 * `POST /rpc/{command}` on the server that served this page (`flexdesk serve --ui`). Who calls is
 * the session cookie the server set at sign-in (HttpOnly: this code never sees it); the business
 * unit travels in `X-FlexDesk-BU`.
 */
export class HttpTransport implements Transport {
  readonly kind = "http" as const;

  constructor(private readonly base = "") {}

  async invoke(command: string, ctx: RpcContext, payload: unknown): Promise<unknown> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (ctx.buId) headers["X-FlexDesk-BU"] = ctx.buId;
    let res: Response;
    try {
      res = await fetch(`${this.base}/rpc/${encodeURIComponent(command)}`, {
        method: "POST",
        headers,
        credentials: "same-origin",
        body: JSON.stringify(payload ?? {}),
      });
    } catch {
      throw { code: "INTERNAL", message: "The desk server cannot be reached. Is FlexDesk still running?" };
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!res.ok) {
      const err = (body as { error?: unknown } | null)?.error;
      if (err && typeof err === "object") throw err;
      throw { code: "INTERNAL", message: `The desk server answered ${res.status} ${res.statusText}.` };
    }
    return body;
  }
}
