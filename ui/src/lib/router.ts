// A small hash router: `#/orders/ord_123?status=pending`. Hash routes work the same in the
// desktop shell and when the page is served by `flexdesk serve`.
import { useSyncExternalStore } from "react";

export interface Route {
  /** Path segments, e.g. ["orders", "ord_123"]. */
  parts: string[];
  query: URLSearchParams;
}

function parse(): Route {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [path, q = ""] = raw.split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

let current = parse();
const listeners = new Set<() => void>();
window.addEventListener("hashchange", () => {
  current = parse();
  listeners.forEach((l) => l());
});

export function useRoute(): Route {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

export function href(...parts: string[]): string {
  return "#/" + parts.map(encodeURIComponent).join("/");
}

export function navigate(...parts: string[]): void {
  window.location.hash = href(...parts).slice(1);
}

/** Back to the start of the app (the person's home screen), without a history entry. */
export function clearRoute(): void {
  history.replaceState(null, "", window.location.pathname + window.location.search);
  current = parse();
  listeners.forEach((l) => l());
}
