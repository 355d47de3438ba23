import { useEffect, useRef } from "react";

/** What counts as someone at the desk: a key (a scanner's too), a click, a touch, a scroll. */
const ACTIVITY = ["keydown", "pointerdown", "wheel", "touchstart"] as const;

/**
 * Call `onIdle` once `ms` pass with no activity in the window while `active`. Background refreshes
 * are not activity: only a person's input is.
 */
export function useIdle(ms: number, active: boolean, onIdle: () => void): void {
  const last = useRef(Date.now());
  const fire = useRef(onIdle);
  fire.current = onIdle;
  useEffect(() => {
    if (!active) return;
    last.current = Date.now();
    const seen = () => {
      last.current = Date.now();
    };
    for (const e of ACTIVITY) window.addEventListener(e, seen, { capture: true, passive: true });
    const timer = window.setInterval(() => {
      if (Date.now() - last.current >= ms) fire.current();
    }, Math.min(15_000, Math.max(1000, ms / 10)));
    return () => {
      for (const e of ACTIVITY) window.removeEventListener(e, seen, { capture: true });
      window.clearInterval(timer);
    };
  }, [ms, active]);
}
