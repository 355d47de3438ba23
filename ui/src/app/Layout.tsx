import { useEffect, useRef, useState, type ReactNode } from "react";
import { formatDate, localeOf } from "../lib/format";
import { useNotify } from "../lib/notify";
import { href, navigate, useRoute } from "../lib/router";
import { useSession } from "../lib/session";
import { Empty, ScreenHeader } from "../lib/ui";
import type { CommandName } from "../lib/api/client";
import { CounterScreen } from "../features/counter";
import { OrdersArea } from "../features/orders";
import { CustomersArea } from "../features/customers";
import { CatalogArea } from "../features/catalog";
import { IntakeScreen } from "../features/intake";
import { AssetsArea } from "../features/assets";
import { BackupWarning, MyPinDialog, SettingsScreen } from "../features/settings";
import { DashboardScreen } from "../features/dashboard";
import { ScanStation } from "../features/scan";
import { ReturnsDesk } from "../features/returns";
import { SubscriptionsArea } from "../features/subscriptions";
import { PaymentsScreen } from "../features/payments";
import { BillingArea } from "../features/billing";
import { InvoicesArea } from "../features/invoices";
import { SyncConflictsScreen, SyncIndicator, SyncSettings, useSyncStatus } from "../features/sync";
import { NavIcon } from "./NavIcon";
// After the areas' stylesheets (imported with their screens above): its narrow-window rules win.
import "./layout.css";

interface NavItem {
  id: string;
  label: string;
  /** Under the drawing when the side navigation is a narrow rail (narrow windows); else the label. */
  short?: string;
  /** Shown when the person may run this command (the area's main action). */
  needs?: CommandName;
  /** Also needs a business unit. */
  needsBu: boolean;
  /** Not offered to these roles although they may read it (it is not their work). */
  hiddenFor?: string[];
}

const NAV: NavItem[] = [
  { id: "dashboard", label: "Dashboard", needsBu: true },
  { id: "counter", label: "Counter", needs: "orders.quote", needsBu: true, hiddenFor: ["warehouse"] },
  { id: "orders", label: "Orders", needsBu: true },
  { id: "customers", label: "Customers", needsBu: true },
  { id: "subscriptions", label: "Subscriptions", short: "Subs", needsBu: true },
  { id: "payments", label: "Payments", needsBu: true },
  { id: "billing", label: "Billing groups", short: "Billing", needs: "billingGroups.create", needsBu: true },
  { id: "invoices", label: "Invoices", needsBu: true, hiddenFor: ["warehouse"] },
  { id: "scan", label: "Scan station", short: "Scan", needs: "subscriptions.activate", needsBu: true },
  { id: "returns", label: "Returns", needs: "returns.receive", needsBu: true },
  { id: "intake", label: "Intake", needs: "assets.create", needsBu: true },
  { id: "assets", label: "Assets", needsBu: true },
  { id: "catalog", label: "Catalog", needsBu: true },
  { id: "settings", label: "Settings", needs: "bu.update", needsBu: false },
  // Listed while the business unit syncs or has conflicts; the indicator links here too.
  { id: "sync", label: "Sync conflicts", short: "Sync", needs: "sync.conflicts", needsBu: true },
];

export function Layout() {
  const s = useSession();
  const route = useRoute();
  const notify = useNotify();
  const main = useRef<HTMLElement>(null);
  const [myPin, setMyPin] = useState(false);
  const role = s.user.role;
  // Counter work is for people who take orders, invoices for those who deal with customers'
  // money; warehouse staff start at intake.
  const allowed = NAV.filter((n) => (!n.needs || s.can(n.needs)) && !n.hiddenFor?.includes(role));
  const sync = useSyncStatus().data;
  const syncListed = !!sync && (sync.configured || sync.conflicts > 0);
  const visible = allowed.filter((n) => n.id !== "sync" || syncListed);
  // Admins and accountants start on the dashboard, the counter at the counter, the warehouse at intake.
  const home = role === "warehouse" ? "intake" : role === "counter" ? "counter" : visible.some((n) => n.id === "dashboard") ? "dashboard" : visible[0]?.id ?? "orders";
  const area = route.parts[0] ?? home;
  const current = allowed.find((n) => n.id === area);

  // Going elsewhere clears the last action's message.
  const routeKey = route.parts.join("/");
  const { clearStale, clear } = notify;
  useEffect(() => clearStale(1500), [routeKey, s.bu?.id, clearStale]);
  // Another person at the desk sees nothing of what the one before did.
  const userId = s.user.id;
  useEffect(() => clear(), [userId, clear]);

  // Alt+1 … Alt+9 (and Alt+0 for the tenth) jump between areas.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      if (!/^[0-9]$/.test(e.key)) return;
      const n = e.key === "0" ? 10 : Number(e.key);
      if (n >= 1 && n <= visible.length) {
        e.preventDefault();
        navigate(visible[n - 1].id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [visible]);

  let content: ReactNode;
  if (!current) {
    content = (
      <>
        <ScreenHeader title="Not available" />
        <Empty>
          {s.user.name} works as {role}; this area is not part of that role. <a href={href(home)}>Go to {home}</a>.
        </Empty>
      </>
    );
  } else if (current.needsBu && !s.bu) {
    content = (
      <>
        <ScreenHeader title={current.label} />
        <Empty>
          There is no business unit at this desk yet.{" "}
          {s.can("bu.create") ? <a href={href("settings")}>Create one in Settings.</a> : "Ask an administrator to create one."}
        </Empty>
      </>
    );
  } else {
    const rest = route.parts.slice(1);
    const key = s.bu?.id ?? "none";
    switch (current.id) {
      case "counter":
        content = <CounterScreen key={key} />;
        break;
      case "orders":
        content = <OrdersArea key={key} parts={rest} />;
        break;
      case "customers":
        content = <CustomersArea key={key} parts={rest} />;
        break;
      case "catalog":
        content = <CatalogArea key={key} parts={rest} />;
        break;
      case "intake":
        content = <IntakeScreen key={key} />;
        break;
      case "assets":
        content = <AssetsArea key={key} parts={rest} />;
        break;
      case "settings":
        content = <SettingsScreen key={key} sync={<SyncSettings />} />;
        break;
      case "dashboard":
        content = <DashboardScreen key={key} />;
        break;
      case "subscriptions":
        content = <SubscriptionsArea key={key} parts={rest} />;
        break;
      case "payments":
        content = <PaymentsScreen key={key} />;
        break;
      case "billing":
        content = <BillingArea key={key} parts={rest} />;
        break;
      case "invoices":
        content = <InvoicesArea key={key} parts={rest} />;
        break;
      case "scan":
        content = <ScanStation key={key} parts={rest} />;
        break;
      case "returns":
        content = <ReturnsDesk key={key} />;
        break;
      case "sync":
        content = <SyncConflictsScreen key={key} />;
        break;
    }
  }

  return (
    <div className="shell">
      {/* The first stop of the Tab key: past the top bar and the navigation to the screen itself. */}
      <a
        className="skip-link"
        href="#content"
        data-testid="skip-link"
        onClick={(e) => {
          // The address keeps the current screen (routes live in the hash).
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={href(home)}>
          FlexDesk
        </a>
        <label className="bu-switch">
          <span className="sr-only">Business unit</span>
          <select data-testid="bu-switcher" value={s.bu?.id ?? ""} onChange={(e) => {
              s.setBu(e.target.value);
              // A record open in the old unit does not exist in the new one.
              if (route.parts.length > 1 && current) navigate(current.id);
            }} disabled={s.businessUnits.length === 0}>
            {s.businessUnits.length === 0 && <option value="">No business unit</option>}
            {s.businessUnits.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        {s.bu && (
          <span className="bu-meta" title="Currency of this business unit">
            {s.bu.currency} · {s.bu.code}
          </span>
        )}
        <div className="topbar-spacer" />
        {s.boot.pinnedTo && (
          <span className="pinned-day" data-testid="pinned-day" data-locale={localeOf(s.bu) ?? ""} title="FLEXDESK_TODAY pins this desk's calendar: dates, due days and the daily run follow that day, not today's.">
            Pinned to {formatDate(s.boot.pinnedTo)}
          </span>
        )}
        <BackupWarning />
        <SyncIndicator />
        <div className="who">
          <button className="who-name" data-testid="current-user" onClick={() => setMyPin(true)} title={`${s.user.name}, ${role}: change your PIN`}>
            {s.user.name}
          </button>
          <span className="who-role">{role}</span>
        </div>
        <button className="btn btn-ghost btn-icon" data-testid="lock-desk" onClick={s.lock} aria-label="Lock the desk" title="Lock the desk while you step away; your PIN opens it again.">
          <NavIcon area="lock" className="icon" />
        </button>
        <button className="btn btn-ghost" data-testid="switch-user" onClick={s.switchUser} title="Sign out; the next person signs in with their own PIN.">
          Switch user
        </button>
      </header>
      <div className="body">
        <nav className="sidenav" aria-label="Main">
          {visible.map((n, i) => {
            const keys = i < 10 ? `Alt+${(i + 1) % 10}` : undefined;
            return (
              <a
                key={n.id}
                href={href(n.id)}
                data-testid={`nav-${n.id}`}
                className={`${n.id === area ? "active" : ""} ${n.short ? "has-short" : ""}`}
                aria-current={n.id === area ? "page" : undefined}
                aria-label={n.label}
                aria-keyshortcuts={keys}
                title={keys ? `${n.label} (${keys})` : n.label}
              >
                <NavIcon area={n.id} />
                <span className="nav-label">{n.label}</span>
                {n.short && (
                  <span className="nav-short" aria-hidden="true">
                    {n.short}
                  </span>
                )}
                {keys && <kbd>{(i + 1) % 10}</kbd>}
              </a>
            );
          })}
        </nav>
        <main className="content" id="content" tabIndex={-1} ref={main}>
          {notify.notice && (
            <div
              key={notify.notice.id}
              className={notify.notice.kind === "error" ? "error-banner" : "success-banner"}
              data-testid={notify.notice.kind === "error" ? "error-banner" : "success-banner"}
              role={notify.notice.kind === "error" ? "alert" : "status"}
            >
              <span>{notify.notice.text}</span>
              <button className="banner-close" onClick={notify.clear} aria-label="Dismiss">
                ×
              </button>
            </div>
          )}
          {content}
        </main>
      </div>
      {myPin && <MyPinDialog onClose={() => setMyPin(false)} />}
    </div>
  );
}
