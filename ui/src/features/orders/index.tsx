import { useEffect, useState } from "react";
import type { Order } from "../../lib/api/bindings/Order";
import type { TaxedAmount } from "../../lib/api/bindings/TaxedAmount";
import { rolesFor } from "../../lib/access";
import { call } from "../../lib/api/client";
import { formatBytes, formatDate, formatDateTime, months, words } from "../../lib/format";
import { useAction, useCommand, usePagedList } from "../../lib/query";
import { href, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { Badge, Card, Empty, Facts, Field, Input, LoadError, Loading, MoreButton, RoleHint, ScreenHeader, Select, Textarea, Timeline } from "../../lib/ui";
import { addressLine } from "../../lib/ui/AddressForm";
import { ContractButton } from "../../lib/ui/ContractButton";
import { CustomerFilter } from "../../lib/ui/CustomerFilter";
import { ListCount, SortTh, type ListSort } from "../../lib/ui/ListControls";
import { DocumentButton } from "../../lib/ui/DocumentButton";
import { RecordsCsvButton } from "../../lib/ui/RecordsCsvButton";
import { LineHeadings, PriceRows, byRule, priceBasis, taxInText, useTaxName } from "../../lib/ui/PriceRows";
import "./orders.css";
import { NOTES_MAX_CHARS, ORDER_STATUSES } from "../../lib/api/bindings/Vocabulary";

const STATUSES = ORDER_STATUSES;

export function OrdersArea(props: { parts: string[] }) {
  const [id] = props.parts;
  return id ? <OrderDetail id={id} /> : <OrdersList />;
}

function OrdersList() {
  const s = useSession();
  const [status, setStatus] = useState("");
  const [customerId, setCustomerId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [find, setFind] = useState("");
  const [sort, setSort] = useState<ListSort>({ by: "createdAt", dir: "desc" });
  const list = usePagedList("orders.list", {
    status: status || undefined,
    customerId: customerId || undefined,
    createdFrom: from || undefined,
    createdTo: to || undefined,
    sortBy: sort.by,
    sortDir: sort.dir,
    includeTotal: true,
    limit: "50",
  });
  const total = list.data?.pages[0]?.total ?? undefined;

  return (
    <>
      <ScreenHeader
        title="Orders"
        sub={sort.by === "total" ? "Largest monthly total first." : "Newest first."}
        actions={
          <>
            <RecordsCsvButton records="orders" what="order" testId="orders-csv" />
            {s.can("orders.create") && (
              <a className="btn btn-primary" href={href("counter")}>
                New order at the counter
              </a>
            )}
          </>
        }
      />
      <Card>
        <div className="filters">
          <Field label="Status">
            <Select value={status} onChange={(e) => setStatus(e.target.value)} testId="orders-status-filter">
              <option value="">All statuses</option>
              {STATUSES.map((st) => (
                <option key={st} value={st}>
                  {words(st)}
                </option>
              ))}
            </Select>
          </Field>
          <CustomerFilter value={customerId} onChange={setCustomerId} testId="orders-customer-filter" />
          <Field label="Placed from">
            <Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} testId="orders-from" />
          </Field>
          <Field label="until">
            <Input type="date" value={to} onChange={(e) => setTo(e.target.value)} testId="orders-to" />
          </Field>
          <form
            className="row gap align-end"
            onSubmit={(e) => {
              e.preventDefault();
              if (find.trim()) navigate("orders", find.trim());
            }}
          >
            <Field label="Open by number">
              <Input value={find} onChange={(e) => setFind(e.target.value)} placeholder={`e.g. ${s.bu?.code ?? "NL"}-${s.boot.desk.code}-000042`} className="mono" testId="orders-open-number" />
            </Field>
            <button className="btn" disabled={!find.trim()}>
              Open
            </button>
          </form>
        </div>
        <LoadError error={list.error} />
        {list.isLoading && <Loading what="orders" />}
        {!list.isLoading && list.items.length === 0 && <Empty>No orders{status ? ` with status ${words(status)}` : ""}{customerId || from || to ? " for this customer or these days" : " yet"}.</Empty>}
        <ListCount shown={list.items.length} total={total} noun="orders" testId="orders-count" />
        {list.items.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="orders-table">
              <thead>
                <tr>
                  <th>Number</th>
                  <SortTh label="Status" by="status" sort={sort} onSort={setSort} first="asc" testId="orders-sort-status" />
                  <th>Customer</th>
                  <th>Devices</th>
                  <SortTh label="Per month" by="total" sort={sort} onSort={setSort} num testId="orders-sort-total" />
                  <th className="num">Contract value</th>
                  <SortTh label="Placed" by="createdAt" sort={sort} onSort={setSort} testId="orders-sort-placed" />
                </tr>
              </thead>
              <tbody>
                {list.items.map((o) => (
                  <tr key={o.orderId} className="clickable" onClick={() => navigate("orders", o.orderId)} data-testid="order-row">
                    <td>
                      <a className="rowlink mono" href={href("orders", o.orderId)} onClick={(e) => e.stopPropagation()}>
                        {o.orderNumber}
                      </a>
                    </td>
                    <td>
                      <Badge status={o.status} />
                    </td>
                    <td>
                      {o.customer.firstName} {o.customer.lastName}
                      {o.customer.company && <div className="muted small">{o.customer.company}</div>}
                    </td>
                    <td>
                      {o.items.map((i) => (
                        <div key={i.sku + i.contractLength} className="small">
                          {i.quantity}× {i.productName} · {months(i.contractLength)}
                        </div>
                      ))}
                    </td>
                    <td className="num">{s.money(o.totals.total)}</td>
                    <td className="num">{s.money(o.contractValue)}</td>
                    <td className="small nowrap">{formatDate(o.createdAt)}</td>
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

function OrderDetail(props: { id: string }) {
  const s = useSession();
  const q = useCommand("orders.get", { id: props.id });
  const o = q.data;
  if (q.isLoading) return <Loading what="the order" />;
  if (!o) {
    return (
      <>
        <ScreenHeader title="Order" back={{ href: href("orders"), label: "Orders" }} />
        <LoadError error={q.error} />
      </>
    );
  }
  return (
    <>
      <ScreenHeader
        title={
          <>
            Order <span className="mono">{o.orderNumber}</span>
          </>
        }
        sub={
          <>
            Placed {formatDateTime(o.createdAt)} by {o.createdBy} · {o.orderType}
          </>
        }
        back={{ href: href("orders"), label: "Orders" }}
        actions={<Badge status={o.status} testId="order-status" />}
      />
      <OrderActions order={o} />
      <div className="row gap wrap link-row">
        {o.rentalProgress.rentedDevices > 0 && (
          <a className="btn" href={`${href("subscriptions")}?order=${encodeURIComponent(o.orderId)}`} data-testid="order-subscriptions">
            Subscriptions of this order ({o.rentalProgress.rentedDevices})
          </a>
        )}
        {s.can("files.contract") && <ContractButton orderId={o.orderId} />}
        {(o.status === "confirmed" || o.status === "partial") && s.can("subscriptions.activate") && (
          <a className="btn btn-primary" href={href("scan", o.orderNumber)} data-testid="order-scan">
            Hand out devices at the scan station ({o.rentalProgress.rentedDevices} / {o.rentalProgress.totalDevices})
          </a>
        )}
      </div>
      <div className="grid-detail">
        <div>
          <OrderItems order={o} />
          <NotesCard order={o} />
        </div>
        <div>
          <Card title="Customer">
            <Facts
              items={[
                [
                  "Name",
                  <a href={href("customers", o.customer.customerId)}>
                    {o.customer.firstName} {o.customer.lastName}
                  </a>,
                ],
                ["Company", o.customer.company],
                ["Email", o.customer.email],
                ["Phone", o.customer.phone],
                ["Type", o.customer.customerType],
              ]}
            />
            <p className="muted small">As it was when the order was placed.</p>
          </Card>
          <Card title="Addresses">
            <Facts
              items={[
                ["Billing", addressLine(o.billingAddress)],
                ["Shipping", addressLine(o.shippingAddress)],
              ]}
            />
          </Card>
          <Card title="Status">
            <Facts
              items={[
                ["Status", <Badge status={o.status} />],
                ["Confirmed", o.confirmedAt ? formatDateTime(o.confirmedAt) : "—"],
                ["Cancelled", o.cancelledAt ? formatDateTime(o.cancelledAt) : "—"],
                ["Cancel reason", o.cancelReason],
              ]}
            />
          </Card>
          <OrderFiles orderId={o.orderId} />
          <Timeline entityType="order" entityId={o.orderId} />
        </div>
      </div>
    </>
  );
}

/**
 * The order's lines and totals by the desk's one price rule: a consumer sees them with VAT, a
 * business net, labelled "excl. VAT", with the VAT beside. The figures are the order's `prices`,
 * split as its payments will be.
 */
function OrderItems(props: { order: Order }) {
  const s = useSession();
  const o = props.order;
  const business = o.customer.customerType === "business";
  const tax = useTaxName();
  const way = priceBasis(business, tax);
  const price = (m: TaxedAmount | undefined) => (m ? s.money(byRule(m, business)) : "—");
  return (
    <Card title="Items">
      <div className="table-wrap">
        <table className="table" data-testid="order-lines" data-basis={business ? "net" : "gross"}>
          <thead>
            <tr>
              <LineHeadings basis={way} />
            </tr>
          </thead>
          <tbody>
            {o.items.map((i, n) => (
              <tr key={n} data-testid="order-line">
                <td>
                  {i.productName}
                  <div className="mono muted small">{i.sku}</div>
                </td>
                <td className="nowrap">{months(i.contractLength)}</td>
                <td className="num">{i.quantity}</td>
                <td className="num nowrap">{price(o.prices.lines[n]?.month)}</td>
                <td className="num nowrap">{price(o.prices.lines[n]?.contract)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="totals" data-testid="order-totals">
        <PriceRows
          monthly={o.prices.monthly}
          contract={o.prices.contract}
          business={business}
          rate={o.totals.taxRate}
          testIdPrefix="order"
          note={`${o.totals.totalDevices} device(s); ${o.rentalProgress.rentedDevices} handed out. The contract value is every monthly payment of the contract, ${business ? `before ${taxInText(tax)}` : `${taxInText(tax)} included`}.`}
        />
      </div>
    </Card>
  );
}

function OrderActions(props: { order: Order }) {
  const s = useSession();
  const o = props.order;
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState("");
  const confirm = useAction("orders.confirm", { success: (r) => `Order ${r.orderNumber} confirmed.` });
  const cancel = useAction("orders.cancel", {
    success: (r) => `Order ${r.orderNumber} cancelled.`,
    onSuccess: () => setCancelling(false),
  });
  const canConfirm = o.status === "pending";
  const canCancel = (o.status === "pending" || o.status === "confirmed") && o.rentalProgress.rentedDevices === 0;
  const mayConfirm = s.can("orders.confirm");
  const mayCancel = s.can("orders.cancel");
  if (!canConfirm && !canCancel) return null;

  return (
    <Card>
      <div className="row gap wrap">
        {canConfirm && (
          <button className="btn btn-primary" disabled={!mayConfirm || confirm.isPending} onClick={() => confirm.mutate({ id: o.orderId })} data-testid="order-confirm">
            {confirm.isPending ? "Confirming…" : "Confirm order"}
          </button>
        )}
        {canCancel && !cancelling && (
          <button className="btn btn-danger" disabled={!mayCancel} onClick={() => setCancelling(true)} data-testid="order-cancel">
            Cancel order…
          </button>
        )}
        {canConfirm && <span className="muted small">Pending orders are confirmed before devices are handed out.</span>}
      </div>
      {(!mayConfirm || !mayCancel) && <RoleHint roles={rolesFor("orders.cancel")} />}
      {cancelling && (
        <form
          className="cancel-form"
          onSubmit={(e) => {
            e.preventDefault();
            cancel.mutate({ id: o.orderId, reason: reason.trim() || undefined });
          }}
        >
          <Field label="Why is the order cancelled?" hint="Optional; kept on the order and in its timeline." wide>
            <Input value={reason} onChange={(e) => setReason(e.target.value)} autoFocus testId="order-cancel-reason" />
          </Field>
          <div className="row gap">
            <button className="btn btn-danger" disabled={cancel.isPending} data-testid="order-cancel-confirm">
              {cancel.isPending ? "Cancelling…" : `Cancel order ${o.orderNumber}`}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setCancelling(false)}>
              Keep the order
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}

function NotesCard(props: { order: Order }) {
  const s = useSession();
  const o = props.order;
  const [notes, setNotes] = useState(o.notes ?? "");
  useEffect(() => setNotes(o.notes ?? ""), [o.notes]);
  const save = useAction("orders.setNotes", { success: "Notes saved." });
  const may = s.can("orders.setNotes");
  const changed = notes !== (o.notes ?? "");
  return (
    <Card title="Notes">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ id: o.orderId, notes });
        }}
      >
        <Textarea rows={4} value={notes} onChange={(e) => setNotes(e.target.value)} disabled={!may} maxLength={NOTES_MAX_CHARS} testId="order-notes" placeholder="Delivery instructions, agreements…" />
        <div className="row gap">
          <button className="btn" disabled={!may || !changed || save.isPending} data-testid="order-notes-save">
            {save.isPending ? "Saving…" : "Save notes"}
          </button>
          {changed && (
            <button type="button" className="btn btn-ghost" onClick={() => setNotes(o.notes ?? "")}>
              Undo changes
            </button>
          )}
        </div>
        {!may && <RoleHint roles={rolesFor("orders.setNotes")} />}
      </form>
    </Card>
  );
}

/** Documents kept for the order (contracts made at the desk). */
function OrderFiles(props: { orderId: string }) {
  const s = useSession();
  const q = useCommand("files.list", { orderId: props.orderId, limit: "50" });
  const [asking, setAsking] = useState<string | null>(null);
  const del = useAction("files.delete", { success: (r) => r.message, onSuccess: () => setAsking(null) });
  const files = q.data?.files ?? [];
  return (
    <Card title="Files">
      {q.isLoading && <Loading />}
      <LoadError error={q.error} />
      {q.data && files.length === 0 && <Empty>No files yet.{s.can("files.contract") ? " “Contract PDF” makes the contract and keeps it here." : ""}</Empty>}
      {files.length > 0 && (
        <table className="table compact middle" data-testid="order-files">
          <tbody>
            {files.map((f) => (
              <tr key={f.fileId} data-testid="order-file">
                <td>
                  <div className="mono small file-name">{f.filename}</div>
                  <div className="row gap wrap file-row">
                    <span className="small muted grow">
                      {words(f.type)} · {formatBytes(f.fileSize)} · {formatDateTime(f.createdAt)}
                    </span>
                    {asking === f.fileId ? (
                      <>
                        <button type="button" className="btn btn-small btn-danger" disabled={del.isPending} onClick={() => del.mutate({ id: f.fileId })} data-testid="order-file-delete-confirm" autoFocus>
                          Yes, delete
                        </button>
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(null)}>
                          No
                        </button>
                      </>
                    ) : (
                      <>
                        <DocumentButton mode="open" className="btn btn-small" testId="order-file-open" load={() => call("files.pdf", { id: f.fileId })}>
                          Open
                        </DocumentButton>
                        <DocumentButton mode="save" className="btn btn-small" testId="order-file-save" load={() => call("files.pdf", { id: f.fileId })}>
                          Save
                        </DocumentButton>
                        {s.can("files.delete") && (
                          <button type="button" className="btn btn-small btn-ghost" onClick={() => setAsking(f.fileId)} data-testid="order-file-delete">
                            Delete…
                          </button>
                        )}
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
