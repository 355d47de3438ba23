import { useEffect, useState, type ReactNode } from "react";
import type { Payment } from "../../lib/api/bindings/Payment";
import type { Rental } from "../../lib/api/bindings/Rental";
import type { SubscriptionStatus } from "../../lib/api/bindings/SubscriptionStatus";
import { rolesFor } from "../../lib/access";
import { formatDate, formatDateTime, formatPeriod, months, words } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate, useRoute } from "../../lib/router";
import { useSession } from "../../lib/session";
import { ListCount, SortTh, type ListSort } from "../../lib/ui/ListControls";
import { useDebounced } from "../../lib/useDebounced";
import { Badge, Card, Check, Empty, Facts, Field, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea, Timeline } from "../../lib/ui";
import { CustomerFilter } from "../../lib/ui/CustomerFilter";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { call } from "../../lib/api/client";
import { textDocument } from "../../lib/documents";
import { RecoveryBar, RecoveryMini } from "../../lib/ui/Recovery";
import { LifecycleActions } from "./actions";
import { SubscriptionBadge } from "./shared";
import "./subscriptions.css";
import { NOTES_MAX_CHARS } from "../../lib/api/bindings/Vocabulary";

const STATUSES: SubscriptionStatus[] = ["active", "ended_completed", "ended_early_return", "ended_buyout", "ended_upgrade", "cancelled"];

export function SubscriptionsArea(props: { parts: string[] }) {
  const [id] = props.parts;
  return id ? <SubscriptionDetail key={id} id={id} /> : <SubscriptionsList />;
}

/** The query part of the route (`#/subscriptions?customer=…`), kept when filters change. */
function setQuery(area: string, q: URLSearchParams) {
  const text = q.toString();
  window.location.hash = href(area).slice(1) + (text ? `?${text}` : "");
}

function SubscriptionsList() {
  const s = useSession();
  const route = useRoute();
  const customerId = route.query.get("customer") ?? "";
  const orderId = route.query.get("order") ?? "";
  const status = route.query.get("status") ?? "";
  const pastEnd = route.query.get("pastEnd") === "1";
  const [serial, setSerial] = useState("");
  const [sort, setSort] = useState<ListSort>({ by: "createdAt", dir: "desc" });
  const dserial = useDebounced(serial.trim().toUpperCase(), 300);
  const list = usePagedList("subscriptions.list", {
    status: status || undefined,
    customerId: customerId || undefined,
    orderId: orderId || undefined,
    serialNumber: dserial || undefined,
    pastEnd: pastEnd || undefined,
    sortBy: sort.by,
    sortDir: sort.dir,
    includeTotal: true,
    limit: "50",
  });
  const change = (key: string, value: string) => {
    const q = new URLSearchParams(route.query);
    if (value) q.set(key, value);
    else q.delete(key);
    setQuery("subscriptions", q);
  };

  return (
    <>
      <ScreenHeader
        title="Subscriptions"
        sub={sort.by === "endDate" ? "Every device out with a customer, by contract end." : sort.by === "monthlyAmount" ? "Every device out with a customer, by monthly amount." : "Every device out with a customer, newest first."}
        actions={
          s.can("exports.rentals") && (
            <DocumentButton
              mode="save"
              testId="subscriptions-export"
              title="The FlexPortal rentals CSV, with the status and customer chosen here"
              load={async () => {
                const x = await call("exports.rentals", { format: "csv", status: status || undefined, customerIds: customerId ? [customerId] : undefined });
                return textDocument(x.filename, x.csvData);
              }}
            >
              Export CSV
            </DocumentButton>
          )
        }
      />
      <Card>
        <div className="filters">
          <Field label="Status">
            <Select value={status} onChange={(e) => change("status", e.target.value)} testId="subscriptions-status">
              <option value="">All statuses</option>
              {STATUSES.map((st) => (
                <option key={st} value={st}>
                  {words(st)}
                </option>
              ))}
            </Select>
          </Field>
          <CustomerFilter value={customerId} onChange={(v) => change("customer", v)} testId="subscriptions-customer" />
          <Field label="Serial number">
            <Input value={serial} onChange={(e) => setSerial(e.target.value)} className="mono" placeholder="Exact serial" testId="subscriptions-serial" />
          </Field>
          <div className="field">
            <span className="field-label">Contract end</span>
            <Check label="Past end date, still running" checked={pastEnd} onChange={(v) => change("pastEnd", v ? "1" : "")} />
          </div>
          {orderId && (
            <div className="field">
              <span className="field-label">Order</span>
              <span className="chip">
                <a href={href("orders", orderId)}>this order</a>
                <button type="button" className="chip-x" onClick={() => change("order", "")} aria-label="Any order">
                  ×
                </button>
              </span>
            </div>
          )}
        </div>
        <LoadError error={list.error} />
        {list.isLoading && <Loading what="subscriptions" />}
        {!list.isLoading && list.items.length === 0 && <Empty>No subscriptions match these filters.</Empty>}
        <ListCount shown={list.items.length} total={list.data?.pages[0]?.total} noun="subscriptions" testId="subscriptions-count" />
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table subscriptions-table" data-testid="subscriptions-table">
              <thead>
                <tr>
                  <th>Device</th>
                  <SortTh label="Customer" by="customerName" sort={sort} onSort={setSort} first="asc" testId="subscriptions-sort-customer" />
                  <SortTh label="Status" by="status" sort={sort} onSort={setSort} first="asc" testId="subscriptions-sort-status" />
                  <SortTh label="Monthly" by="monthlyAmount" sort={sort} onSort={setSort} num testId="subscriptions-sort-monthly" />
                  <SortTh label="Term" by="endDate" sort={sort} onSort={setSort} first="asc" testId="subscriptions-sort-end" />
                  <th>Cost recovery</th>
                  <th className="col-wide">Order</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((r) => (
                  <tr key={r.rentalId} className="clickable" onClick={() => navigate("subscriptions", r.rentalId)} data-testid="subscriptions-row" data-status={r.status}>
                    <td>
                      <a className="rowlink mono" href={href("subscriptions", r.rentalId)} onClick={(e) => e.stopPropagation()}>
                        {r.assetSerialNumber}
                      </a>
                      <div className="small muted">{r.productName}</div>
                    </td>
                    <td>
                      {r.customerName}
                      <div className="small muted email">{r.customerEmail}</div>
                    </td>
                    <td>
                      <SubscriptionBadge rental={r} />
                      {r.needsAction && <div className="small warn-text">past end date</div>}
                    </td>
                    <td className="num">{s.money(r.monthlyAmount)}</td>
                    <td className="small">
                      <span className="nowrap">{formatDate(r.startDate)} –</span> <span className="nowrap">{formatDate(r.endDate)}</span>
                      <div className="muted">{months(r.contractLength)}</div>
                    </td>
                    <td>
                      <RecoveryMini percent={r.costRecoveryPercent} />
                    </td>
                    <td className="mono small nowrap col-wide">{r.orderNumber ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      </Card>
    </>
  );
}

function SubscriptionDetail(props: { id: string }) {
  const s = useSession();
  const q = useCommand("subscriptions.get", { id: props.id });
  const d = q.data;
  if (q.isLoading) return <Loading what="the subscription" />;
  if (!d) {
    return (
      <>
        <ScreenHeader title="Subscription" back={{ href: href("subscriptions"), label: "Subscriptions" }} />
        <LoadError error={q.error} />
      </>
    );
  }
  const r = d.rental;
  return (
    <>
      <ScreenHeader
        title={
          <>
            <span className="mono">{r.assetSerialNumber}</span> · {r.customerName}
          </>
        }
        sub={
          <>
            {r.productName} · {s.money(r.monthlyAmount)} a month · {months(r.contractLength)}
          </>
        }
        back={{ href: href("subscriptions"), label: "Subscriptions" }}
        actions={<SubscriptionBadge rental={r} testId="subscription-status" />}
      />
      {r.needsAction && <div className="load-error">The contract ended on {formatDate(r.endDate)}; this business unit asks staff to extend, buy out or take the device back.</div>}
      <LifecycleActions rental={r} />
      <div className="grid-detail">
        <div>
          <Card title="Terms">
            <Facts
              items={[
                ["Monthly", s.money(r.monthlyAmount)],
                ["Contract", `${months(r.contractLength)}${r.originalContractLength !== r.contractLength ? ` (was ${r.originalContractLength})` : ""}`],
                ["Start", formatDate(r.startDate)],
                ["End", formatDate(r.endDate)],
                ["Next billing", formatDate(r.nextBillingDate)],
                ["Months rented", String(r.actualMonthsRented)],
                ["Order", r.orderNumber ? <a href={href("orders", r.orderId)} className="mono">{r.orderNumber}</a> : "—"],
                ...(r.cancellationDetails?.voidedAt
                  ? ([["Voided", formatDateTime(r.cancellationDetails.voidedAt)]] as [string, ReactNode][])
                  : r.endedOn
                    ? ([["Ended", formatDate(r.endedOn)]] as [string, ReactNode][])
                    : []),
                ...(r.upgradeFromRentalId ? ([["Upgraded from", <a href={href("subscriptions", r.upgradeFromRentalId)}>previous subscription</a>]] as [string, ReactNode][]) : []),
                ...(r.upgradedToRentalId ? ([["Upgraded to", <a href={href("subscriptions", r.upgradedToRentalId)}>new subscription</a>]] as [string, ReactNode][]) : []),
              ]}
            />
          </Card>
          <Card title="Payment schedule">
            <Schedule payments={d.payments} />
          </Card>
          <History rental={r} />
          <NotesCard rental={r} />
        </div>
        <div>
          {s.figures && (
            <Card title="Cost recovery">
              <RecoveryBar
                percent={r.costRecoveryPercent}
                collected={r.totalCollected}
                cost={r.acquisitionCost}
                profit={r.currentProfit}
                breakevenMonths={r.breakevenMonths ?? null}
                reached={r.hasReachedBreakeven}
              />
            </Card>
          )}
          <Card title="Customer">
            <Facts
              items={[
                ["Name", <a href={href("customers", r.customerId)}>{r.customerName}</a>],
                ["Email", r.customerEmail],
                ["Payments", <a href={`${href("payments")}?tab=all&customer=${encodeURIComponent(r.customerId)}`}>All payments</a>],
              ]}
            />
          </Card>
          <Card title="Device">
            <Facts
              items={[
                ["Serial", <a className="mono" href={href("assets", r.assetSerialNumber)}>{r.assetSerialNumber}</a>],
                ["SKU", <span className="mono">{r.sku}</span>],
                ["Product", r.productName],
                ["List price", s.money(r.listPrice)],
                ...(s.figures ? ([["Acquisition cost", s.money(r.acquisitionCost)]] as [string, string][]) : []),
              ]}
            />
          </Card>
          <Timeline entityType="subscription" entityId={r.rentalId} />
        </div>
      </div>
    </>
  );
}

function Schedule(props: { payments: Payment[] }) {
  const s = useSession();
  if (props.payments.length === 0) return <Empty>No payments scheduled.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact" data-testid="subscription-schedule">
        <thead>
          <tr>
            <th>Period</th>
            <th>Due</th>
            <th>Kind</th>
            <th className="num">Amount</th>
            <th>Status</th>
            <th>Paid</th>
          </tr>
        </thead>
        <tbody>
          {props.payments.map((p) => (
            <tr key={p.paymentId} data-testid="schedule-row" data-status={p.status} data-kind={p.kind}>
              <td className="small nowrap">{p.kind === "charge" ? <span className="muted">one-off</span> : formatPeriod(p.periodStart, p.periodEnd)}</td>
              <td className="small nowrap">{formatDate(p.dueDate)}</td>
              <td className="small">{p.kind === "charge" ? p.chargeLabel || "charge" : words(p.kind)}</td>
              <td className="num">
                {s.money(p.total)}
                {(p.status === "pending" || p.status === "failed") && Number(p.amountReceived) > 0 && <div className="small muted nowrap">{s.money(p.amountOpen)} open</div>}
                {Number(p.amountRefunded) > 0 && <div className="small bad-text nowrap">{s.money(p.amountRefunded)} refunded</div>}
              </td>
              <td>
                <Badge status={p.overdue ? "overdue" : p.status} label={p.overdue ? `overdue ${p.daysOverdue} d` : undefined} />
              </td>
              <td className="small">
                {p.paidAt ? formatDate(p.paidAt) : "—"}
                {p.paymentReference && <div className="muted mono">{p.paymentReference}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Extensions, replacements and how it ended, as recorded on the subscription. */
function History(props: { rental: Rental }) {
  const s = useSession();
  const r = props.rental;
  const rows: [string, string][] = [];
  for (const e of r.extensionHistory) {
    rows.push([formatDateTime(e.extendedAt), `Extended by ${months(e.extensionMonths)} to ${formatDate(e.newEndDate)} at ${s.money(e.newMonthlyAmount)} by ${e.extendedBy.displayName ?? e.extendedBy.userId}${e.reason ? `: ${e.reason}` : ""}`]);
  }
  for (const e of r.replacementHistory) {
    rows.push([formatDateTime(e.replacedAt), `Replaced ${e.oldSerialNumber} with ${e.newSerialNumber} (${words(e.reason)}) by ${e.replacedBy.displayName ?? e.replacedBy.userId}`]);
  }
  if (r.buyoutDetails) rows.push([formatDate(r.buyoutDetails.buyoutDate), `Bought out for ${s.money(r.buyoutDetails.buyoutPrice)} (${words(r.buyoutDetails.reason)})`]);
  if (r.earlyReturnDetails)
    rows.push([
      formatDateTime(r.earlyReturnDetails.returnedAt),
      `Returned early in ${r.earlyReturnDetails.returnCondition} condition; fee ${r.earlyReturnDetails.feeWaived ? "waived" : s.money(r.earlyReturnDetails.fee)}`,
    ]);
  const c = r.cancellationDetails;
  if (c?.voidedAt) rows.push([formatDateTime(c.voidedAt), `${c.notes || "Activation voided"} (by ${c.processedBy.displayName ?? c.processedBy.userId})`]);
  else if (c) rows.push([formatDateTime(c.cancelledAt), `Cancelled (${words(c.reason)})${c.notes ? `: ${c.notes}` : ""}`]);
  if (rows.length === 0) return null;
  return (
    <Card title="Changes">
      <Facts items={rows} />
    </Card>
  );
}

function NotesCard(props: { rental: Rental }) {
  const s = useSession();
  const r = props.rental;
  const [notes, setNotes] = useState(r.notes ?? "");
  useEffect(() => setNotes(r.notes ?? ""), [r.notes]);
  const save = useAction("subscriptions.setNotes", { success: "Notes saved." });
  const may = s.can("subscriptions.setNotes");
  const changed = notes !== (r.notes ?? "");
  return (
    <Card title="Notes">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ id: r.rentalId, notes });
        }}
      >
        <Textarea rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} disabled={!may} maxLength={NOTES_MAX_CHARS} testId="subscription-notes" />
        <div className="row gap">
          <button className="btn" disabled={!may || !changed || save.isPending} data-testid="subscription-notes-save">
            {save.isPending ? "Saving…" : "Save notes"}
          </button>
        </div>
        {!may && <RoleHint roles={rolesFor("subscriptions.setNotes")} />}
      </form>
    </Card>
  );
}
