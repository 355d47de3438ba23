import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { Variant } from "../../lib/api/bindings/Variant";
import { useCommand } from "../../lib/query";
import { useDebounced } from "../../lib/useDebounced";

/** How many matches the list shows; more typing narrows it down. */
const SHOWN = 20;
const NONE: Variant[] = [];

/** `text` with the first place it contains `q` marked. */
function marked(text: string, q: string): ReactNode {
  const at = q ? text.toLowerCase().indexOf(q.toLowerCase()) : -1;
  if (at < 0) return text;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + q.length)}</mark>
      {text.slice(at + q.length)}
    </>
  );
}

/**
 * Finding the SKU being taken in by typing part of its SKU, variant or product name: the matches
 * open below, ↑ and ↓ move through them, Enter picks one, Escape closes the list (and a second
 * Escape empties the search). Not a scan field: a scanner's burst that lands here is a serial for
 * the intake (useScanner hands it over and puts the search text back), never a search.
 */
export function SkuPicker(props: { onPick(v: Variant): void; disabled?: boolean; hasChoice: boolean }) {
  const id = useId();
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  // Enter pressed before the matches for what is typed came: pick the first of them once they do.
  const [pickWhenReady, setPickWhenReady] = useState(false);
  const typed = q.trim();
  const dq = useDebounced(typed, 150);
  const found = useCommand("catalog.listVariants", { q: dq, status: "active", limit: String(SHOWN) }, { enabled: open && !props.disabled });
  // The last matches stay on screen while the next ones load, so the list does not flicker.
  const [kept, setKept] = useState<{ items: Variant[]; hasMore: boolean; q: string } | null>(null);
  if (found.data && kept?.items !== found.data.items) setKept({ items: found.data.items, hasMore: found.data.hasMore, q: dq });
  const items = kept?.items ?? NONE;
  const fresh = !!kept && kept.q === typed && dq === typed && !found.isFetching;
  const list = useRef<HTMLUListElement>(null);
  const { onPick } = props;

  const pick = (v: Variant) => {
    onPick(v);
    setQ("");
    setOpen(false);
    setPickWhenReady(false);
  };

  useEffect(() => {
    if (!pickWhenReady || !fresh) return;
    setPickWhenReady(false);
    if (items[0]) {
      onPick(items[0]);
      setQ("");
      setOpen(false);
    }
  }, [pickWhenReady, fresh, items, onPick]);

  useEffect(() => {
    if (open) list.current?.querySelector<HTMLElement>(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [open, active]);

  const optionId = (i: number) => `${id}-option-${i}`;
  const current = Math.min(active, Math.max(items.length - 1, 0));

  return (
    <div className="sku-picker">
      <input
        type="text"
        role="combobox"
        aria-expanded={open}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={open && fresh && items[current] ? optionId(current) : undefined}
        aria-label="Find a SKU by its SKU, variant or product name"
        autoComplete="off"
        spellCheck={false}
        className="sku-picker-input"
        placeholder={props.hasChoice ? "Type to find another SKU…" : "Type a SKU, product or variant…"}
        value={q}
        disabled={props.disabled}
        data-testid="intake-sku-search"
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
          setPickWhenReady(false);
          setOpen(e.target.value.trim() !== "");
        }}
        onBlur={() => {
          setOpen(false);
          setPickWhenReady(false);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            if (!open) {
              setOpen(true);
              setActive(0);
            } else if (items.length > 0) {
              setActive(e.key === "ArrowDown" ? Math.min(current + 1, items.length - 1) : Math.max(current - 1, 0));
            }
          } else if (e.key === "Enter") {
            e.preventDefault();
            if (!open) setOpen(true);
            else if (fresh && items[current]) pick(items[current]);
            else if (!fresh) setPickWhenReady(true);
          } else if (e.key === "Escape") {
            if (open) {
              e.preventDefault();
              e.stopPropagation();
              setOpen(false);
            } else if (q) {
              e.preventDefault();
              e.stopPropagation();
              setQ("");
            }
          } else if (e.key === "Tab") {
            setOpen(false);
          }
        }}
      />
      {open && (
        // The focus stays in the search while the mouse scrolls and picks.
        <ul className="sku-picker-list" id={`${id}-list`} role="listbox" aria-label="Matching SKUs" ref={list} data-testid="intake-sku-list" data-fresh={fresh || undefined} onMouseDown={(e) => e.preventDefault()}>
          {items.map((v, i) => (
            <li
              key={v.variantId}
              id={optionId(i)}
              role="option"
              aria-selected={i === current}
              data-index={i}
              className={`sku-picker-option ${i === current ? "active" : ""}`}
              data-testid="intake-sku-option"
              onMouseMove={() => i !== current && setActive(i)}
              onClick={(e) => {
                e.preventDefault();
                pick(v);
              }}
            >
              <span className="mono strong">{marked(v.variantSku, typed)}</span>
              <span className="sku-picker-name">
                {marked(v.productName, typed)} — {marked(v.variantName, typed)}
              </span>
              <span className="muted small">
                grade {v.grade}
                {v.colorName ? ` · ${v.colorName}` : ""} · {marked(v.category, typed)}
              </span>
            </li>
          ))}
          {kept && items.length === 0 && <li className="sku-picker-note">{fresh ? `No active SKU matches “${typed}”.` : "Searching…"}</li>}
          {!kept && <li className="sku-picker-note">Searching…</li>}
          {kept?.hasMore && <li className="sku-picker-note">The first {SHOWN} matches; type more to narrow them down.</li>}
        </ul>
      )}
    </div>
  );
}
