// Which roles may run which command, from the command table in src/api/mod.rs (generated into
// bindings/Commands.ts as COMMAND_ACCESS). The core checks again on every call; this only decides
// what the UI offers.
import { COMMAND_ACCESS } from "./api/bindings/Commands";
import type { CommandName } from "./api/client";

export function roleCan(role: string | undefined, cmd: CommandName): boolean {
  if (!role) return false;
  const allowed = COMMAND_ACCESS[cmd];
  return typeof allowed === "string" || allowed.includes(role);
}

/** The roles that may run a command, as words for a hint ("admin or counter"). */
export function rolesFor(cmd: CommandName): string {
  const allowed = COMMAND_ACCESS[cmd];
  return typeof allowed === "string" ? "anyone" : allowed.join(" or ");
}

/** What each role does, as the user picker and the people settings say it. */
export const ROLE_TEXT: Record<string, string> = {
  admin: "Administrator — everything",
  counter: "Counter — customers, orders and contracts, billing groups, subscription changes",
  warehouse: "Warehouse — intake and labels, scan station, returns",
  accountant: "Accountant — payments, invoices and month end, billing groups, exports",
};

/**
 * Acquisition cost, margin, profit, cost recovery and depreciated value are the business's own
 * figures: shown to administrators and accountants, never on a screen the counter (or the
 * warehouse) turns to a customer.
 */
export function seesCostFigures(role: string | undefined): boolean {
  return role === "admin" || role === "accountant";
}
