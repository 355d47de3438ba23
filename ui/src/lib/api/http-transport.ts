import type { RpcContext } from "./bindings/RpcContext";
import type { Transport } from "./transport";

/** `POST /rpc/{command}` on the server that served this page (`flexdesk serve --ui`). */
export class HttpTransport implements Transport {
  readonly kind = "http" as const;
  private readonly token: string | null;

  constructor(private readonly base = "", token?: string | null) {
    this.token = token !== undefined ? token : tokenFromUrl();
  }

  async invoke(command: string, ctx: RpcContext, payload: unknown): Promise<unknown> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (ctx.userId) headers["X-FlexDesk-User"] = ctx.userId;
    if (ctx.buId) headers["X-FlexDesk-BU"] = ctx.buId;
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}/rpc/${encodeURIComponent(command)}`, {
        method: "POST",
        headers,
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

/** The UI token travels as `?token=` in the page URL when the server listens beyond this computer. */
function tokenFromUrl(): string | null {
  if (typeof window === "undefined") return null;
  const fromQuery = new URLSearchParams(window.location.search).get("token");
  if (fromQuery) {
    try {
      sessionStorage.setItem("flexdesk.token", fromQuery);
    } catch {
      /* storage unavailable */
    }
    return fromQuery;
  }
  try {
    return sessionStorage.getItem("flexdesk.token");
  } catch {
    return null;
  }
}
