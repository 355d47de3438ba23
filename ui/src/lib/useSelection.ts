import { useEffect, useState } from "react";

/**
 * Rows ticked in a list, by key: which of `items` are chosen, whether all are, and the ways to
 * tick one, all or none. Keys of rows that left the list stay ticked but are not chosen. A new
 * `resetOn` (a list's filter) starts a new selection.
 */
export function useSelection<T>(items: T[], key: (item: T) => string, resetOn = "") {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => setSelected(new Set()), [resetOn]);
  const chosen = items.filter((x) => selected.has(key(x)));
  return {
    chosen,
    all: items.length > 0 && chosen.length === items.length,
    has: (id: string) => selected.has(id),
    toggle: (id: string, on: boolean) =>
      setSelected((cur) => {
        const next = new Set(cur);
        if (on) next.add(id);
        else next.delete(id);
        return next;
      }),
    setAll: (on: boolean) => setSelected(on ? new Set(items.map(key)) : new Set()),
    clear: () => setSelected(new Set()),
  };
}
