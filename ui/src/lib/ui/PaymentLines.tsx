import type { LineItem } from "../api/bindings/LineItem";
import { formatPeriod } from "../format";
import { href } from "../router";
import { useSession } from "../session";

/** The lines of a consolidated payment: one per subscription, with device and service period. */
export function PaymentLines(props: { lines: LineItem[]; testId?: string }) {
  const s = useSession();
  return (
    <table className="table compact lines-table" data-testid={props.testId ?? "payment-lines"}>
      <thead>
        <tr>
          <th>Device</th>
          <th>Period</th>
          <th className="num">Net</th>
          <th className="num">Tax</th>
        </tr>
      </thead>
      <tbody>
        {props.lines.map((l, i) => (
          <tr key={l.paymentId ?? `${l.rentalId}-${i}`} data-testid="payment-line">
            <td>
              <a className="mono" href={href("subscriptions", l.rentalId)}>
                {l.serialNumber ?? "subscription"}
              </a>
              <div className="small muted">{l.productName ?? l.description}</div>
            </td>
            <td className="small nowrap">{formatPeriod(l.periodStart, l.periodEnd)}</td>
            <td className="num">{s.money(l.amount)}</td>
            <td className="num small">
              {s.money(l.taxAmount)}
              {l.taxRate && <div className="muted">{l.taxRate} %</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
