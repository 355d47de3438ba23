import { useEffect, useId, useRef, useState, type ReactNode } from "react";

/** What Tab can reach, in document order. */
const TABBABLE = [
  "a[href]",
  "button:not(:disabled)",
  'input:not(:disabled):not([type="hidden"])',
  "select:not(:disabled)",
  "textarea:not(:disabled)",
  "iframe",
  "[contenteditable]",
  "[tabindex]",
].join(", ");

function tabbables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(TABBABLE)].filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0);
}

/** Open dialogs, the newest last: only the newest answers the keyboard. */
const open: HTMLElement[] = [];

/**
 * A modal dialog: Escape or the × closes it, focus starts on the first field (or the element
 * marked `autoFocus`), Tab and Shift+Tab go round the dialog's own controls, and the focus comes
 * back to where it was when the dialog closes.
 */
export function Dialog(props: { title: ReactNode; onClose(): void; children: ReactNode; testId?: string; wide?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const { onClose } = props;
  // Where the focus was before the dialog: read while it first renders, before a field of the
  // dialog marked `autoFocus` takes the focus.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => {
    const el = box.current;
    if (el) open.push(el);
    if (el && !el.contains(document.activeElement)) {
      const first = el.querySelector<HTMLElement>("[autofocus], input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled), button.btn-primary:not(:disabled)");
      (first ?? el).focus();
    }
    return () => {
      if (el) open.splice(open.indexOf(el), 1);
      if (opener && document.contains(opener)) opener.focus();
    };
  }, [opener]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = box.current;
      if (!el || open[open.length - 1] !== el) return;
      if (e.key === "Escape") {
        e.stopPropagation();
        onClose();
      } else if (e.key === "Tab" && !e.altKey && !e.ctrlKey && !e.metaKey) {
        const stops = tabbables(el);
        const active = document.activeElement;
        const inside = el.contains(active);
        if (stops.length === 0) {
          e.preventDefault();
          el.focus();
        } else if (e.shiftKey && (!inside || active === stops[0] || active === el)) {
          e.preventDefault();
          stops[stops.length - 1].focus();
        } else if (!e.shiftKey && (!inside || active === stops[stops.length - 1])) {
          e.preventDefault();
          stops[0].focus();
        }
      }
    };
    // A click on the page behind (outside the box) must not leave the focus there.
    const onFocus = (e: FocusEvent) => {
      const el = box.current;
      if (el && open[open.length - 1] === el && e.target instanceof Node && !el.contains(e.target)) (tabbables(el)[0] ?? el).focus();
    };
    window.addEventListener("keydown", onKey);
    document.addEventListener("focusin", onFocus);
    return () => {
      window.removeEventListener("keydown", onKey);
      document.removeEventListener("focusin", onFocus);
    };
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} className={`dialog ${props.wide ? "dialog-wide" : ""}`} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1} data-testid={props.testId}>
        <div className="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" className="banner-close" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}
