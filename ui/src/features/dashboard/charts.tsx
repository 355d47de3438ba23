// The dashboard's two money charts: a year of recurring revenue beside the money collected
// (paired bars per month, plain SVG), and the overdue money by age as bars that open the payments
// behind them. Amounts are the core's decimal strings; they become numbers here only to size a
// bar, and are written with the session's money format. Every figure is also in text: each bar's
// tooltip, and a table for screen readers.
import { useEffect, useRef, useState } from "react";
import type { AgeBucket } from "../../lib/api/bindings/AgeBucket";
import type { MonthFigure } from "../../lib/api/bindings/MonthFigure";
import { formatDate, localeOf } from "../../lib/format";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Empty } from "../../lib/ui";
import { dayRange } from "../../lib/ui/dayRange";

const H = 230;
const LEFT = 64; // room for the amounts of the grid lines
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 40; // room for the month and, under the first month and each January, the year
const PLOT_H = H - TOP - BOTTOM;

/** A number for sizing a bar ("1234.50" → 1234.5); unreadable or negative amounts draw nothing. */
function size(amount: string): number {
  const n = Number(amount);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The scale's grid lines: about four round steps (1, 2, 2.5 or 5 times a power of ten) up to the largest bar. */
function gridLines(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const p = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * p).find((v) => v >= rough) ?? 10 * p;
  const lines = [];
  for (let v = 0; v < max + step; v += step) lines.push(v);
  return lines;
}

function monthDate(month: string): Date {
  const [y, m] = month.split("-").map(Number);
  return new Date(y, (m || 1) - 1, 1);
}

/** "2026-11" in the unit's locale: short ("nov") and long ("november 2026"). */
function monthNames(month: string, locale: string | undefined) {
  const d = monthDate(month);
  if (Number.isNaN(d.getTime())) return { short: month, long: month, year: "" };
  return {
    short: d.toLocaleDateString(locale, { month: "short" }),
    long: d.toLocaleDateString(locale, { month: "long", year: "numeric" }),
    year: String(d.getFullYear()),
  };
}

/** A grid line's amount, short, in the unit's locale and currency ("€ 5K"). */
function compactMoney(value: number, currency: string, locale: string | undefined): string {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 }).format(value);
  } catch {
    return String(value);
  }
}

/** The width of a box in pixels, followed as the window changes (the chart draws at that width, so its text stays its size). */
function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(280, Math.round(el.getBoundingClientRect().width)));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

/** Recurring revenue and money collected, net, for the 12 months the core gives (oldest first). */
export function MonthsChart(props: { months: MonthFigure[] }) {
  const s = useSession();
  const [box, W] = useWidth<HTMLDivElement>(720);
  const locale = localeOf(s.bu);
  const currency = s.bu?.currency ?? "EUR";
  const months = props.months;
  if (months.length === 0) return <Empty>No months to show yet.</Empty>;
  const lines = gridLines(Math.max(0, ...months.flatMap((m) => [size(m.revenue), size(m.collected)])));
  const top = lines[lines.length - 1];
  const slot = (W - LEFT - RIGHT) / months.length;
  const bar = Math.min(22, slot * 0.34);
  const y = (v: number) => TOP + PLOT_H - (v / top) * PLOT_H;
  const names = months.map((m) => monthNames(m.month, locale));
  const first = names[0];
  const last = names[names.length - 1];
  const now = months[months.length - 1];
  const summary =
    `Recurring revenue and money collected, net, per month from ${first.long} to ${last.long}. ` +
    `${last.long}: revenue ${s.money(now.revenue)}, collected ${s.money(now.collected)}.`;
  return (
    <div className="months-chart" data-testid="dash-months-chart" ref={box}>
      <div className="chart-legend small" aria-hidden="true">
        <span className="legend series-revenue">Recurring revenue</span>
        <span className="legend series-collected">Collected</span>
        <span className="muted">Net amounts</span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={summary} className="chart-svg">
        {lines.map((v) => (
          <g key={v} className="chart-grid">
            <line x1={LEFT} x2={W - RIGHT} y1={y(v)} y2={y(v)} />
            <text x={LEFT - 8} y={y(v)} dy="0.32em" textAnchor="end">
              {compactMoney(v, currency, locale)}
            </text>
          </g>
        ))}
        {months.map((m, i) => {
          const x = LEFT + i * slot + slot / 2;
          const n = names[i];
          const showYear = i === 0 || m.month.endsWith("-01");
          const rev = size(m.revenue);
          const col = size(m.collected);
          return (
            <g key={m.month} data-testid="dash-month-bar" data-month={m.month}>
              {/* A wide, invisible target so the month's tooltip also shows between and above its bars (under them, so a bar's own tooltip wins). */}
              <rect className="bar-hit" x={x - slot / 2} width={slot} y={TOP} height={PLOT_H}>
                <title>{`${n.long}\nRecurring revenue: ${s.money(m.revenue)}\nCollected: ${s.money(m.collected)}`}</title>
              </rect>
              <rect className="bar-revenue" x={x - bar - 1} width={bar} y={y(rev)} height={Math.max(0, TOP + PLOT_H - y(rev))}>
                <title>{`${n.long}: recurring revenue ${s.money(m.revenue)}`}</title>
              </rect>
              <rect className="bar-collected" x={x + 1} width={bar} y={y(col)} height={Math.max(0, TOP + PLOT_H - y(col))}>
                <title>{`${n.long}: collected ${s.money(m.collected)}`}</title>
              </rect>
              <text className="chart-month" x={x} y={H - BOTTOM + 16} textAnchor="middle">
                {n.short}
              </text>
              {showYear && (
                <text className="chart-year" x={x} y={H - BOTTOM + 32} textAnchor="middle">
                  {n.year}
                </text>
              )}
            </g>
          );
        })}
        <line className="chart-axis" x1={LEFT} x2={W - RIGHT} y1={TOP + PLOT_H} y2={TOP + PLOT_H} />
      </svg>
      <table className="sr-only">
        <caption>Recurring revenue and money collected per month, net</caption>
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col">Recurring revenue</th>
            <th scope="col">Collected</th>
          </tr>
        </thead>
        <tbody>
          {months.map((m, i) => (
            <tr key={m.month}>
              <th scope="row">{names[i].long}</th>
              <td>{s.money(m.revenue)}</td>
              <td>{s.money(m.collected)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The payments list of one age: the overdue tab, its due dates (inclusive) in the address. */
export function agingHref(b: AgeBucket): string {
  const q = new URLSearchParams({ tab: "overdue" });
  if (b.dueFrom) q.set("dueFrom", b.dueFrom);
  q.set("dueTo", b.dueTo);
  return `${href("payments")}?${q.toString()}`;
}

/** Overdue money by days past due, youngest first; each bar opens its payments. */
export function AgingBars(props: { buckets: AgeBucket[] }) {
  const s = useSession();
  const locale = localeOf(s.bu);
  const buckets = props.buckets;
  if (buckets.length === 0) return <Empty>Nothing overdue.</Empty>;
  const max = Math.max(0, ...buckets.map((b) => size(b.total)));
  return (
    <div className="bars" data-testid="dash-aging">
      {buckets.map((b, i) => {
        const due = b.dueFrom ? `due ${dayRange(b.dueFrom, b.dueTo, locale)}` : `due on or before ${formatDate(b.dueTo)}`;
        const count = b.count === 1 ? "1 payment" : `${b.count} payments`;
        return (
          <a
            key={b.label}
            className={`bar-row bar-link ${i === 0 ? "tone-warn" : "tone-bad"} ${b.count === 0 ? "bar-none" : ""}`}
            href={agingHref(b)}
            data-testid="dash-aging-bucket"
            data-label={b.label}
            data-count={b.count}
            aria-label={`${b.label} overdue: ${s.money(b.total)}, ${count}, ${due}. Open these payments.`}
          >
            <span className="bar-label">{b.label}</span>
            <span className="bar-track">
              <span className="bar-fill" style={{ width: `${max > 0 ? (size(b.total) / max) * 100 : 0}%` }} />
            </span>
            <span className="bar-value">{s.money(b.total)}</span>
            <span className="bar-sub muted small">
              {count} · {due}
            </span>
          </a>
        );
      })}
    </div>
  );
}
