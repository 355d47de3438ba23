import { useState } from "react";
import { call } from "../api/client";
import { DocumentButton } from "./DocumentButton";

/** The label stocks the core prints on. */
export const LABEL_STOCKS: { id: string; label: string }[] = [
  { id: "roll62x29", label: "Roll 62 × 29 mm" },
  { id: "roll102x51", label: "Roll 102 × 51 mm" },
  { id: "a4_3x8", label: "A4 sheet, 3 × 8" },
];

const STOCK_KEY = "flexdesk.labelStock";

function rememberedStock(): string {
  try {
    const s = localStorage.getItem(STOCK_KEY);
    if (s && LABEL_STOCKS.some((x) => x.id === s)) return s;
  } catch {
    /* storage unavailable */
  }
  return "roll62x29";
}

/**
 * Asset labels (Code 128 and QR of the serial): a stock choice, remembered on this desk, and a
 * button that opens the labels to print. With `stock` fixed (an A4 sheet of several), no choice.
 */
export function LabelPrint(props: { serials: string[]; stock?: string; label?: string; testId?: string; small?: boolean }) {
  const [stock, setStock] = useState(rememberedStock);
  const chosen = props.stock ?? stock;
  const n = props.serials.length;
  return (
    <span className="row gap label-print">
      {!props.stock && (
        <select
          value={stock}
          aria-label="Label stock"
          data-testid="label-stock"
          onChange={(e) => {
            setStock(e.target.value);
            try {
              localStorage.setItem(STOCK_KEY, e.target.value);
            } catch {
              /* storage unavailable */
            }
            // A scan after this goes to the scanner, not to the list.
            e.target.blur();
          }}
        >
          {LABEL_STOCKS.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
        </select>
      )}
      <DocumentButton
        mode="open"
        className={`btn ${props.small ? "btn-small" : ""}`}
        disabled={n === 0}
        testId={props.testId ?? "label-print"}
        load={() => call("documents.labels", { serialNumbers: props.serials, stock: chosen })}
      >
        {props.label ?? (n === 1 ? "Print label" : `Print ${n} labels`)}
      </DocumentButton>
    </span>
  );
}
