import { Fragment, useEffect, useMemo, useState } from "react";
import type { BillingGroup } from "../../lib/api/bindings/BillingGroup";
import { rolesFor } from "../../lib/access";
import { formatDate, formatDateTime, formatPeriod } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, Facts, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Timeline } from "../../lib/ui";
import { PaymentLines } from "../../lib/ui/PaymentLines";
import { taxInText, useStatedBasis, useTaxName } from "../../lib/ui/PriceRows";
import { NextDue, dayOf, GroupFields, MemberPicker } from "./parts";
import { EInvoicingCard } from "../../lib/ui/EInvoicingCard";

export function GroupDetail(props: { id: string }) {
  const s = useSession();
  const tax = taxInText(useTaxName());
  const basis = useStatedBasis();
  const q = useCommand("billingGroups.get", { id: props.id });
  const g = q.data;
  if (q.isLoading) return <Loading what="the billing group" />;
  if (!g) {
    return (
      <>
        <ScreenHeader title="Billing group" back={{ href: href("billing"), label: "Billing groups" }} />
        <LoadError error={q.error} />
      </>
    );
  }
  return (
    <>
      <ScreenHeader
        title={g.groupName}
        sub={
          <>
            <a href={href("customers", g.customerId)}>{g.customerName}</a> · billed on day {g.billingDay} of each month
          </>
        }
        back={{ href: href("billing"), label: "Billing groups" }}
        actions={<Badge status={g.status} testId="billing-status" />}
      />
      <div className="totals-strip">
        <div className="stat">
          {/* The members' monthly prices as the unit states them: net unless its prices include the tax.
              The consolidated payments below carry the tax. */}
          <span className="stat-label" data-testid="billing-monthly-label">
            Monthly total, {basis}
          </span>
          <span className="stat-value" data-testid="billing-monthly-total">
            {s.money(g.totalMonthlyAmount)}
          </span>
          <span className="muted small">{s.bu?.settings.taxInclusive ? `${tax} included, as the payments below` : `The payments below add the ${tax}`}</span>
        </div>
        <div className="stat">
          <span className="stat-label">Active subscriptions</span>
          <span className="stat-value" data-testid="billing-active-count">
            {g.activeRentalCount}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Next payment due</span>
          <span className="stat-value">
            <NextDue date={g.nextBillingDate} />
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Billing day</span>
          <span className="stat-value">{g.billingDay}</span>
        </div>
      </div>
      <div className="grid-detail">
        <div>
          <Members group={g} />
          <Card title="Details">
            <Facts
              items={[
                ["Customer", <a href={href("customers", g.customerId)}>{g.customerName}</a>],
                ["Consolidated since", formatDate(g.consolidateFrom)],
                ["Created", `${formatDateTime(g.createdAt)} by ${g.createdBy}`],
                ["Changed", formatDateTime(g.updatedAt)],
                ["Payments", <a href={`${href("payments")}?tab=all&customer=${encodeURIComponent(g.customerId)}`}>All payments of the customer</a>],
              ]}
            />
          </Card>
        </div>
        <div>
          <ChangeGroup group={g} />
          <EInvoicingCard groupId={g.billingGroupId} customerId={g.customerId} />
        </div>
      </div>
      <GroupPayments group={g} />
      <Timeline entityType="billing_group" entityId={g.billingGroupId} />
    </>
  );
}

function Members(props: { group: BillingGroup }) {
  const s = useSession();
  const g = props.group;
  const may = s.can("billingGroups.update");
  const subs = useCommand("subscriptions.list", { customerId: g.customerId, status: "active", limit: "100" });
  // The active members, as the picker shows them; ended subscriptions are history.
  const current = useMemo(() => new Set((subs.data?.items ?? []).filter((r) => r.billingGroupId === g.billingGroupId).map((r) => r.rentalId)), [subs.data, g.billingGroupId]);
  const [selected, setSelected] = useState<Set<string>>(current);
  useEffect(() => setSelected(current), [current]);
  const ended = g.rentalIds.filter((id) => subs.data && !subs.data.items.some((r) => r.rentalId === id));
  const changed = selected.size !== current.size || [...selected].some((id) => !current.has(id));
  const save = useAction("billingGroups.update", { success: (x) => `${x.activeRentalCount} subscription(s) now billed in “${x.groupName}”.` });
  return (
    <Card title="Subscriptions in the group">
      <MemberPicker customerId={g.customerId} groupId={g.billingGroupId} selected={selected} onChange={setSelected} disabled={!may} />
      {ended.length > 0 && <p className="muted small">{ended.length === 1 ? "1 ended subscription stays" : `${ended.length} ended subscriptions stay`} on the consolidated payments it was billed on.</p>}
      <div className="row gap">
        <button
          className="btn btn-primary"
          disabled={!may || !changed || selected.size === 0 || save.isPending}
          onClick={() => save.mutate({ id: g.billingGroupId, billingDay: null, rentalIds: [...selected] })}
          data-testid="billing-members-save"
        >
          {save.isPending ? "Saving…" : "Save the members"}
        </button>
        {changed && (
          <button type="button" className="btn btn-ghost" onClick={() => setSelected(current)}>
            Undo
          </button>
        )}
        {changed && selected.size === 0 && <span className="small warn-text">A group keeps at least one subscription; delete the group instead.</span>}
      </div>
      {!may && <RoleHint roles={rolesFor("billingGroups.update")} />}
    </Card>
  );
}

function draftOf(g: BillingGroup) {
  return { name: g.groupName, day: String(g.billingDay), notes: g.notes ?? "" };
}

function ChangeGroup(props: { group: BillingGroup }) {
  const s = useSession();
  const g = props.group;
  const may = s.can("billingGroups.update");
  const [d, setD] = useState(() => draftOf(g));
  useEffect(() => setD(draftOf(g)), [g]);
  const [asking, setAsking] = useState(false);
  const save = useAction("billingGroups.update", { success: "Billing group saved." });
  const status = useAction("billingGroups.update", {
    success: (x) => (x.status === "active" ? `“${x.groupName}” is active again: its subscriptions are billed together.` : `“${x.groupName}” is inactive: its subscriptions bill on their own.`),
  });
  const del = useAction("billingGroups.delete", { success: (r) => r.message, onSuccess: () => navigate("billing") });
  const day = dayOf(d.day);
  const changed = d.name.trim() !== g.groupName || day !== g.billingDay || d.notes.trim() !== (g.notes ?? "");
  const active = g.status === "active";
  return (
    <Card title="Change">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (day === null || !d.name.trim()) return;
          save.mutate({
            id: g.billingGroupId,
            groupName: d.name.trim() !== g.groupName ? d.name.trim() : undefined,
            billingDay: day !== g.billingDay ? day : null,
            notes: d.notes.trim() !== (g.notes ?? "") ? d.notes.trim() : undefined,
          });
        }}
      >
        <GroupFields name={d.name} day={d.day} notes={d.notes} onChange={(p) => setD({ ...d, ...p })} error={save.error} disabled={!may} />
        <div className="row gap wrap">
          <button className="btn btn-primary" disabled={!may || !changed || day === null || !d.name.trim() || save.isPending} data-testid="billing-save">
            {save.isPending ? "Saving…" : "Save"}
          </button>
          <button
            type="button"
            className="btn"
            disabled={!may || status.isPending}
            onClick={() => status.mutate({ id: g.billingGroupId, billingDay: null, status: active ? "inactive" : "active" })}
            data-testid="billing-status-toggle"
          >
            {active ? "Set inactive" : "Set active"}
          </button>
          {!asking && (
            <button type="button" className="btn btn-danger" disabled={!s.can("billingGroups.delete")} onClick={() => setAsking(true)} data-testid="billing-delete">
              Delete…
            </button>
          )}
        </div>
        {asking && (
          <div className="quote-box warn">
            <p>
              Delete “{g.groupName}”? Its {g.rentalIds.length === 1 ? "subscription bills" : `${g.rentalIds.length} subscriptions bill`} on their own again; open consolidated payments that were not invoiced dissolve into their own payments. Nothing is cancelled.
            </p>
            <div className="row gap">
              <button type="button" className="btn btn-danger" onClick={() => del.mutate({ id: g.billingGroupId })} disabled={del.isPending} data-testid="billing-delete-confirm" autoFocus>
                {del.isPending ? "Deleting…" : "Yes, delete the group"}
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setAsking(false)}>
                Keep it
              </button>
            </div>
          </div>
        )}
        <p className="muted small">
          {active ? "Inactive groups stop gathering payments; their subscriptions bill on their own until the group is active again." : "This group is inactive: its subscriptions bill on their own."}
        </p>
        {!may && <RoleHint roles={rolesFor("billingGroups.update")} />}
      </form>
    </Card>
  );
}

/** The group's consolidated payments, each with its lines: the open ones soonest first, or all newest first. */
function GroupPayments(props: { group: BillingGroup }) {
  const s = useSession();
  const g = props.group;
  const [all, setAll] = useState(false);
  const list = usePagedList("payments.list", all ? { billingGroupId: g.billingGroupId, sortDir: "desc", limit: "12" } : { billingGroupId: g.billingGroupId, status: "pending,failed", sortDir: "asc", limit: "12" });
  const [open, setOpen] = useState<Set<string> | null>(null);
  // The next open payment starts unfolded.
  const next = list.items.find((p) => p.status === "pending" || p.status === "failed");
  const shown = open ?? new Set(next ? [next.paymentId] : []);
  const toggle = (id: string) => {
    const n = new Set(shown);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    setOpen(n);
  };
  return (
    <Card
      title="Consolidated payments"
      actions={
        <Select value={all ? "all" : "open"} onChange={(e) => setAll(e.target.value === "all")} aria-label="Which payments" testId="billing-payments-filter">
          <option value="open">Open, soonest first</option>
          <option value="all">All, newest first</option>
        </Select>
      }
    >
      <LoadError error={list.error} />
      {list.isLoading && <Loading what="payments" />}
      {!list.isLoading && list.items.length === 0 && <Empty>{all ? "No consolidated payment yet: the members' next monthly payments are gathered here." : "No open consolidated payment."}</Empty>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table middle" data-testid="billing-payments">
            <thead>
              <tr>
                <th>Due</th>
                <th>Service period</th>
                <th>Lines</th>
                <th className="num">Amount</th>
                <th>Status</th>
                <th>Invoice</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <Fragment key={p.paymentId}>
                  <tr data-testid="billing-payment" data-status={p.status}>
                    <td className="nowrap">{formatDate(p.dueDate)}</td>
                    <td className="small nowrap">
                      {formatPeriod(p.periodStart, p.periodEnd)}
                    </td>
                    <td>
                      <button type="button" className="btn btn-small btn-ghost" aria-expanded={shown.has(p.paymentId)} onClick={() => toggle(p.paymentId)} data-testid="billing-payment-toggle">
                        {shown.has(p.paymentId) ? "▾" : "▸"} {p.lineItems.length === 1 ? "1 device" : `${p.lineItems.length} devices`}
                      </button>
                    </td>
                    <td className="num">{s.money(p.total)}</td>
                    <td>
                      <Badge status={p.overdue ? "overdue" : p.status} />
                    </td>
                    <td className="small">
                      {p.invoiceId ? (
                        <a className="mono" href={href("invoices", p.invoiceId)}>
                          {p.invoiceNumber ?? "invoice"}
                        </a>
                      ) : (
                        "—"
                      )}
                    </td>
                  </tr>
                  {shown.has(p.paymentId) && (
                    <tr className="subrow">
                      <td colSpan={6}>
                        <PaymentLines lines={p.lineItems} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
    </Card>
  );
}
