import { useEffect, useMemo, useRef, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { call, type AppError } from "../../lib/api/client";
import type { Address } from "../../lib/api/bindings/Address";
import type { Customer } from "../../lib/api/bindings/Customer";
import type { Order } from "../../lib/api/bindings/Order";
import type { OrderItemInput } from "../../lib/api/bindings/OrderItemInput";
import type { Quote } from "../../lib/api/bindings/Quote";
import type { Variant } from "../../lib/api/bindings/Variant";
import { rolesFor } from "../../lib/access";
import { months } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { href } from "../../lib/router";
import { useBu, useSession } from "../../lib/session";
import { useDebounced } from "../../lib/useDebounced";
import { Badge, Card, Empty, Field, Input, LoadError, RoleHint, ScreenHeader, Textarea } from "../../lib/ui";
import { AddressForm, addressComplete, addressLine, emptyAddress } from "../../lib/ui/AddressForm";
import { CustomerFields, emptyCustomer, newCustomerRequest, type CustomerDraft } from "../../lib/ui/CustomerForm";

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
    invalidate: ["orders.", "customers."],
    onSuccess: (r) => setPlaced(r.order),
  });
  const confirm = useAction("orders.confirm", {
    invalidate: ["orders."],
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
                disabled={!!placed}
                onQty={(i, q) => setItems((l) => l.map((x, j) => (j === i ? { ...x, quantity: q } : x)))}
                onRemove={(i) => setItems((l) => l.filter((_, j) => j !== i))}
              />
            )}
            {quote.error && items.length > 0 && <div className="load-error">{quote.error.message}</div>}
            <div className={`totals ${quote.isFetching ? "stale" : ""}`}>
              <div className="totals-row">
                <span>Monthly subtotal</span>
                <span className="num">{items.length && quote.data ? s.money(quote.data.totals.subtotal) : "—"}</span>
              </div>
              <div className="totals-row">
                <span>Tax{bu.settings.taxInclusive ? " (included)" : ""} {bu.settings.taxRate}%</span>
                <span className="num">{items.length && quote.data ? s.money(quote.data.totals.taxAmount) : "—"}</span>
              </div>
              <div className="totals-row total" data-testid="counter-monthly-total">
                <span>Total per month</span>
                <span className="num">{items.length && quote.data ? s.money(quote.data.totals.total) : "—"}</span>
              </div>
              <div className="totals-row contract" data-testid="counter-contract-total">
                <span>Contract value</span>
                <span className="num">{items.length && quote.data ? s.money(quote.data.contractValue) : "—"}</span>
              </div>
              {quote.data && items.length > 0 && <div className="muted small">{quote.data.totals.totalDevices} device(s). Contract value = monthly price × months × quantity, before tax.</div>}
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

function CustomerStep(props: { customer: Customer | null; disabled: boolean; searchRef: React.RefObject<HTMLInputElement | null>; onPick(c: Customer): void; onClear(): void }) {
  const s = useSession();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 200);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<CustomerDraft>(emptyCustomer());
  const results = useCommand("customers.list", { q: dq, status: "active", limit: "8" }, { enabled: dq.length > 0 && !props.customer });
  const fresh = dq === q.trim() && !results.isFetching;
  const list = fresh && results.data ? results.data.items : [];
  // Enter pressed before the results arrived picks the first one when they do.
  const [pickWhenReady, setPickWhenReady] = useState(false);
  useEffect(() => {
    if (!pickWhenReady || !fresh || !results.data) return;
    setPickWhenReady(false);
    if (list[0]) props.onPick(list[0]);
  }, [pickWhenReady, fresh, results.data, list, props]);
  const create = useAction("customers.create", {
    invalidate: ["customers."],
    onSuccess: (c) => {
      setCreating(false);
      setDraft(emptyCustomer());
      setQ("");
      props.onPick(c);
    },
  });

  useEffect(() => {
    if (!props.customer) props.searchRef.current?.focus();
  }, [props.customer, props.searchRef]);

  if (props.customer) {
    const c = props.customer;
    return (
      <Card
        title="Customer"
        actions={
          !props.disabled && (
            <button className="btn btn-small" onClick={props.onClear} data-testid="counter-change-customer">
              Change
            </button>
          )
        }
      >
        <div className="chosen" data-testid="counter-customer">
          <div className="chosen-name">
            {c.firstName} {c.lastName}
            {c.company && <span className="muted"> · {c.company}</span>}
          </div>
          <div className="muted">
            {c.email}
            {c.phone && ` · ${c.phone}`} · {c.customerType} · {c.totalOrders} earlier order(s)
          </div>
        </div>
      </Card>
    );
  }

  return (
    <Card
      title="1. Customer"
      actions={
        <button className="btn btn-small" data-testid="counter-new-customer" disabled={!s.can("customers.create")} onClick={() => { setCreating((v) => !v); setDraft({ ...emptyCustomer(), email: q.includes("@") ? q.trim() : "" }); }}>
          {creating ? "Search instead" : "New customer"}
        </button>
      }
    >
      {!creating && (
        <>
          <Input
            ref={props.searchRef}
            className="search-input"
            placeholder="Name, email or company — Enter picks the first"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && q.trim()) {
                e.preventDefault();
                if (list[0]) props.onPick(list[0]);
                else setPickWhenReady(true);
              } else if (e.key === "ArrowDown") {
                e.preventDefault();
                (document.querySelector('[data-testid="counter-customer-result"]') as HTMLElement | null)?.focus();
              }
            }}
            testId="counter-customer-search"
            aria-label="Find a customer"
          />
          <LoadError error={results.error} />
          <div className="results" role="listbox">
            {list.map((c) => (
              <button key={c.customerId} className="result" data-testid="counter-customer-result" onClick={() => props.onPick(c)} onKeyDown={arrowNav}>
                <span className="result-main">
                  {c.firstName} {c.lastName}
                  {c.company && <span className="muted"> · {c.company}</span>}
                </span>
                <span className="result-sub">{c.email}</span>
              </button>
            ))}
            {dq && fresh && results.data && list.length === 0 && <div className="empty small">No active customer matches “{dq}”. Create a new one?</div>}
          </div>
        </>
      )}
      {creating && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(newCustomerRequest(draft));
          }}
        >
          <CustomerFields value={draft} onChange={setDraft} error={create.error} autoFocus />
          <div className="row gap">
            <button className="btn btn-primary" data-testid="customer-save" disabled={create.isPending}>
              {create.isPending ? "Saving…" : "Save customer"}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}

/** Arrow keys move between result buttons. */
function arrowNav(e: React.KeyboardEvent<HTMLElement>) {
  const el = e.currentTarget;
  if (e.key === "ArrowDown") {
    e.preventDefault();
    (el.nextElementSibling as HTMLElement | null)?.focus();
  } else if (e.key === "ArrowUp") {
    e.preventDefault();
    const prev = el.previousElementSibling as HTMLElement | null;
    if (prev) prev.focus();
    else (el.closest(".card")?.querySelector("input") as HTMLElement | null)?.focus();
  }
}

function VariantStep(props: { searchRef: React.RefObject<HTMLInputElement | null>; disabled: boolean; onAdd(it: OrderItemInput): void }) {
  const s = useSession();
  const bu = useBu();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 200);
  const [variant, setVariant] = useState<Variant | null>(null);
  const [length, setLength] = useState<number>(0);
  const [qty, setQty] = useState("1");
  const lengthRef = useRef<HTMLSelectElement>(null);
  const results = useCommand("catalog.listVariants", { q: dq, status: "active", limit: "8" }, { enabled: dq.length > 0 });
  const fresh = dq === q.trim() && !results.isFetching;
  const list = fresh && results.data ? results.data.items : [];
  const [pickWhenReady, setPickWhenReady] = useState(false);

  const tiers = useMemo(() => [...(variant?.pricing ?? [])].sort((a, b) => a.contractLength - b.contractLength), [variant]);

  const pick = (v: Variant) => {
    setVariant(v);
    const lengths = v.pricing.map((t) => t.contractLength);
    setLength(lengths.includes(bu.settings.defaultContractLength) ? bu.settings.defaultContractLength : lengths[0] ?? 0);
    setQty("1");
    setTimeout(() => lengthRef.current?.focus(), 0);
  };

  useEffect(() => {
    if (!pickWhenReady || !fresh || !results.data) return;
    setPickWhenReady(false);
    if (list[0]) pick(list[0]);
  });

  const quantity = Number(qty);
  const qtyOk = Number.isInteger(quantity) && quantity >= 1 && quantity <= 1000;
  const add = () => {
    if (!variant || !length || !qtyOk) return;
    props.onAdd({ sku: variant.variantSku, quantity, contractLength: length });
    setVariant(null);
    setQ("");
    setTimeout(() => props.searchRef.current?.focus(), 0);
  };

  return (
    <Card title="2. Devices">
      <Input
        ref={props.searchRef}
        className="search-input"
        placeholder="Product, SKU or brand — Enter picks the first"
        value={q}
        disabled={props.disabled}
        onChange={(e) => {
          setQ(e.target.value);
          setVariant(null);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && q.trim()) {
            e.preventDefault();
            if (list[0]) pick(list[0]);
            else setPickWhenReady(true);
          } else if (e.key === "ArrowDown") {
            e.preventDefault();
            (document.querySelector('[data-testid="counter-variant-result"]') as HTMLElement | null)?.focus();
          }
        }}
        testId="counter-variant-search"
        aria-label="Find a product"
      />
      <LoadError error={results.error} />
      {!variant && (
        <div className="results">
          {list.map((v) => (
            <button key={v.variantId} className="result" data-testid="counter-variant-result" onClick={() => pick(v)} onKeyDown={arrowNav}>
              <span className="result-main">
                {v.productName} — {v.variantName}
              </span>
              <span className="result-sub">
                <span className="mono">{v.variantSku}</span> · grade {v.grade}
                {v.colorName && ` · ${v.colorName}`} · {fromPrice(v, s.money)}
              </span>
            </button>
          ))}
          {dq && fresh && results.data && list.length === 0 && <div className="empty small">No active product matches “{dq}”.</div>}
        </div>
      )}
      {variant && (
        <div className="variant-pick" data-testid="counter-variant-chosen">
          <div className="chosen-name">
            {variant.productName} — {variant.variantName} <span className="mono muted">{variant.variantSku}</span>
          </div>
          <form
            className="row gap wrap align-end"
            onSubmit={(e) => {
              e.preventDefault();
              add();
            }}
          >
            <Field label="Contract length">
              <select
                ref={lengthRef}
                data-testid="counter-contract-length"
                value={length}
                onChange={(e) => setLength(Number(e.target.value))}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    add();
                  }
                }}
              >
                {tiers.map((t) => (
                  <option key={t.contractLength} value={t.contractLength}>
                    {months(t.contractLength)} — {s.money(t.monthlyPrice)} / month
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Quantity" error={qtyOk ? undefined : "1 to 1000"}>
              <Input type="number" min={1} max={1000} value={qty} onChange={(e) => setQty(e.target.value)} className="qty" testId="counter-quantity" />
            </Field>
            <button className="btn btn-primary" data-testid="counter-add-item" disabled={!length || !qtyOk}>
              Add to order
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setVariant(null)}>
              Cancel
            </button>
          </form>
          {tiers.length === 0 && <div className="load-error">This variant has no prices; it cannot be ordered.</div>}
        </div>
      )}
    </Card>
  );
}

function fromPrice(v: Variant, money: (a: string) => string): string {
  if (!v.pricing.length) return "no prices";
  const longest = [...v.pricing].sort((a, b) => b.contractLength - a.contractLength)[0];
  return `from ${money(longest.monthlyPrice)} / month (${months(longest.contractLength)})`;
}

function OrderLines(props: { items: OrderItemInput[]; quote: Quote | undefined; disabled: boolean; onQty(i: number, q: number): void; onRemove(i: number): void }) {
  const s = useSession();
  return (
    <div className="lines-wrap">
    <table className="table lines" data-testid="counter-lines">
      <thead>
        <tr>
          <th>Device</th>
          <th>Term</th>
          <th className="num">Qty</th>
          <th className="num">Per month</th>
          <th className="num">Contract</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.items.map((it, i) => {
          const line = props.quote?.items[i];
          const matches = line && line.sku === it.sku && line.contractLength === it.contractLength && line.quantity === it.quantity;
          return (
            <tr key={`${it.sku}-${it.contractLength}`} data-testid="counter-line">
              <td>
                <div>{line?.productName ?? it.sku}</div>
                <div className="mono muted small">{it.sku}</div>
              </td>
              <td className="nowrap">{it.contractLength} mo</td>
              <td className="num">
                {props.disabled ? (
                  it.quantity
                ) : (
                <input
                  type="number"
                  className="qty"
                  min={1}
                  max={1000}
                  value={it.quantity}
                  disabled={props.disabled}
                  aria-label={`Quantity of ${it.sku}`}
                  onChange={(e) => {
                    const n = Number(e.target.value);
                    if (Number.isInteger(n) && n >= 1 && n <= 1000) props.onQty(i, n);
                  }}
                />
                )}
              </td>
              <td className="num">{line && matches ? s.money(line.unitPrice) : "…"}</td>
              <td className="num">{line && matches ? s.money(line.contractValue) : "…"}</td>
              <td>
                {!props.disabled && (
                  <button className="btn btn-small btn-ghost" onClick={() => props.onRemove(i)} aria-label={`Remove ${it.sku}`}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </div>
  );
}
