import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Customer } from "../../lib/api/bindings/Customer";
import type { OrderItemInput } from "../../lib/api/bindings/OrderItemInput";
import type { Variant } from "../../lib/api/bindings/Variant";
import { months } from "../../lib/format";
import { useAction, useCommand } from "../../lib/query";
import { useBu, useSession } from "../../lib/session";
import { useDebounced } from "../../lib/useDebounced";
import { Card, Field, Input, LoadError } from "../../lib/ui";
import { CustomerFields, emptyCustomer, newCustomerRequest, type CustomerDraft } from "../../lib/ui/CustomerForm";

export function CustomerStep(props: { customer: Customer | null; disabled: boolean; searchRef: React.RefObject<HTMLInputElement | null>; onPick(c: Customer): void; onClear(): void }) {
  const s = useSession();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 200);
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState<CustomerDraft>(emptyCustomer());
  const results = useCommand("customers.list", { q: dq, status: "active", limit: "8" }, { enabled: dq.length > 0 && !props.customer });
  const fresh = dq === q.trim() && !results.isFetching;
  const list = useMemo(() => (fresh && results.data ? results.data.items : []), [fresh, results.data]);
  // Enter pressed before the results arrived picks the first one when they do.
  const [pickWhenReady, setPickWhenReady] = useState(false);
  useEffect(() => {
    if (!pickWhenReady || !fresh || !results.data) return;
    setPickWhenReady(false);
    if (list[0]) props.onPick(list[0]);
  }, [pickWhenReady, fresh, results.data, list, props]);
  const create = useAction("customers.create", {
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

export function VariantStep(props: { searchRef: React.RefObject<HTMLInputElement | null>; disabled: boolean; onAdd(it: OrderItemInput): void }) {
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
  const list = useMemo(() => (fresh && results.data ? results.data.items : []), [fresh, results.data]);
  const [pickWhenReady, setPickWhenReady] = useState(false);

  const tiers = useMemo(() => [...(variant?.pricing ?? [])].sort((a, b) => a.contractLength - b.contractLength), [variant]);

  const pick = useCallback(
    (v: Variant) => {
      setVariant(v);
      const lengths = v.pricing.map((t) => t.contractLength);
      setLength(lengths.includes(bu.settings.defaultContractLength) ? bu.settings.defaultContractLength : lengths[0] ?? 0);
      setQty("1");
      setTimeout(() => lengthRef.current?.focus(), 0);
    },
    [bu.settings.defaultContractLength],
  );

  // Enter pressed before the results arrived picks the first one when they do.
  useEffect(() => {
    if (!pickWhenReady || !fresh || !results.data) return;
    setPickWhenReady(false);
    if (list[0]) pick(list[0]);
  }, [pickWhenReady, fresh, results.data, list, pick]);

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
        placeholder="Product, SKU, brand or category — Enter picks the first"
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
              <StockNote inStock={v.inStock} />
            </button>
          ))}
          {dq && fresh && results.data && list.length === 0 && <div className="empty small">No active product matches “{dq}”.</div>}
        </div>
      )}
      {variant && (
        <div className="variant-pick" data-testid="counter-variant-chosen">
          <div className="chosen-name">
            {variant.productName} — {variant.variantName} <span className="mono muted">{variant.variantSku}</span> <StockNote inStock={variant.inStock} />
          </div>
          {variant.inStock !== undefined && variant.inStock < (qtyOk ? quantity : 1) && (
            <div className="warn-note" role="alert" data-testid="counter-stock-warning">
              {variant.inStock === 0
                ? "None in stock: the order can be taken, but the device cannot be handed over until one is taken in."
                : `Only ${variant.inStock} in stock: the rest cannot be handed over until more are taken in.`}
            </div>
          )}
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

/** Units available to rent now, as the search states them. */
function StockNote(props: { inStock: number | undefined }) {
  if (props.inStock === undefined) return null;
  return (
    <span className={`stock-note ${props.inStock === 0 ? "bad-text" : "muted"}`} data-testid="counter-variant-stock">
      {props.inStock === 0 ? "none in stock" : `${props.inStock} in stock`}
    </span>
  );
}

function fromPrice(v: Variant, money: (a: string) => string): string {
  if (!v.pricing.length) return "no prices";
  const longest = [...v.pricing].sort((a, b) => b.contractLength - a.contractLength)[0];
  return `from ${money(longest.monthlyPrice)} / month (${months(longest.contractLength)})`;
}
