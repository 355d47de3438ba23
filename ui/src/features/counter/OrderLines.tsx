import type { OrderItemInput } from "../../lib/api/bindings/OrderItemInput";
import type { Quote } from "../../lib/api/bindings/Quote";
import type { TaxedAmount } from "../../lib/api/bindings/TaxedAmount";
import { useSession } from "../../lib/session";
import { LineHeadings, byRule, priceBasis, useTaxName } from "../../lib/ui/PriceRows";

/** The order's lines, priced by the counter's one rule: with VAT for a consumer, net for a business. */
export function OrderLines(props: { items: OrderItemInput[]; quote: Quote | undefined; business: boolean; disabled: boolean; onQty(i: number, q: number): void; onRemove(i: number): void }) {
  const s = useSession();
  const way = priceBasis(props.business, useTaxName());
  const pick = (m: TaxedAmount | undefined) => (m ? s.money(byRule(m, props.business)) : "…");
  return (
    <div className="lines-wrap">
    <table className="table lines" data-testid="counter-lines">
      <thead>
        <tr>
          <LineHeadings basis={way} />
          <th />
        </tr>
      </thead>
      <tbody>
        {props.items.map((it, i) => {
          const line = props.quote?.items[i];
          const price = props.quote?.lines[i];
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
              <td className="num">{line && matches ? pick(price?.month) : "…"}</td>
              <td className="num">{line && matches ? pick(price?.contract) : "…"}</td>
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
