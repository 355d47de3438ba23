// Display only: amounts arrive as decimal strings and are turned into numbers solely to be
// formatted here. Nothing in the UI adds, multiplies or rounds money.

const cache = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, exponent: number): Intl.NumberFormat {
  const key = `${currency}:${exponent}`;
  let f = cache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, {
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

/** "89.00" + EUR → "€89.00" (in the reader's locale). Empty or unreadable amounts show as "—". */
export function formatMoney(amount: string | null | undefined, currency: string, exponent = 2): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const n = Number(amount);
  if (!Number.isFinite(n)) return amount;
  return moneyFormat(currency, exponent).format(n);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function months(n: number): string {
  return n === 1 ? "1 month" : `${n} months`;
}

/** "rented_out" → "rented out". */
export function words(s: string): string {
  return s.replace(/_/g, " ");
}

/** Today as YYYY-MM-DD in the desk's local time (a date, not money). */
export function todayIso(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function percent(p: number | null | undefined): string {
  if (p === null || p === undefined) return "—";
  return `${p.toLocaleString(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} %`;
}
