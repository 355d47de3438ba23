import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { call, setContext, type CommandName } from "./api/client";
import type { Bootstrap } from "./api/bindings/Bootstrap";
import type { BusinessUnit } from "./api/bindings/BusinessUnit";
import type { User } from "./api/bindings/User";
import { roleCan, seesCostFigures } from "./access";
import { formatMoney, localeOf, setDeskZone, setDisplayLocale } from "./format";

const BU_KEY = "flexdesk.buId";

export interface Session {
  boot: Bootstrap;
  user: User;
  users: User[];
  bu: BusinessUnit | null;
  businessUnits: BusinessUnit[];
  setBu(id: string): void;
  /** Sign out: the next person signs in with their own PIN. */
  switchUser(): void;
  /** Lock the desk now (the person steps away); their PIN unlocks it. */
  lock(): void;
  /** Read the desk's start-up facts again (after its idle minutes change). */
  refreshBoot(): Promise<void>;
  /** Reload business units (after one is created or its settings change). */
  refreshBusinessUnits(select?: string): Promise<void>;
  refreshUsers(): Promise<void>;
  can(cmd: CommandName): boolean;
  /** Whether this person sees the business's cost figures (margin, profit, cost recovery). */
  figures: boolean;
  /** An amount in this business unit's currency. */
  money(amount: string | null | undefined): string;
}

const Ctx = createContext<Session | null>(null);

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage unavailable */
  }
}

function pickBu(list: BusinessUnit[], wanted: string | null): BusinessUnit | null {
  return list.find((b) => b.id === wanted) ?? list[0] ?? null;
}

export function SessionProvider(props: { boot: Bootstrap; user: User; onSwitchUser(): void; onLock(): void; onRefreshBoot(): Promise<void>; children: ReactNode }) {
  const { boot, onSwitchUser, onLock, onRefreshBoot } = props;
  const [user, setUser] = useState(props.user);
  const [users, setUsers] = useState<User[]>([props.user]);
  const [businessUnits, setBusinessUnits] = useState(boot.businessUnits);
  const [bu, setBuState] = useState<BusinessUnit | null>(() => pickBu(boot.businessUnits, stored(BU_KEY)));

  // Every command carries the business unit; set before children render their queries.
  setContext({ buId: bu?.id });

  const setBu = useCallback(
    (id: string) => {
      const next = businessUnits.find((b) => b.id === id) ?? null;
      store(BU_KEY, next?.id ?? null);
      setContext({ buId: next?.id });
      setBuState(next);
    },
    [businessUnits],
  );

  const refreshBusinessUnits = useCallback(
    async (select?: string) => {
      const list = await call("bu.list", {});
      setBusinessUnits(list);
      const next = pickBu(list, select ?? bu?.id ?? null);
      store(BU_KEY, next?.id ?? null);
      setContext({ buId: next?.id });
      setBuState(next);
    },
    [bu?.id],
  );

  const refreshUsers = useCallback(async () => {
    const list = await call("users.list", {});
    setUsers(list);
    const me = list.find((u) => u.id === user.id);
    if (me) setUser(me);
  }, [user.id]);

  // The people at the desk (for Settings → People and names on the screens).
  useEffect(() => {
    void refreshUsers().catch(() => undefined);
  }, [refreshUsers]);

  const switchUser = useCallback(() => {
    void call("session.signOut", {})
      .catch(() => undefined)
      .finally(onSwitchUser);
  }, [onSwitchUser]);

  const lock = useCallback(() => {
    void call("session.lock", {})
      .catch(() => undefined)
      .finally(onLock);
  }, [onLock]);

  // Amounts and dates are written in the selected unit's locale, and "today" is its own date (set before anything renders them).
  setDisplayLocale(localeOf(bu));
  setDeskZone(bu?.timezone);
  const value = useMemo<Session>(
    () => ({
      boot,
      user,
      users,
      bu,
      businessUnits,
      setBu,
      switchUser,
      lock,
      refreshBoot: onRefreshBoot,
      refreshBusinessUnits,
      refreshUsers,
      can: (cmd) => roleCan(user.role, cmd),
      figures: seesCostFigures(user.role),
      money: (amount) => formatMoney(amount, bu?.currency ?? "EUR", bu?.currencyExponent ?? 2),
    }),
    [boot, user, users, bu, businessUnits, setBu, switchUser, lock, onRefreshBoot, refreshBusinessUnits, refreshUsers],
  );
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useSession(): Session {
  const c = useContext(Ctx);
  if (!c) throw new Error("useSession outside SessionProvider");
  return c;
}

/** The current business unit; screens are only shown once one is chosen. */
export function useBu(): BusinessUnit {
  const { bu } = useSession();
  if (!bu) throw new Error("no business unit chosen");
  return bu;
}
