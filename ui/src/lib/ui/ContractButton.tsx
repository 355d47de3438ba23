import { call } from "../api/client";
import { useInvalidateAfter } from "../query";
import { DocumentButton } from "./DocumentButton";

/**
 * Make an order's contract (kept in the desk's file store, listed under the order's files) and
 * open it to read, print or send. The contract prints the order's lines, prices and notes.
 */
export function ContractButton(props: { orderId: string; testId?: string; className?: string; label?: string }) {
  const invalidateAfter = useInvalidateAfter();
  return (
    <DocumentButton
      mode="open"
      testId={props.testId ?? "order-contract"}
      className={props.className}
      load={async () => {
        const f = await call("files.contract", { orderId: props.orderId });
        invalidateAfter("files.contract");
        return call("files.pdf", { id: f.fileId });
      }}
    >
      {props.label ?? "Contract PDF"}
    </DocumentButton>
  );
}
