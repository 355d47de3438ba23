import { useEffect, useState } from "react";
import type { Address } from "../../lib/api/bindings/Address";
import type { Customer } from "../../lib/api/bindings/Customer";
import type { CustomerType } from "../../lib/api/bindings/CustomerType";
import { rolesFor } from "../../lib/access";
import { countOf, formatDate, months } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { ListCount, SortTh, type ListSort } from "../../lib/ui/ListControls";
import { useDebounced } from "../../lib/useDebounced";
import { Badge, Card, Check, Empty, Facts, Field, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea, Timeline } from "../../lib/ui";
import { AddressForm, addressLine, emptyAddress } from "../../lib/ui/AddressForm";
import { CustomerFields, emptyCustomer, newCustomerRequest } from "../../lib/ui/CustomerForm";
import { RecordsCsvButton } from "../../lib/ui/RecordsCsvButton";
import { EInvoicingCard } from "../../lib/ui/EInvoicingCard";
import { LetterButton } from "../../lib/ui/LetterButton";

export function CustomersArea(props: { parts: string[] }) {
  const [id] = props.parts;
  if (id === "new") return <NewCustomer />;
  return id ? <CustomerDetail id={id} /> : <CustomersList />;
}

function CustomersList() {
  const s = useSession();
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("active");
  const [type, setType] = useState("");
  const dq = useDebounced(q.trim(), 250);
  const [sort, setSort] = useState<ListSort>({ by: "createdAt", dir: "desc" });
  // A search lists its best matches; sorting and counting are for the whole list.
  const list = usePagedList("customers.list", { q: dq || undefined, status: status || undefined, customerType: type || undefined, ...(dq ? {} : { sortBy: sort.by, sortDir: sort.dir, includeTotal: true }), limit: "50" });

  return (
    <>
      <ScreenHeader
        title="Customers"
        actions={
          <>
            <RecordsCsvButton records="customers" what="customer" testId="customers-csv" />
            <a className={`btn btn-primary ${s.can("customers.create") ? "" : "disabled"}`} href={s.can("customers.create") ? href("customers", "new") : undefined} aria-disabled={!s.can("customers.create")} data-testid="customers-new">
              New customer
            </a>
          </>
        }
      />
      <Card>
        <div className="filters">
          <Field label="Search">
            <Input
              className="search-input"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder="Name, email or company"
              autoFocus
              testId="customers-q"
              onKeyDown={(e) => {
                if (e.key === "Enter" && list.items[0] && dq === q.trim()) navigate("customers", list.items[0].customerId);
              }}
            />
          </Field>
          <Field label="Status">
            <Select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All</option>
              <option value="active">Active</option>
              <option value="inactive">Inactive</option>
            </Select>
          </Field>
          <Field label="Type">
            <Select value={type} onChange={(e) => setType(e.target.value)}>
              <option value="">All</option>
              <option value="individual">Individual</option>
              <option value="business">Business</option>
            </Select>
          </Field>
        </div>
        <LoadError error={list.error} />
        {list.isLoading && <Loading what="customers" />}
        {!list.isLoading && list.items.length === 0 && <Empty>{dq ? `No customer matches “${dq}”.` : "No customers yet."}</Empty>}
        <ListCount shown={list.items.length} total={list.data?.pages[0]?.total} noun="customers" testId="customers-count" />
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="customers-table">
              <thead>
                <tr>
                  <SortTh label="Name" by="lastName" sort={sort} onSort={setSort} first="asc" testId="customers-sort-name" />
                  <th>Email</th>
                  <th>Phone</th>
                  <th>Type</th>
                  <th className="num">Orders</th>
                  <th>Status</th>
                  <SortTh label="Since" by="createdAt" sort={sort} onSort={setSort} testId="customers-sort-since" />
                </tr>
              </thead>
              <tbody>
                {list.items.map((c) => (
                  <tr key={c.customerId} className="clickable" onClick={() => navigate("customers", c.customerId)}>
                    <td>
                      <a className="rowlink" href={href("customers", c.customerId)} onClick={(e) => e.stopPropagation()}>
                        {c.firstName} {c.lastName}
                      </a>
                      {c.company && <div className="muted small">{c.company}</div>}
                    </td>
                    <td>{c.email}</td>
                    <td className="small">{c.phone ?? "—"}</td>
                    <td>{c.customerType}</td>
                    <td className="num">{c.totalOrders}</td>
                    <td>
                      <Badge status={c.status} />
                    </td>
                    <td className="small nowrap">{formatDate(c.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
        {dq && <div className="muted small">Search shows the best matches first.</div>}
      </Card>
    </>
  );
}

function NewCustomer() {
  const s = useSession();
  const [draft, setDraft] = useState(emptyCustomer());
  const create = useAction("customers.create", {
    success: (c) => `${c.firstName} ${c.lastName} added.`,
    onSuccess: (c) => navigate("customers", c.customerId),
  });
  const may = s.can("customers.create");
  return (
    <>
      <ScreenHeader title="New customer" back={{ href: href("customers"), label: "Customers" }} />
      <Card>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(newCustomerRequest(draft));
          }}
        >
          <CustomerFields value={draft} onChange={setDraft} error={create.error} disabled={!may} autoFocus />
          <div className="row gap">
            <button className="btn btn-primary" data-testid="customer-save" disabled={!may || create.isPending}>
              {create.isPending ? "Saving…" : "Save customer"}
            </button>
          </div>
          {!may && <RoleHint roles={rolesFor("customers.create")} />}
        </form>
      </Card>
    </>
  );
}

function CustomerDetail(props: { id: string }) {
  const s = useSession();
  const q = useCommand("customers.get", { id: props.id });
  const c = q.data;
  if (q.isLoading) return <Loading what="the customer" />;
  if (!c) {
    return (
      <>
        <ScreenHeader title="Customer" back={{ href: href("customers"), label: "Customers" }} />
        <LoadError error={q.error} />
      </>
    );
  }
  return (
    <>
      <ScreenHeader
        title={
          <>
            {c.firstName} {c.lastName}
          </>
        }
        sub={
          <>
            {c.company ? `${c.company} · ` : ""}
            {c.email} · customer since {formatDate(c.createdAt)}
          </>
        }
        back={{ href: href("customers"), label: "Customers" }}
        actions={
          <>
            <Badge status={c.status} testId="customer-status" />
            <a className="btn" href={`${href("subscriptions")}?customer=${encodeURIComponent(c.customerId)}`} data-testid="customer-subscriptions">
              Subscriptions
            </a>
            <a className="btn" href={`${href("payments")}?tab=all&customer=${encodeURIComponent(c.customerId)}`} data-testid="customer-payments">
              Payments
            </a>
            {c.status === "active" && s.can("orders.create") && (
              <a className="btn" href={href("counter")}>
                Counter
              </a>
            )}
          </>
        }
      />
      <div className="grid-detail">
        <div>
          <EditCustomer customer={c} />
          <EInvoicingCard customerId={c.customerId} />
          <StatusCard customer={c} />
        </div>
        <div>
          <CustomerOrders customer={c} />
          <CustomerReminders customerId={c.customerId} />
          <Timeline entityType="customer" entityId={c.customerId} />
        </div>
      </div>
    </>
  );
}

interface EditDraft {
  email: string;
  firstName: string;
  lastName: string;
  company: string;
  phone: string;
  customerType: CustomerType;
  vatId: string;
  registrationNumber: string;
  notes: string;
  billing: Address;
  shipping: Address;
  sameShipping: boolean;
}

function draftOf(c: Customer): EditDraft {
  return {
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    company: c.company ?? "",
    phone: c.phone ?? "",
    customerType: c.customerType,
    vatId: c.vatId ?? "",
    registrationNumber: c.registrationNumber ?? "",
    notes: c.notes ?? "",
    billing: c.lastBillingAddress ?? emptyAddress(),
    shipping: c.lastShippingAddress ?? c.lastBillingAddress ?? emptyAddress(),
    sameShipping: !c.lastShippingAddress || JSON.stringify(c.lastShippingAddress) === JSON.stringify(c.lastBillingAddress),
  };
}

const filled = (a: Address) => Object.values(a).some((v) => v && String(v).trim());

function EditCustomer(props: { customer: Customer }) {
  const s = useSession();
  const c = props.customer;
  const [d, setD] = useState(() => draftOf(c));
  useEffect(() => setD(draftOf(c)), [c]);
  const save = useAction("customers.update", { success: "Customer saved." });
  const may = s.can("customers.update");
  const set = <K extends keyof EditDraft>(k: K, v: EditDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const err = (p: string) => save.error?.field(p);

  return (
    <Card title="Details">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            customerId: c.customerId,
            email: d.email.trim(),
            firstName: d.firstName.trim(),
            lastName: d.lastName.trim(),
            company: d.company,
            phone: d.phone,
            customerType: d.customerType,
            vatId: d.vatId,
            registrationNumber: d.registrationNumber,
            notes: d.notes,
            billingAddress: filled(d.billing) ? d.billing : undefined,
            shippingAddress: d.sameShipping ? (filled(d.billing) ? d.billing : undefined) : filled(d.shipping) ? d.shipping : undefined,
          });
        }}
      >
        <fieldset disabled={!may} className="plain">
          <div className="form-grid">
            <Field label="Email" error={err("email")}>
              <Input type="email" value={d.email} onChange={(e) => set("email", e.target.value)} testId="customer-email" />
            </Field>
            <Field label="Type">
              <Select value={d.customerType} onChange={(e) => set("customerType", e.target.value as CustomerType)}>
                <option value="individual">Individual</option>
                <option value="business">Business</option>
              </Select>
            </Field>
            <Field label="First name" error={err("firstName")}>
              <Input value={d.firstName} onChange={(e) => set("firstName", e.target.value)} testId="customer-first-name" />
            </Field>
            <Field label="Last name" error={err("lastName")}>
              <Input value={d.lastName} onChange={(e) => set("lastName", e.target.value)} testId="customer-last-name" />
            </Field>
            <Field label="Company">
              <Input value={d.company} onChange={(e) => set("company", e.target.value)} />
            </Field>
            <Field label="Phone">
              <Input value={d.phone} onChange={(e) => set("phone", e.target.value)} />
            </Field>
            <Field label="VAT id">
              <Input value={d.vatId} onChange={(e) => set("vatId", e.target.value)} />
            </Field>
            <Field label="Registration number">
              <Input value={d.registrationNumber} onChange={(e) => set("registrationNumber", e.target.value)} />
            </Field>
            <Field label="Notes" wide>
              <Textarea rows={2} value={d.notes} onChange={(e) => set("notes", e.target.value)} />
            </Field>
          </div>
          <div className="section-title">Billing address</div>
          <AddressForm prefix="customer-billing" value={d.billing} onChange={(a) => set("billing", a)} errors={(p) => err(`billingAddress.${p}`)} />
          <Check label="Ship to the billing address" checked={d.sameShipping} onChange={(v) => set("sameShipping", v)} />
          {!d.sameShipping && (
            <>
              <div className="section-title">Shipping address</div>
              <AddressForm prefix="customer-shipping" value={d.shipping} onChange={(a) => set("shipping", a)} errors={(p) => err(`shippingAddress.${p}`)} />
            </>
          )}
          <div className="row gap">
            <button className="btn btn-primary" data-testid="customer-save" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save changes"}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setD(draftOf(c))}>
              Undo changes
            </button>
          </div>
        </fieldset>
        {!may && <RoleHint roles={rolesFor("customers.update")} />}
        <p className="muted small">Existing orders keep the details they were placed with.</p>
      </form>
    </Card>
  );
}

function StatusCard(props: { customer: Customer }) {
  const s = useSession();
  const c = props.customer;
  const [asking, setAsking] = useState(false);
  const deactivate = useAction("customers.delete", {
    success: (r) => r.message,
    onSuccess: () => setAsking(false),
  });
  const reactivate = useAction("customers.update", { success: "Customer reactivated." });
  return (
    <Card title="Status">
      {c.status === "active" ? (
        <>
          <p>Deactivated customers keep their history but cannot place new orders. Customers with open orders or rented devices stay active.</p>
          {!asking ? (
            <button className="btn btn-danger" disabled={!s.can("customers.delete")} onClick={() => setAsking(true)} data-testid="customer-deactivate">
              Deactivate customer…
            </button>
          ) : (
            <div className="row gap">
              <button className="btn btn-danger" disabled={deactivate.isPending} onClick={() => deactivate.mutate({ id: c.customerId })} data-testid="customer-deactivate-confirm" autoFocus>
                Yes, deactivate {c.firstName} {c.lastName}
              </button>
              <button className="btn btn-ghost" onClick={() => setAsking(false)}>
                No
              </button>
            </div>
          )}
          {!s.can("customers.delete") && <RoleHint roles={rolesFor("customers.delete")} />}
        </>
      ) : (
        <>
          <p>This customer is inactive.</p>
          <button className="btn" disabled={!s.can("customers.update") || reactivate.isPending} onClick={() => reactivate.mutate({ customerId: c.customerId, status: "active" })} data-testid="customer-reactivate">
            Reactivate
          </button>
          {!s.can("customers.update") && <RoleHint roles={rolesFor("customers.update")} />}
        </>
      )}
      <div className="spaced">
        <Facts
          items={[
            ["Orders", c.totalOrders],
            ["Created by", c.createdBy],
          ]}
        />
      </div>
    </Card>
  );
}

function CustomerOrders(props: { customer: Customer }) {
  const s = useSession();
  const list = usePagedList("orders.list", { customerId: props.customer.customerId, limit: "20" });
  return (
    <Card title="Orders">
      <LoadError error={list.error} />
      {list.isLoading && <Loading />}
      {!list.isLoading && list.items.length === 0 && <Empty>No orders yet.</Empty>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Number</th>
                <th>Status</th>
                <th>Devices</th>
                <th className="num">Per month</th>
                <th>Placed</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((o) => (
                <tr key={o.orderId} className="clickable" onClick={() => navigate("orders", o.orderId)}>
                  <td>
                    <a className="rowlink mono" href={href("orders", o.orderId)} onClick={(e) => e.stopPropagation()}>
                      {o.orderNumber}
                    </a>
                  </td>
                  <td>
                    <Badge status={o.status} />
                  </td>
                  <td className="small">
                    {o.items.map((i) => (
                      <div key={i.sku + i.contractLength}>
                        {i.quantity}× {i.productName} · {months(i.contractLength)}
                      </div>
                    ))}
                  </td>
                  <td className="num">{s.money(o.totals.total)}</td>
                  <td className="small nowrap">{formatDate(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton hasMore={!!list.hasNextPage} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} shown={list.items.length} />
      {props.customer.lastBillingAddress && <p className="muted small">Billing: {addressLine(props.customer.lastBillingAddress)}</p>}
    </Card>
  );
}

/**
 * The reminders of a customer (for those who may read them): held or not, and the letters sent to
 * them, each as a PDF. Holding and sending are on Payments → Reminders.
 */
function CustomerReminders(props: { customerId: string }) {
  const s = useSession();
  return s.can("dunning.proposals") && s.can("dunning.sent") ? <CustomerRemindersCard customerId={props.customerId} /> : null;
}

function CustomerRemindersCard(props: { customerId: string }) {
  const s = useSession();
  const proposals = useCommand("dunning.proposals", { customerId: props.customerId });
  const sent = useCommand("dunning.sent", { customerId: props.customerId });
  const hold = proposals.data?.held.find((h) => h.customerId === props.customerId);
  const due = proposals.data?.proposals.find((p) => p.customerId === props.customerId);
  const list = sent.data ?? [];
  return (
    <Card
      title="Reminders"
      actions={
        <a className="btn btn-small btn-ghost" href={`${href("payments")}?tab=reminders`} data-testid="customer-reminders-link">
          Payments → Reminders
        </a>
      }
    >
      <div data-testid="customer-reminders">
        <LoadError error={proposals.error ?? sent.error} />
        {hold && (
          <p data-testid="customer-hold">
            <Badge status="pending" label="Held" /> until {formatDate(hold.until)}: {hold.reason} <span className="small muted">(by {hold.createdBy})</span>
          </p>
        )}
        {!hold && due && (
          <p>
            A letter is due today: <strong>{due.levelName}</strong>, {s.money(due.totalOpen)} open.
          </p>
        )}
        {sent.isLoading && <Loading what="the letters sent" />}
        {sent.data && list.length === 0 && <p className="small muted">No letters sent to them yet.</p>}
        {list.length > 0 && (
          <table className="table middle compact">
            <tbody>
              {list.map((r) => (
                <tr key={r.reminderId} data-testid="customer-reminder" data-reminder-id={r.reminderId}>
                  <td className="nowrap">{formatDate(r.sentOn)}</td>
                  <td>
                    {r.levelName}
                    <div className="small muted">{countOf(r.items.length, "payment")}</div>
                  </td>
                  <td className="num nowrap">{s.money(r.totalOpen)}</td>
                  <td className="num">
                    <LetterButton reminder={r} testId="customer-reminder-letter" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Card>
  );
}
