import type { ReactNode } from "react";
import { formatDate, percent, words } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { href } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, LoadError, Loading, ScreenHeader } from "../../lib/ui";
import { recoveryTone } from "../../lib/ui/Recovery";
import { AgingBars, MonthsChart } from "./charts";
import "./dashboard.css";

function Tile(props: { label: string; value: ReactNode; sub?: ReactNode; link?: string; testId: string; tone?: "bad" | "warn" | "ok" }) {
  const body = (
    <>
      <span className="tile-label">{props.label}</span>
      <span className={`tile-value ${props.tone ? `${props.tone}-text` : ""}`} data-testid={`${props.testId}-value`}>
        {props.value}
      </span>
      {props.sub && <span className="tile-sub">{props.sub}</span>}
    </>
  );
  return props.link ? (
    <a className="tile tile-link" href={props.link} data-testid={props.testId}>
      {body}
    </a>
  ) : (
    <div className="tile" data-testid={props.testId}>
      {body}
    </div>
  );
}

export function DashboardScreen() {
  const s = useSession();
  const q = useCommand("dashboard.get", {});
  const run = useAction("runs.daily", {
    success: (r) => {
      const u = r.units.find((x) => x.buId === s.bu?.id);
      if (!u) return `Daily run for ${formatDate(r.date)} done.`;
      if (u.error) return `The daily run for ${formatDate(u.date)} stopped for ${u.buName}: ${u.error}`;
      const c = u.contractEnd;
      return `Daily run for ${formatDate(u.date)}: ${u.lateFees} late fees, ${c.completed} completed, ${c.renewedTerms} renewed, ${c.renewalPayments} month-by-month payments, ${c.needsAction} need action.`;
    },
  });
  const d = q.data;
  const maxCount = d ? Math.max(1, ...d.assetsByStatus.map((x) => x.count)) : 1;
  return (
    <>
      <ScreenHeader
        title="Dashboard"
        sub={d ? `${s.bu?.name} on ${formatDate(d.date)}` : undefined}
        actions={
          s.can("runs.daily") && (
            <button className="btn" onClick={() => run.mutate({})} disabled={run.isPending} data-testid="dash-run-daily" title="Contract-end rules and late fees as of today (safe to run again)">
              {run.isPending ? "Running…" : "Run today's billing rules"}
            </button>
          )
        }
      />
      {q.isLoading && <Loading what="the figures" />}
      <LoadError error={q.error} />
      {d?.lastRun?.error && (
        <div className="error-banner" role="alert" data-testid="dash-run-failed">
          The daily run for {formatDate(d.lastRun.ranFor)} stopped for this business unit: {d.lastRun.error} Correct it in Settings, then run today's billing rules again.
        </div>
      )}
      {d && (
        <>
          <div className="tiles">
            <Tile label="Active subscriptions" value={d.activeSubscriptions} link={`${href("subscriptions")}?status=active`} testId="dash-active" />
            <Tile label="Monthly recurring revenue" value={s.money(d.monthlyRecurringRevenue)} testId="dash-mrr" />
            <Tile
              label="Overdue"
              value={s.money(d.overdueTotal)}
              sub={`${d.overdueCount} payments`}
              link={`${href("payments")}?tab=overdue`}
              testId="dash-overdue"
              tone={d.overdueCount > 0 ? "bad" : undefined}
            />
            <Tile label="Due in the next 30 days" value={s.money(d.dueSoonTotal)} sub={`${d.dueSoonCount} payments`} link={`${href("payments")}?tab=due`} testId="dash-due-soon" />
            <Tile label="Collected this month" value={s.money(d.collectedThisMonth)} link={`${href("payments")}?tab=paid`} testId="dash-collected" tone="ok" />
            <Tile label="Orders to fulfil" value={d.ordersToFulfil} sub="Open the scan station" link={href("scan")} testId="dash-to-fulfil" tone={d.ordersToFulfil > 0 ? "warn" : undefined} />
            <Tile label="Awaiting inspection" value={d.awaitingInspection} sub="Open the returns desk" link={href("returns")} testId="dash-inspection" tone={d.awaitingInspection > 0 ? "warn" : undefined} />
            <Tile label="Past end date" value={d.pastEndDate} sub="Contracts to follow up" link={`${href("subscriptions")}?pastEnd=1`} testId="dash-past-end" tone={d.pastEndDate > 0 ? "warn" : undefined} />
          </div>
          <div className="grid-detail">
            <Card title="Revenue and collections, last 12 months">
              <MonthsChart months={d.months} />
            </Card>
            <Card title="Overdue by age">
              <AgingBars buckets={d.overdueByAge} />
              <p className="small">
                <a href={`${href("payments")}?tab=overdue`}>All overdue payments</a>
              </p>
            </Card>
          </div>
          <div className="grid-detail">
            {s.figures && (
              <Card title="Cost recovery by product">
                {d.recoveryByProduct.length === 0 && <Empty>No subscriptions yet.</Empty>}
                {d.recoveryByProduct.length > 0 && (
                  <div className="bars" data-testid="dash-recovery">
                    {d.recoveryByProduct.map((p) => {
                      const tone = recoveryTone(p.costRecoveryPercent);
                      return (
                        <div key={p.productId} className="bar-row" title={`${p.subscriptions} subscriptions, ${p.active} active`}>
                          <span className="bar-label">{p.productName}</span>
                          <span className={`bar-track tone-${tone}`}>
                            <span className="bar-fill" style={{ width: `${Math.max(0, Math.min(100, p.costRecoveryPercent ?? 0))}%` }} />
                          </span>
                          <span className="bar-value">{percent(p.costRecoveryPercent)}</span>
                          <span className="bar-sub muted small">
                            {s.money(p.collected)} of {s.money(p.acquisitionCost)} · {p.active}/{p.subscriptions} active
                          </span>
                        </div>
                      );
                    })}
                    <div className="bar-legend small muted">
                      <span className="legend tone-bad">up to 50 %</span>
                      <span className="legend tone-warn">up to 100 %</span>
                      <span className="legend tone-ok">above 100 %</span>
                    </div>
                  </div>
                )}
              </Card>
            )}
            <Card title="Assets by status">
              <div className="bars" data-testid="dash-assets">
                {d.assetsByStatus.map((a) => (
                  <div key={a.status} className="bar-row status-row">
                    <span className="bar-label">
                      <Badge status={a.status} label={words(a.status)} />
                    </span>
                    <span className="bar-track tone-info">
                      <span className="bar-fill" style={{ width: `${(a.count / maxCount) * 100}%` }} />
                    </span>
                    <span className="bar-value">{a.count}</span>
                  </div>
                ))}
                {d.assetsByStatus.length === 0 && <Empty>No assets yet.</Empty>}
              </div>
              <p className="small">
                <a href={href("assets")}>All assets</a>
              </p>
            </Card>
          </div>
        </>
      )}
    </>
  );
}
