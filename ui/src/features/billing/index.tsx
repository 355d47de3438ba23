import { Fragment, useEffect, useMemo, useRef, useState } from "react";
import type { BillingGroup } from "../../lib/api/bindings/BillingGroup";
import type { AppError } from "../../lib/api/client";
import { rolesFor } from "../../lib/access";
import { formatDate, formatDateTime, formatPeriod, months, todayIso } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, Facts, Field, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea, Timeline } from "../../lib/ui";
import { CustomerFilter } from "../../lib/ui/CustomerFilter";
import { PaymentLines } from "../../lib/ui/PaymentLines";

const INVALIDATE = ["billingGroups.", "payments.", "subscriptions.", "timeline.", "dashboard."];

export function BillingArea(props: { parts: string[] }) {
  const [id] = props.parts;
  if (id === "new") return <NewGroup />;
  return id ? <GroupDetail key={id} id={id} /> : <GroupsList />;
}

function GroupsList() {
  const s = useSession();
  const [status, setStatus] = useState("");
  const list = usePagedList("billingGroups.list", { status: status || undefined, limit: "50" });
  return (
    <>
      <ScreenHeader
        title="Billing groups"
        sub="A business customer's subscriptions billed together: one payment and one invoice per billing day."
        actions={
          s.can("billingGroups.create") && (
            <a className="btn btn-primary" href={href("billing", "new")} data-testid="billing-new">
              New billing group
            </a>
          )
        }
      />
      <Card>
        <div className="filters">
          <Field label="Status">
            <Select value={status} onChange={(e) => setStatus(e.target.value)} testId="billing-status-filter">
              <option value="">All groups</option>
              <option value="active">Active</option>
              <option value="inactive">Inactive</option>
            </Select>
          </Field>
        </div>
        <LoadError error={list.error} />
        {list.isLoading && <Loading what="billing groups" />}
        {!list.isLoading && list.items.length === 0 && <Empty>No billing groups{status ? ` with status ${status}` : ""} yet. A group gathers one business customer's subscriptions into one monthly payment.</Empty>}
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="billing-table">
              <thead>
                <tr>
                  <th>Group</th>
                  <th>Customer</th>
                  <th className="num">Billing day</th>
                  <th className="num">Active subscriptions</th>
                  <th className="num">Monthly total</th>
                  <th>Next payment due</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((g) => (
                  <tr key={g.billingGroupId} className="clickable" onClick={() => navigate("billing", g.billingGroupId)} data-testid="billing-group-row">
                    <td>
                      <a className="rowlink" href={href("billing", g.billingGroupId)} onClick={(e) => e.stopPropagation()}>
                        {g.groupName}
                      </a>
                    </td>
                    <td>{g.customerName}</td>
                    <td className="num">{g.billingDay}</td>
                    <td className="num">{g.activeRentalCount}</td>
                    <td className="num">{s.money(g.totalMonthlyAmount)}</td>
                    <td className="small nowrap">
                      <NextDue date={g.nextBillingDate} />
                    </td>
                    <td>
                      <Badge status={g.status} />
                    </td>
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

/** The group's oldest open consolidated payment: a day in the past means it is overdue. */
function NextDue(props: { date: string | undefined }) {
  if (!props.date) return <>—</>;
  const overdue = props.date < todayIso();
  return (
    <span className={overdue ? "bad-text" : ""} title={overdue ? "An open consolidated payment is past its due date" : undefined}>
      {formatDate(props.date)}
      {overdue && " (overdue)"}
    </span>
  );
}

/** A billing day as typed: a whole number from 1 to 28 (every month has those days), or null. */
function dayOf(text: string): number | null {
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 1 && n <= 28 ? n : null;
}

function dayError(text: string, err: AppError | null): string | undefined {
  if (text.trim() && dayOf(text) === null) return "A day from 1 to 28: every month has it.";
  if (err?.code === "INVALID_BILLING_DAY") return err.message;
  return err?.field("billingDay");
}

/** Name, billing day and notes: the fields of a new group and of a group being changed. */
function GroupFields(props: {
  name: string;
  day: string;
  notes: string;
  onChange(patch: Partial<{ name: string; day: string; notes: string }>): void;
  error: AppError | null;
  disabled?: boolean;
}) {
  return (
    <div className="form-grid">
      <Field label="Group name" wide error={props.error?.field("groupName")}>
        <Input value={props.name} onChange={(e) => props.onChange({ name: e.target.value })} maxLength={200} disabled={props.disabled} testId="billing-name" placeholder="e.g. Head office devices" />
      </Field>
      <Field label="Billing day" hint="Day of the month the group is billed (1–28)." error={dayError(props.day, props.error)}>
        <Input type="number" min={1} max={28} step={1} value={props.day} onChange={(e) => props.onChange({ day: e.target.value })} disabled={props.disabled} testId="billing-day" />
      </Field>
      <Field label="Notes" wide>
        <Textarea rows={2} value={props.notes} onChange={(e) => props.onChange({ notes: e.target.value })} disabled={props.disabled} maxLength={5000} testId="billing-notes" />
      </Field>
    </div>
  );
}

/**
 * The customer's active subscriptions to tick. Those billed in another group cannot be ticked
 * here; they leave that group first.
 */
function MemberPicker(props: { customerId: string; groupId?: string; selected: Set<string>; onChange(next: Set<string>): void; disabled?: boolean }) {
  const s = useSession();
  const subs = useCommand("subscriptions.list", { customerId: props.customerId, status: "active", limit: "100" });
  const items = subs.data?.items ?? [];
  const toggle = (id: string, on: boolean) => {
    const next = new Set(props.selected);
    if (on) next.add(id);
    else next.delete(id);
    props.onChange(next);
  };
  if (subs.isLoading) return <Loading what="subscriptions" />;
  if (subs.error) return <LoadError error={subs.error} />;
  if (items.length === 0) return <Empty>This customer has no active subscriptions.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact middle" data-testid="billing-members">
        <thead>
          <tr>
            <th />
            <th>Device</th>
            <th className="num">Monthly</th>
            <th>Ends</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => {
            const elsewhere = !!r.billingGroupId && r.billingGroupId !== props.groupId;
            const on = props.selected.has(r.rentalId);
            return (
              <tr key={r.rentalId} className={on ? "selected" : ""}>
                <td>
                  <input
                    type="checkbox"
                    checked={on}
                    disabled={props.disabled || elsewhere}
                    onChange={(e) => toggle(r.rentalId, e.target.checked)}
                    aria-label={`Bill ${r.assetSerialNumber} in this group`}
                    data-testid="billing-member"
                    data-rental={r.rentalId}
                  />
                </td>
                <td>
                  <a className="mono" href={href("subscriptions", r.rentalId)}>
                    {r.assetSerialNumber}
                  </a>
                  <div className="small muted">{r.productName}</div>
                  {elsewhere && r.billingGroupId && (
                    <div className="small warn-text">
                      Billed in <a href={href("billing", r.billingGroupId)}>another group</a>
                    </div>
                  )}
                </td>
                <td className="num">{s.money(r.monthlyAmount)}</td>
                <td className="small nowrap">
                  {formatDate(r.endDate)}
                  <div className="muted">
                    {months(r.contractLength)}
                    {r.orderNumber ? ` · ${r.orderNumber}` : ""}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function NewGroup() {
  const s = useSession();
  const may = s.can("billingGroups.create");
  const [customerId, setCustomerId] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [d, setD] = useState({ name: "", day: "28", notes: "" });
  const customer = useCommand("customers.get", { id: customerId }, { enabled: !!customerId });
  const create = useAction("billingGroups.create", {
    invalidate: INVALIDATE,
    success: (g) => `Billing group “${g.groupName}” created: ${g.activeRentalCount} subscription(s) billed on day ${g.billingDay}.`,
    onSuccess: (g) => navigate("billing", g.billingGroupId),
  });
  // A new customer starts a new choice; the name suggests itself from the company until typed over.
  useEffect(() => setSelected(new Set()), [customerId]);
  const company = customer.data?.company;
  const suggested = useRef("");
  useEffect(() => {
    if (!company) return;
    const next = `${company} — devices`;
    setD((cur) => (cur.name && cur.name !== suggested.current ? cur : { ...cur, name: next }));
    suggested.current = next;
  }, [company]);
  const day = dayOf(d.day);
  const ready = may && !!customerId && selected.size > 0 && !!d.name.trim() && day !== null;
  return (
    <>
      <ScreenHeader title="New billing group" sub="Pick a business customer and the subscriptions to bill together." back={{ href: href("billing"), label: "Billing groups" }} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready || day === null) return;
          create.mutate({ customerId, groupName: d.name.trim(), billingDay: day, rentalIds: [...selected], notes: d.notes.trim() || undefined });
        }}
      >
        <Card title="1. Business customer">
          <div className="filters">
            <CustomerFilter
              value={customerId}
              onChange={setCustomerId}
              testId="billing-customer-search"
              resultTestId="billing-customer-result"
              where={{ customerType: "business", status: "active" }}
              placeholder="Company, name or email"
            />
          </div>
          {customer.data && (
            <p className="muted small">
              {customer.data.email}
              {customer.data.vatId ? ` · VAT ${customer.data.vatId}` : ""}
            </p>
          )}
          {!customerId && <p className="muted small">Only business customers are billed in groups.</p>}
        </Card>
        {customerId && (
          <Card title="2. Subscriptions to bill together">
            <MemberPicker customerId={customerId} selected={selected} onChange={setSelected} disabled={!may} />
            <p className="muted small">{selected.size === 1 ? "1 subscription chosen" : `${selected.size} subscriptions chosen`}; the group's monthly total is shown once it is saved.</p>
          </Card>
        )}
        {customerId && (
          <Card title="3. The group">
            <GroupFields name={d.name} day={d.day} notes={d.notes} onChange={(p) => setD({ ...d, ...p })} error={create.error} disabled={!may} />
            <div className="row gap">
              <button className="btn btn-primary" disabled={!ready || create.isPending} data-testid="billing-save">
                {create.isPending ? "Saving…" : "Create the billing group"}
              </button>
              <a className="btn btn-ghost" href={href("billing")}>
                Cancel
              </a>
            </div>
          </Card>
        )}
        {!may && <RoleHint roles={rolesFor("billingGroups.create")} />}
      </form>
    </>
  );
}

function GroupDetail(props: { id: string }) {
  const s = useSession();
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
          <span className="stat-label">Monthly total</span>
          <span className="stat-value" data-testid="billing-monthly-total">
            {s.money(g.totalMonthlyAmount)}
          </span>
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
  const save = useAction("billingGroups.update", { invalidate: INVALIDATE, success: (x) => `${x.activeRentalCount} subscription(s) now billed in “${x.groupName}”.` });
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

function ChangeGroup(props: { group: BillingGroup }) {
  const s = useSession();
  const g = props.group;
  const may = s.can("billingGroups.update");
  const init = () => ({ name: g.groupName, day: String(g.billingDay), notes: g.notes ?? "" });
  const [d, setD] = useState(init);
  useEffect(() => setD(init()), [g]);
  const [asking, setAsking] = useState(false);
  const save = useAction("billingGroups.update", { invalidate: INVALIDATE, success: "Billing group saved." });
  const status = useAction("billingGroups.update", {
    invalidate: INVALIDATE,
    success: (x) => (x.status === "active" ? `“${x.groupName}” is active again: its subscriptions are billed together.` : `“${x.groupName}” is inactive: its subscriptions bill on their own.`),
  });
  const del = useAction("billingGroups.delete", { invalidate: INVALIDATE, success: (r) => r.message, onSuccess: () => navigate("billing") });
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
