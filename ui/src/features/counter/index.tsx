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
import { ContractButton } from "../../lib/ui/ContractButton";
import { Dialog } from "../../lib/ui/Dialog";
import { PriceRows, taxInText, useTaxName } from "../../lib/ui/PriceRows";
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
  // "New order" over a filled basket asks first.
  const [asking, setAsking] = useState(false);
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
    setAsking(false);
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

  // A placed order is kept; an empty basket has nothing to lose.
  const startNew = () => {
    if (!placed && items.length > 0) setAsking(true);
    else reset();
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
    if (!ready || !customer || place.isPending || placed || asking) return;
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
          <button className="btn" onClick={startNew} data-testid="counter-reset">
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
              <QuoteRows quote={items.length ? quote.data : undefined} business={customer?.customerType === "business"} rate={bu.settings.taxRate} />
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
                <Field label="Notes" hint="Optional; printed on the contract.">
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
                  {s.can("files.contract") && <ContractButton orderId={placed.orderId} testId="counter-contract" label="Print contract" />}
                  <a className="btn" href={href("orders", placed.orderId)}>
                    Open order
                  </a>
                  <button className="btn" onClick={reset} data-testid="counter-next">
                    Next customer
                  </button>
                </div>
                {s.can("files.contract") && <p className="muted small">The contract opens to print or send; a copy is kept with the order's files.</p>}
              </div>
            )}
          </Card>
        </div>
      </div>
      {asking && <DiscardDialog devices={items.reduce((n, x) => n + x.quantity, 0)} customer={customer} onKeep={() => setAsking(false)} onDiscard={reset} />}
    </div>
  );
}

/** Asked before "New order" throws away a filled basket; keeping it is the default. */
function DiscardDialog(props: { devices: number; customer: Customer | null; onKeep(): void; onDiscard(): void }) {
  const c = props.customer;
  const name = c ? `${c.firstName} ${c.lastName}`.trim() : "";
  const who = c?.company ? (name ? `${name} (${c.company})` : c.company) : name;
  const what = props.devices === 1 ? "1 device" : `${props.devices} devices`;
  return (
    <Dialog title="Discard this order?" onClose={props.onKeep} testId="counter-discard-dialog">
      <p data-testid="counter-discard-text">
        {what}
        {who ? ` for ${who}` : ""} will be lost.
      </p>
      <div className="row gap dialog-buttons">
        <button type="button" className="btn btn-primary" onClick={props.onKeep} autoFocus data-testid="counter-discard-keep">
          Keep editing
        </button>
        <button type="button" className="btn btn-danger" onClick={props.onDiscard} data-testid="counter-discard-confirm">
          Discard
        </button>
      </div>
    </Dialog>
  );
}

/** The quote's price rows by the desk's one rule (see PriceRows); every figure is the core's. */
function QuoteRows(props: { quote: Quote | undefined; business: boolean; rate: string }) {
  const q = props.quote;
  const tax = taxInText(useTaxName());
  return (
    <PriceRows
      monthly={q?.monthly}
      contract={q?.contract}
      business={props.business}
      rate={q?.totals.taxRate ?? props.rate}
      testIdPrefix="counter"
      note={q && `${q.totals.totalDevices} device(s). The contract value is every monthly payment of the contract, ${props.business ? `before ${tax}` : `${tax} included`}.`}
    />
  );
}
