import { useEffect, useRef } from "react";
import type { Bootstrap } from "../lib/api/bindings/Bootstrap";
import type { User } from "../lib/api/bindings/User";
import { ROLE_TEXT } from "../lib/access";
import { formatDate } from "../lib/format";


export function UserPicker(props: { boot: Bootstrap; onPick(u: User): void }) {
  const first = useRef<HTMLButtonElement>(null);
  const active = props.boot.users.filter((u) => u.active);
  const inactive = props.boot.users.filter((u) => !u.active);

  useEffect(() => first.current?.focus(), []);

  // Digits 1–9 pick the person with that number.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.altKey || e.metaKey) return;
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= active.length) {
        // The digit picks a person; it must not also be typed into the field the next screen focuses.
        e.preventDefault();
        props.onPick(active[n - 1]);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [active, props]);

  return (
    <div className="start">
      <div className="start-box">
        <div className="brand-large">FlexDesk</div>
        <h1 data-testid="screen-title">Who is working at this desk?</h1>
        <p className="muted">
          Desk {props.boot.desk.code}{props.boot.desk.name && props.boot.desk.name !== "This desk" ? ` (${props.boot.desk.name})` : ""} · version {props.boot.version}
        </p>
        {props.boot.pinnedTo && (
          <p className="pinned-day" data-testid="pinned-day">
            Pinned to {formatDate(props.boot.pinnedTo)}: this desk's calendar is not today's.
          </p>
        )}
        <ul className="user-picker" data-testid="user-picker">
          {active.map((u, i) => (
            <li key={u.id}>
              <span className="user-key" aria-hidden>
                {i < 9 ? i + 1 : ""}
              </span>
              <button ref={i === 0 ? first : undefined} className="user-option" data-testid="user-option" onClick={() => props.onPick(u)} aria-describedby={`role-${u.id}`}>
                {u.name}
              </button>
              <span className="user-role" id={`role-${u.id}`}>
                {ROLE_TEXT[u.role] ?? u.role}
              </span>
            </li>
          ))}
        </ul>
        {active.length === 0 && <p>No one can work at this desk yet.</p>}
        {inactive.length > 0 && <p className="muted small">Not active any more: {inactive.map((u) => u.name).join(", ")}.</p>}
        <p className="muted small">Press the number beside a name, or Tab and Enter.</p>
      </div>
    </div>
  );
}
