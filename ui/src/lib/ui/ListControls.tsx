import type { ReactNode } from "react";
import { formatCount } from "../format";

/** A list's order as the core takes it: `sortBy` (one of the list's orders) and `sortDir`. */
export interface ListSort {
  by: string;
  dir: "asc" | "desc";
}

/**
 * A column heading that sorts the list by its column: the first click sorts by it (in the
 * column's natural direction: newest, largest or A–Z first as `first` says), the next reverses.
 */
export function SortTh(props: { label: ReactNode; by: string; sort: ListSort; onSort(s: ListSort): void; first?: "asc" | "desc"; num?: boolean; testId?: string }) {
  const active = props.sort.by === props.by;
  const next: ListSort = active ? { by: props.by, dir: props.sort.dir === "asc" ? "desc" : "asc" } : { by: props.by, dir: props.first ?? "desc" };
  const arrow = active ? (props.sort.dir === "asc" ? "▲" : "▼") : "";
  return (
    <th className={props.num ? "num" : undefined} aria-sort={active ? (props.sort.dir === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" className={`sort-button ${active ? "sorted" : ""}`} onClick={() => props.onSort(next)} data-testid={props.testId ?? `sort-${props.by}`} data-dir={active ? props.sort.dir : undefined}>
        {props.label}
        <span className="sort-arrow" aria-hidden="true">
          {arrow}
        </span>
      </button>
    </th>
  );
}

/** "Showing 50 of 1,234 orders": the page's rows and what the filters match in all. */
export function ListCount(props: { shown: number; total: number | undefined; noun: string; testId?: string }) {
  if (props.total === undefined) return null;
  const n = formatCount;
  return (
    <div className="list-count muted small" data-testid={props.testId ?? "list-count"} data-total={props.total}>
      {props.total === props.shown ? `${n(props.total)} ${props.noun}` : `Showing ${n(props.shown)} of ${n(props.total)} ${props.noun}`}
    </div>
  );
}
