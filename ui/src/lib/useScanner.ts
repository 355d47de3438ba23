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
 * True for a field meant for typed or scanned serials and codes (marked `data-scan-field`, on the
 * field or a container): a scan there is simply typed into it and handled by the field's own form.
 */
export function isScanField(t: EventTarget | null): boolean {
  return t instanceof Element && t.closest("[data-scan-field]") !== null;
}

/**
 * Telling a scanner from a person inside a text field. A scan is a run of at least
 * SCAN_MIN_CHARS characters, each within SCAN_MAX_GAP_MS of the one before, ended by Enter (or Tab)
 * within SCAN_MAX_END_MS of the last character.
 * - 4 characters: serials, order numbers and SKUs are longer; shorter runs are what a person's
 *   fingers can produce as a rolled chord ("th", "ing"), so they are never taken for a scan.
 * - 35 ms between characters: a keyboard-wedge scanner sends a character every 2–20 ms (USB HID
 *   reports every 1–8 ms; slow Bluetooth scanners stay under ~30 ms). People leave 80–200 ms
 *   between keys even when typing fast (120 words a minute is ~100 ms a key), and only a single
 *   rolled pair comes quicker, never four keys in a row.
 * - 50 ms to Enter: the scanner's Enter/Tab suffix follows as fast as the characters; a person
 *   needs well over 100 ms to decide to press Enter after the last character.
 * Timing uses the events' own time stamps, so a busy page (re-rendering on each key) does not
 * stretch the gaps.
 */
export const SCAN_MIN_CHARS = 4;
export const SCAN_MAX_GAP_MS = 35;
export const SCAN_MAX_END_MS = 50;

type TextField = HTMLInputElement | HTMLTextAreaElement;

/** A run of fast keys in one text field, and what the field held before it started. */
interface FieldRun {
  el: TextField;
  before: string;
  selStart: number | null;
  selEnd: number | null;
  text: string;
  last: number;
}

/** Keys that may come between a scanner's characters without breaking the run. */
const MODIFIERS = new Set(["Shift", "CapsLock", "NumLock", "AltGraph", "Unidentified"]);

/** Puts the field back as it was; through the native setter so that React's onChange sees it. */
function restoreField(run: FieldRun) {
  const { el } = run;
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const set = Object.getOwnPropertyDescriptor(proto, "value")?.set;
  if (set) set.call(el, run.before);
  else el.value = run.before;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  try {
    if (run.selStart !== null) el.setSelectionRange(run.selStart, run.selEnd ?? run.selStart);
  } catch {
    /* this input type has no caret (e.g. number) */
  }
}

function fieldOf(t: EventTarget | null): TextField | null {
  if (t instanceof HTMLTextAreaElement) return t;
  if (t instanceof HTMLInputElement && isTypingTarget(t)) return t;
  return null;
}

function selection(el: TextField): [number | null, number | null] {
  try {
    return [el.selectionStart, el.selectionEnd];
  } catch {
    return [null, null];
  }
}

export interface ScannerOptions {
  /**
   * Also catch scans that land in a text field not marked `data-scan-field` (Location, notes…):
   * the scan goes to `onScan` and the field keeps what the person had typed.
   */
  inFields?: boolean;
}

/**
 * Keyboard-wedge barcode scanners type the code and press Enter. While `enabled`, keys that do
 * not land in a text field are collected (even with a list or button focused, which must not
 * react to a scan) and `onScan` gets the text on Enter or Tab. A pause of more than two seconds
 * starts a new reading, so stray keys are not glued onto the next scan. With `inFields`, a burst
 * that is faster than a person types (see SCAN_MAX_GAP_MS) is a scan in any text field too, except
 * fields marked `data-scan-field`, which are meant for serials and keep what is typed or scanned.
 * Returns the text read so far.
 */
export function useScanner(enabled: boolean, onScan: (code: string) => void, options: ScannerOptions = {}): string {
  const [buffer, setBuffer] = useState("");
  const buf = useRef({ text: "", last: 0 });
  const handler = useRef(onScan);
  handler.current = onScan;
  const inFields = !!options.inFields;

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let run: FieldRun | null = null;
    const reset = () => {
      buf.current.text = "";
      setBuffer("");
    };

    /** A key landing in a text field that is not a scan field: watch for a scanner's burst. */
    const onFieldKey = (e: KeyboardEvent, el: TextField) => {
      const at = e.timeStamp || performance.now();
      if (e.key === "Enter" || e.key === "Tab") {
        const r = run;
        run = null;
        if (!r || r.el !== el || r.text.length < SCAN_MIN_CHARS || at - r.last > SCAN_MAX_END_MS) return;
        // A scanner: the field gets back what the person had typed, the code goes to the scan.
        e.preventDefault();
        e.stopPropagation();
        restoreField(r);
        // Let the restored value reach the screen's state before the scan reads its settings.
        setTimeout(() => handler.current(r.text), 0);
        return;
      }
      if (MODIFIERS.has(e.key)) return;
      if (e.key.length !== 1) {
        run = null;
        return;
      }
      if (!run || run.el !== el || at - run.last > SCAN_MAX_GAP_MS) {
        // Seen before the character goes in: what the field holds now is what a scan must leave.
        const [selStart, selEnd] = selection(el);
        run = { el, before: el.value, selStart, selEnd, text: "", last: at };
      }
      run.text += e.key;
      run.last = at;
    };

    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return;
      if (isTypingTarget(e.target)) {
        const el = inFields && !isScanField(e.target) ? fieldOf(e.target) : null;
        if (el) onFieldKey(e, el);
        return;
      }
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
  }, [enabled, inFields]);

  return buffer;
}
