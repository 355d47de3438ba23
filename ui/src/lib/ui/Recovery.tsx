import { useSession } from "../session";

/** red up to 50 %, amber up to 100 %, green above. */
export function recoveryTone(percent: number | null | undefined): "bad" | "warn" | "ok" | "none" {
  if (percent === null || percent === undefined) return "none";
  if (percent <= 50) return "bad";
  if (percent <= 100) return "warn";
  return "ok";
}

function pct(p: number): string {
  return `${p.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`;
}

/** A thin bar with the percent only (lists and charts). */
export function RecoveryMini(props: { percent: number | null | undefined; label?: string }) {
  const tone = recoveryTone(props.percent);
  const width = Math.max(0, Math.min(100, props.percent ?? 0));
  return (
    <span className="recovery-mini" title={props.label ?? "Cost recovery"}>
      <span className={`recovery-track tone-${tone}`}>
        <span className="recovery-fill" style={{ width: `${width}%` }} />
      </span>
      <span className="recovery-pct">{props.percent === null || props.percent === undefined ? "—" : pct(props.percent)}</span>
    </span>
  );
}

/** Cost recovery of a device or subscription: collected against its cost, as the core figured it. */
export function RecoveryBar(props: {
  percent: number | null | undefined;
  collected: string | null | undefined;
  cost: string | null | undefined;
  profit: string | null | undefined;
  breakevenMonths?: number | null;
  reached?: boolean;
  testId?: string;
}) {
  const s = useSession();
  const tone = recoveryTone(props.percent);
  const width = Math.max(0, Math.min(100, props.percent ?? 0));
  const none = props.percent === null || props.percent === undefined;
  return (
    <div className="recovery" data-testid={props.testId ?? "recovery-bar"} data-tone={tone}>
      <div className="recovery-head">
        <span className={`recovery-big tone-${tone}`}>{none ? "No cost recorded" : pct(props.percent as number)}</span>
        <span className="muted small">{none ? "Cost recovery needs an acquisition cost." : props.reached ? "Breakeven reached" : "of the cost recovered"}</span>
      </div>
      <div className={`recovery-track large tone-${tone}`} role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(width)} aria-label="Cost recovery">
        <span className="recovery-fill" style={{ width: `${width}%` }} />
      </div>
      <dl className="recovery-facts">
        <div>
          <dt>Collected</dt>
          <dd className="num">{s.money(props.collected)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd className="num">{s.money(props.cost)}</dd>
        </div>
        <div>
          <dt>Profit</dt>
          <dd className={`num ${props.profit && props.profit.startsWith("-") ? "neg" : ""}`}>{s.money(props.profit)}</dd>
        </div>
        {props.breakevenMonths !== undefined && (
          <div>
            <dt>Breakeven</dt>
            <dd className="num">{props.breakevenMonths === null ? "—" : `${props.breakevenMonths} months`}</dd>
          </div>
        )}
      </dl>
    </div>
  );
}
