import { useState } from "react";
import type { Rental } from "../../lib/api/bindings/Rental";
import { rolesFor } from "../../lib/access";
import type { CommandName } from "../../lib/api/client";
import { words } from "../../lib/format";
import { useSession } from "../../lib/session";
import { Card } from "../../lib/ui";
import { ExtendDialog, UpgradeDialog, ReplaceDialog, CancelDialog, VoidDialog } from "./dialogs";
import { BuyoutDialog, EarlyReturnDialog } from "./quotes";
import { ChargeDialog } from "./charge";
import { isVoided, voidable } from "./shared";

type Kind = "extend" | "upgrade" | "replace" | "buyout" | "earlyReturn" | "cancel" | "void" | "charge";
type Action = { kind: Kind; label: string; cmd: CommandName; testId: string; danger?: boolean; title?: string };

const ACTIONS: Action[] = [
  { kind: "extend", label: "Extend…", cmd: "subscriptions.extend", testId: "sub-extend" },
  { kind: "upgrade", label: "Upgrade…", cmd: "subscriptions.upgrade", testId: "sub-upgrade" },
  { kind: "replace", label: "Replace device…", cmd: "subscriptions.replace", testId: "sub-replace" },
  { kind: "buyout", label: "Buyout…", cmd: "subscriptions.buyout", testId: "sub-buyout" },
  { kind: "earlyReturn", label: "Early return…", cmd: "subscriptions.earlyReturn", testId: "sub-early-return" },
  { kind: "cancel", label: "Cancel…", cmd: "subscriptions.cancel", testId: "sub-cancel", danger: true },
];

/** Offered only on the business day of the activation (a wrong serial scanned): undone as if it never happened. */
const VOID: Action = { kind: "void", label: "Void activation…", cmd: "subscriptions.void", testId: "sub-void", danger: true };

/**
 * A one-off charge (a damage fee, a lost charger): offered whatever the subscription's status (a
 * damage found at the return comes after the end), but not on a voided activation, which is as if
 * it never happened.
 */
const CHARGE: Action = { kind: "charge", label: "Charge…", cmd: "payments.charge", testId: "sub-charge", title: "A one-off charge on this subscription: a damage fee, a lost charger…" };

/** Buttons for what may happen to an active subscription; each opens a dialog with the quote first. */
export function LifecycleActions(props: { rental: Rental }) {
  const s = useSession();
  const r = props.rental;
  const [open, setOpen] = useState<Kind | null>(null);
  const [quoteOnly, setQuoteOnly] = useState<Kind | null>(null);
  const close = () => {
    setOpen(null);
    setQuoteOnly(null);
  };
  const active = r.status === "active";
  const lifecycle = !active ? [] : voidable(r, s.bu?.timezone) ? [...ACTIONS, VOID] : ACTIONS;
  // The charge goes with the everyday actions, before the ones that end the subscription.
  const actions = [...lifecycle.filter((a) => !a.danger), ...(isVoided(r) ? [] : [CHARGE]), ...lifecycle.filter((a) => a.danger)];
  const mayCharge = !isVoided(r) && s.can(CHARGE.cmd);
  const shown = open ?? quoteOnly;
  return (
    <Card>
      <div className="row gap wrap">
        {!active && (
          <span className="muted">
            {isVoided(r)
              ? "This activation was voided; nothing more can change on it."
              : `This subscription has ended (${words(r.status)}); ${mayCharge ? "only a one-off charge can still be added" : "nothing more can change on it"}.`}
          </span>
        )}
        {actions
          .filter((a) => s.can(a.cmd))
          .map((a) => (
            <button key={a.kind} className={`btn ${a.danger ? "btn-danger" : ""}`} onClick={() => setOpen(a.kind)} title={a.title} data-testid={a.testId}>
              {a.label}
            </button>
          ))}
        {active && !s.can("subscriptions.buyout") && (
          <>
            <span className="divider" aria-hidden />
            <button className="btn" onClick={() => setQuoteOnly("buyout")} data-testid="sub-quote-buyout">
              Buyout quote
            </button>
            <button className="btn" onClick={() => setQuoteOnly("earlyReturn")} data-testid="sub-quote-early-return">
              Early-return quote
            </button>
          </>
        )}
      </div>
      {actions.some((a) => !s.can(a.cmd)) && (
        <span className="role-hint">
          Not offered to the {s.user.role} role:{" "}
          {actions.filter((a) => !s.can(a.cmd))
            .map((a) => `${a.label.replace("…", "").toLowerCase()} (${rolesFor(a.cmd)})`)
            .join(", ")}
          .
        </span>
      )}
      {shown === "extend" && <ExtendDialog rental={r} onClose={close} />}
      {shown === "upgrade" && <UpgradeDialog rental={r} onClose={close} />}
      {shown === "replace" && <ReplaceDialog rental={r} onClose={close} />}
      {shown === "buyout" && <BuyoutDialog rental={r} onClose={close} quoteOnly={!open} />}
      {shown === "earlyReturn" && <EarlyReturnDialog rental={r} onClose={close} quoteOnly={!open} />}
      {shown === "cancel" && <CancelDialog rental={r} onClose={close} />}
      {shown === "void" && <VoidDialog rental={r} onClose={close} />}
      {shown === "charge" && <ChargeDialog rental={r} onClose={close} />}
    </Card>
  );
}
