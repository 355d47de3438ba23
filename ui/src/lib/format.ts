// Display only: amounts arrive as decimal strings and are turned into numbers solely to be
// formatted here. Nothing in the UI adds, multiplies or rounds money.

const cache = new Map<string, Intl.NumberFormat>();

/** A unit's locale as the core resolves it: its setting, or its country's (`NL` → `nl-NL`, so "€ 8.652,27"). */
export function localeOf(bu: { locale: string } | null | undefined): string | undefined {
  return bu?.locale || undefined;
}

/** The locale every amount and date is written in: the selected business unit's. */
let displayLocale: string | undefined;

export function setDisplayLocale(locale: string | undefined): void {
  displayLocale = locale;
}

/** A count in the unit's locale: 1234 → "1.234" (nl-NL). */
export function formatCount(n: number): string {
  return n.toLocaleString(displayLocale);
}

/** A count with its noun: "1 payment", "3 payments", "1 letter sent". */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function moneyFormat(currency: string, exponent: number): Intl.NumberFormat {
  const key = `${displayLocale}:${currency}:${exponent}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(displayLocale, {
        style: "currency",
        currency,
        minimumFractionDigits: exponent,
        maximumFractionDigits: exponent,
      });
    } catch {
      f = new Intl.NumberFormat(undefined, { minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    }
    cache.set(key, f);
  }
  return f;
}

/** "89.00" + EUR → "€ 89,00" (in the unit's locale). Empty or unreadable amounts show as "—". */
export function formatMoney(amount: string | null | undefined, currency: string, exponent = 2): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const n = Number(amount);
  if (!Number.isFinite(n)) return amount;
  return moneyFormat(currency, exponent).format(n);
}

/** A day (YYYY-MM-DD) is that day on the desk's calendar, not midnight UTC (which is the day before west of Greenwich). */
function parseDay(iso: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date(iso);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = parseDay(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(displayLocale, { year: "numeric", month: "short", day: "numeric" });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(displayLocale, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function months(n: number): string {
  return n === 1 ? "1 month" : `${n} months`;
}

/** "rented_out" → "rented out". */
export function words(s: string): string {
  return s.replace(/_/g, " ");
}

/** How far the desk's clock is ahead of this browser's: none on a live desk, days on a pinned one. */
let deskOffsetMs = 0;

/** Take the desk's clock from `app.bootstrap` (its `now`), so "today" on every screen is the desk's day. */
export function setDeskClock(deskNowIso: string): void {
  const t = Date.parse(deskNowIso);
  deskOffsetMs = Number.isFinite(t) ? t - Date.now() : 0;
}

/** The desk's clock, in milliseconds (what `Date.now()` would say on the desk). */
export function deskNowMs(): number {
  return Date.now() + deskOffsetMs;
}

/** The selected business unit's time zone (IANA): its business day is that zone's date. */
let deskZone: string | undefined;

export function setDeskZone(zone: string | undefined): void {
  deskZone = zone || undefined;
}

/** Today as YYYY-MM-DD on the desk's clock in the unit's time zone (the core's business day). */
export function todayIso(): string {
  const now = new Date(deskNowMs());
  try {
    // By parts: how a locale orders them differs between engines (WebKitGTK writes en-CA as M/D/Y).
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: deskZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
    const part = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    return `${part("year")}-${part("month")}-${part("day")}`;
  } catch {
    const p = (n: number) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
  }
}

/**
 * A service period as people read it: the core stores its end exclusive (the next period's first
 * day); invoices print the last day, and so does the desk. "Dec 30, 2026 – Jan 29, 2027".
 */
export function formatPeriod(start: string | null | undefined, endExclusive: string | null | undefined): string {
  if (!start) return "—";
  if (!endExclusive) return `${formatDate(start)} – …`;
  const last = parseDay(endExclusive);
  last.setDate(last.getDate() - 1);
  return `${formatDate(start)} – ${Number.isNaN(last.getTime()) ? endExclusive : last.toLocaleDateString(displayLocale, { year: "numeric", month: "short", day: "numeric" })}`;
}

/** This month as YYYY-MM (the unit's business day). */
export function thisMonth(): string {
  return todayIso().slice(0, 7);
}

/** "2026-11" → "November 2026". */
export function formatMonth(month: string | null | undefined): string {
  if (!month || !/^\d{4}-\d{2}$/.test(month)) return month || "—";
  const [y, m] = month.split("-").map(Number);
  return new Date(y, m - 1, 1).toLocaleDateString(undefined, { year: "numeric", month: "long" });
}

/** A file size for people: "840 B", "12 KB", "1.4 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toLocaleString(undefined, { maximumFractionDigits: 1 })} MB`;
}

export function percent(p: number | null | undefined): string {
  if (p === null || p === undefined) return "—";
  return `${p.toLocaleString(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`;
}
