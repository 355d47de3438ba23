// Which roles may run which command. Mirrors the `Access` column of the command table in
// src/api/mod.rs (ADMIN = admin only; COUNTER = admin + counter; FRONT = admin + counter +
// accountant; WAREHOUSE = admin + warehouse). Commands not listed here are open to anyone at the
// desk. The core checks again on every call; this table only decides what the UI offers.
import type { CommandName } from "./api/client";

type Role = "admin" | "warehouse" | "counter" | "accountant";

const ADMIN: Role[] = ["admin"];
const COUNTER: Role[] = ["admin", "counter"];
const FRONT: Role[] = ["admin", "counter", "accountant"];
const WAREHOUSE: Role[] = ["admin", "warehouse"];

const RESTRICTED: Partial<Record<CommandName, Role[]>> = {
  "users.create": ADMIN,
  "bu.create": ADMIN,
  "bu.update": ADMIN,
  "keys.list": ADMIN,
  "keys.create": ADMIN,
  "keys.revoke": ADMIN,
  "catalog.saveProduct": ADMIN,
  "catalog.deleteProduct": ADMIN,
  "catalog.setVariantStatus": ADMIN,
  "catalog.saveCategory": ADMIN,
  "catalog.importCsv": ADMIN,
  "customers.create": FRONT,
  "customers.update": FRONT,
  "customers.delete": COUNTER,
  "orders.create": COUNTER,
  "orders.confirm": COUNTER,
  "orders.cancel": COUNTER,
  "orders.setNotes": COUNTER,
  "assets.create": WAREHOUSE,
  "assets.update": WAREHOUSE,
  "assets.delete": WAREHOUSE,
  "assets.importCsv": WAREHOUSE,
  "server.start": ADMIN,
  "server.stop": ADMIN,
};

export function roleCan(role: string | undefined, cmd: CommandName): boolean {
  if (!role) return false;
  const allowed = RESTRICTED[cmd];
  return !allowed || allowed.includes(role as Role);
}

/** The roles that may run a command, as words for a hint ("admin or counter"). */
export function rolesFor(cmd: CommandName): string {
  const allowed = RESTRICTED[cmd];
  return allowed ? allowed.join(" or ") : "anyone";
}
