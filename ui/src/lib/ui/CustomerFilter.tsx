import { useState } from "react";
import type { CustomerQuery } from "../api/bindings/CustomerQuery";
import { useCommand } from "../query";
import { useDebounced } from "../useDebounced";
import { Input } from "./index";

/**
 * Pick one customer: search by name, email or company, pick one, clear it again. Lists use it as a
 * filter; forms narrow the search with `where` (e.g. active business customers only).
 */
export function CustomerFilter(props: { value: string; onChange(id: string): void; testId?: string; where?: Partial<CustomerQuery>; placeholder?: string; resultTestId?: string }) {
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 250);
  const chosen = useCommand("customers.get", { id: props.value }, { enabled: !!props.value });
  const results = useCommand("customers.list", { ...props.where, q: dq, limit: "8" }, { enabled: !props.value && dq.length > 0 });
  const id = props.testId ?? "customer-filter";
  if (props.value) {
    const c = chosen.data;
    return (
      <div className="field">
        <span className="field-label">Customer</span>
        <span className="chip" data-testid={`${id}-chosen`}>
          <span>{c ? `${c.firstName} ${c.lastName}${c.company ? ` · ${c.company}` : ""}` : props.value}</span>
          <button type="button" className="chip-x" onClick={() => props.onChange("")} aria-label="Any customer">
            ×
          </button>
        </span>
      </div>
    );
  }
  const items = results.data?.items ?? [];
  return (
    <div className="field customer-filter">
      <span className="field-label">Customer</span>
      <Input
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder={props.placeholder ?? "Name, email or company"}
        testId={id}
        onKeyDown={(e) => {
          if (e.key === "Enter" && items[0]) {
            e.preventDefault();
            props.onChange(items[0].customerId);
            setQ("");
          }
        }}
      />
      {dq && results.data && items.length === 0 && <div className="filter-results empty small">No customer matches “{dq}”.</div>}
      {dq && items.length > 0 && (
        <div className="filter-results">
          {items.map((c) => (
            <button
              type="button"
              key={c.customerId}
              className="result"
              data-testid={props.resultTestId ?? `${id}-result`}
              onClick={() => {
                props.onChange(c.customerId);
                setQ("");
              }}
            >
              <span className="result-main">
                {c.firstName} {c.lastName}
                {c.company ? ` · ${c.company}` : ""}
              </span>
              <span className="result-sub">{c.email}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
