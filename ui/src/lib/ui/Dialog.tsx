import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal dialog: Escape or the × closes it, focus starts on the first field (or the element
 * marked `autoFocus`) and comes back to where it was when the dialog closes.
 */
export function Dialog(props: { title: ReactNode; onClose(): void; children: ReactNode; testId?: string; wide?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const { onClose } = props;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const el = box.current;
    if (el && !el.contains(document.activeElement)) {
      const first = el.querySelector<HTMLElement>("[autofocus], input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled), button.btn-primary:not(:disabled)");
      first?.focus();
    }
    return () => {
      if (before && document.contains(before)) before.focus();
    };
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} className={`dialog ${props.wide ? "dialog-wide" : ""}`} role="dialog" aria-modal="true" data-testid={props.testId}>
        <div className="dialog-head">
          <h2>{props.title}</h2>
          <button type="button" className="banner-close" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}
