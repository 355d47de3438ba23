import { formatDate } from "../format";

/**
 * A range of days (YYYY-MM-DD, both inclusive) in the unit's locale, with what both days share
 * said once: "Oct 19 – Nov 17, 2026", "19 okt – 17 nov 2026". `locale` is the unit's (`localeOf`).
 */
export function dayRange(from: string, to: string, locale: string | undefined): string {
  const a = new Date(`${from}T12:00:00`);
  const b = new Date(`${to}T12:00:00`);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime()) || b < a) return `${formatDate(from)} – ${formatDate(to)}`;
  try {
    return new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric" }).formatRange(a, b);
  } catch {
    return `${formatDate(from)} – ${formatDate(to)}`;
  }
}
