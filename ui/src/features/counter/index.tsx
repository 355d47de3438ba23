import { useEffect, useRef, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { call, type AppError } from "../../lib/api/client";
import type { Address } from "../../lib/api/bindings/Address";
import type { Customer } from "../../lib/api/bindings/Customer";
import type { Order } from "../../lib/api/bindings/Order";
import type { OrderItemInput } from "../../lib/api/bindings/OrderItemInput";
import type { Quote } from "../../lib/api/bindings/Quote";
import { rolesFor } from "../../lib/access";
import { useAction } from "../../lib/query";
import { href } from "../../lib/router";
import { useBu, useSession } from "../../lib/session";
import { Badge, Card, Empty, Field, RoleHint, ScreenHeader, Textarea } from "../../lib/ui";
import { AddressForm, addressComplete, addressLine, emptyAddress } from "../../lib/ui/AddressForm";
import { CustomerStep, VariantStep } from "./steps";
import { OrderLines } from "./OrderLines";
import "./counter.css";

export function CounterScreen() {
  const s = useSession();
  const bu = useBu();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [items, setItems] = useState<OrderItemInput[]>([]);
  const [placed, setPlaced] = useState<Order | null>(null);
  const [notes, setNotes] = useState("");
  const [otherAddress, setOtherAddress] = useState(false);
  const [billing, setBilling] = useState<Address>(emptyAddress());
  const variantSearch = useRef<HTMLInputElement>(null);
  const customerSearch = useRef<HTMLInputElement>(null);

  const quote = useQuery<Quote, AppError>({
    queryKey: [bu.id, "orders.quote", items],
    queryFn: () => call("orders.quote", { items }),
    enabled: items.length > 0,
    placeholderData: keepPreviousData,
  });

  const needsAddress = !!customer && (!customer.lastBillingAddress || otherAddress);
  const place = useAction("orders.create", {
    onSuccess: (r) => setPlaced(r.order),
  });
  const confirm = useAction("orders.confirm", {
    onSuccess: (o) => setPlaced(o),
  });

  const reset = () => {
    setCustomer(null);
    setItems([]);
    setPlaced(null);
    setNotes("");
    setOtherAddress(false);
    setBilling(emptyAddress());
    place.reset();
    confirm.reset();
    setTimeout(() => customerSearch.current?.focus(), 0);
  };

  const addItem = (it: OrderItemInput) => {
    setItems((list) => {
      const i = list.findIndex((x) => x.sku === it.sku && x.contractLength === it.contractLength);
      if (i < 0) return [...list, it];
      return list.map((x, j) => (j === i ? { ...x, quantity: Math.min(1000, x.quantity + it.quantity) } : x));
    });
  };

  const canPlace = s.can("orders.create");
  const addressOk = !needsAddress || addressComplete(billing);
  const ready = !!customer && items.length > 0 && addressOk && !quote.isError;

  const submit = () => {
    if (!ready || !customer || place.isPending || placed) return;
    place.mutate({
      customerId: customer.customerId,
      items,
      billingAddress: needsAddress ? billing : undefined,
      notes: notes.trim() || undefined,
      extensionDetails: {},
      upgradeDetails: {},
      customFields: null,
    });
  };

  // Ctrl+Enter places the order from anywhere on the counter.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
        e.preventDefault();
        submit();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  return (
    <div className="counter">
      <ScreenHeader
        title="Counter"
        sub="Find the customer, add devices, check the price, place the order."
        actions={
          <button className="btn" onClick={reset} data-testid="counter-reset">
            New order
          </button>
        }
      />
      <div className="counter-grid">
        <div className="counter-left">
          <CustomerStep
            customer={customer}
            disabled={!!placed}
            searchRef={customerSearch}
            onPick={(c) => {
              setCustomer(c);
              setOtherAddress(false);
              setTimeout(() => variantSearch.current?.focus(), 0);
            }}
            onClear={() => setCustomer(null)}
          />
          {!placed && <VariantStep searchRef={variantSearch} disabled={false} onAdd={addItem} />}
        </div>

        <div className="counter-right">
          <Card title="Order">
            {items.length === 0 ? (
              <Empty>No devices yet. Search a product and add it.</Empty>
            ) : (
              <OrderLines
                items={items}
                quote={quote.data}
                business={customer?.customerType === "business"}
                disabled={!!placed}
                onQty={(i, q) => setItems((l) => l.map((x, j) => (j === i ? { ...x, quantity: q } : x)))}
                onRemove={(i) => setItems((l) => l.filter((_, j) => j !== i))}
              />
            )}
            {quote.error && items.length > 0 && <div className="load-error">{quote.error.message}</div>}
            <div className={`totals ${quote.isFetching ? "stale" : ""}`}>
              <PriceLines quote={items.length ? quote.data : undefined} business={customer?.customerType === "business"} rate={bu.settings.taxRate} />
            </div>
          </Card>

          {customer && !placed && (
            <Card title="Billing address">
              {customer.lastBillingAddress && !otherAddress ? (
                <>
                  <p>{addressLine(customer.lastBillingAddress)}</p>
                  <button className="btn btn-small" onClick={() => { setOtherAddress(true); setBilling({ ...customer.lastBillingAddress!, }); }}>
                    Use a different address
                  </button>
                </>
              ) : (
                <>
                  {!customer.lastBillingAddress && <p className="muted">This customer has no billing address on file; enter one.</p>}
                  <AddressForm prefix="counter-billing" value={billing} onChange={setBilling} errors={(p) => place.error?.field(`billingAddress.${p}`)} />
                  {customer.lastBillingAddress && (
                    <button className="btn btn-small btn-ghost" onClick={() => setOtherAddress(false)}>
                      Use the address on file
                    </button>
                  )}
                </>
              )}
            </Card>
          )}

          <Card title={placed ? "Order placed" : "Place the order"}>
            {!placed && (
              <>
                <Field label="Notes" hint="Optional; printed on the order.">
                  <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} testId="counter-notes" />
                </Field>
                <div className="row gap">
                  <button className="btn btn-primary btn-large" data-testid="counter-place-order" disabled={!canPlace || !ready || place.isPending} onClick={submit}>
                    {place.isPending ? "Placing…" : "Place order"}
                  </button>
                  <span className="muted small">Ctrl+Enter</span>
                </div>
                {!canPlace && <RoleHint roles={rolesFor("orders.create")} />}
                {canPlace && !ready && (
                  <div className="muted small">
                    {!customer ? "Choose a customer. " : ""}
                    {items.length === 0 ? "Add at least one device. " : ""}
                    {!addressOk ? "Complete the billing address." : ""}
                  </div>
                )}
              </>
            )}
            {placed && (
              <div className="placed">
                <div className="placed-number">
                  <span className="muted">Order number</span>
                  <strong className="mono" data-testid="counter-order-number">
                    {placed.orderNumber}
                  </strong>
                  <Badge status={placed.status} testId="order-status" />
                </div>
                {place.data && !place.data.created && <div className="muted">The same order was placed moments ago; this is that order.</div>}
                <div className="row gap">
                  {placed.status === "pending" && (
                    <button className="btn btn-primary btn-large" data-testid="counter-confirm-order" disabled={!s.can("orders.confirm") || confirm.isPending} onClick={() => confirm.mutate({ id: placed.orderId })} autoFocus>
                      {confirm.isPending ? "Confirming…" : "Confirm order"}
                    </button>
                  )}
                  <a className="btn" href={href("orders", placed.orderId)}>
                    Open order
                  </a>
                  <button className="btn" onClick={reset}>
                    Next customer
                  </button>
                </div>
              </div>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}

/**
 * The order's price, by one rule: a consumer sees prices with VAT (as EU price-display rules
 * ask); a business customer sees them net, labelled "excl. VAT", with the VAT beside. Every
 * figure is the core's; nothing is added up here.
 */
function PriceLines(props: { quote: Quote | undefined; business: boolean; rate: string }) {
  const s = useSession();
  const q = props.quote;
  const show = (m: string | undefined) => (q && m !== undefined ? s.money(m) : "—");
  const rows: [string, string, string?][] = props.business
    ? [
        ["Per month, excl. VAT", show(q?.monthly.net)],
        [`VAT ${props.rate} %`, show(q?.monthly.tax)],
        ["Per month, incl. VAT", show(q?.monthly.gross), "counter-monthly-total"],
        ["Contract value, excl. VAT", show(q?.contract.net), "counter-contract-total"],
      ]
    : [
        [`Per month, incl. ${props.rate} % VAT`, show(q?.monthly.gross), "counter-monthly-total"],
        ["of which VAT", show(q?.monthly.tax)],
        ["Contract value, incl. VAT", show(q?.contract.gross), "counter-contract-total"],
      ];
  return (
    <>
      {rows.map(([label, value, testId]) => (
        <div key={label} className={`totals-row ${testId === "counter-monthly-total" ? "total" : testId ? "contract" : ""}`} data-testid={testId}>
          <span>{label}</span>
          <span className="num">{value}</span>
        </div>
      ))}
      {q && (
        <div className="muted small">
          {q.totals.totalDevices} device(s). The contract value is every monthly payment of the contract{props.business ? ", before VAT" : ", VAT included"}.
        </div>
      )}
    </>
  );
}
