import { useEffect, useRef, useState } from "react";

/** True when a key press belongs to a text field (typing there is not a scan). */
export function isTypingTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement) return true;
  if (t instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "file", "range", "color"].includes(t.type);
  }
  return false;
}

/**
 * Keyboard-wedge barcode scanners type the code and press Enter. While `enabled`, keys that do
 * not land in a text field are collected (even with a list or button focused, which must not
 * react to a scan) and `onScan` gets the text on Enter or Tab. A pause of more than two seconds
 * starts a new reading, so stray keys are not glued onto the next scan. Returns the text read so far.
 */
export function useScanner(enabled: boolean, onScan: (code: string) => void): string {
  const [buffer, setBuffer] = useState("");
  const buf = useRef({ text: "", last: 0 });
  const handler = useRef(onScan);
  handler.current = onScan;

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reset = () => {
      buf.current.text = "";
      setBuffer("");
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
      if (isTypingTarget(e.target)) return;
      const b = buf.current;
      if (e.key === "Enter" || e.key === "Tab") {
        if (!b.text) return;
        e.preventDefault();
        e.stopPropagation();
        const code = b.text;
        reset();
        handler.current(code);
        return;
      }
      if (e.key === "Escape") return reset();
      if (e.key === "Backspace" && b.text) {
        e.preventDefault();
        b.text = b.text.slice(0, -1);
        setBuffer(b.text);
        return;
      }
      if (e.key.length !== 1) return;
      e.preventDefault();
      e.stopPropagation();
      const now = performance.now();
      if (now - b.last > 2000) b.text = "";
      b.last = now;
      b.text += e.key;
      setBuffer(b.text);
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (performance.now() - buf.current.last >= 2000) reset();
      }, 2100);
    };
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      clearTimeout(timer);
    };
  }, [enabled]);

  return buffer;
}
