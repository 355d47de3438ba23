import { ScreenHeader } from "../../lib/ui";
export function OrdersArea(props: { parts: string[] }) {
  return <ScreenHeader title="Orders" sub={props.parts.join("/")} />;
}
