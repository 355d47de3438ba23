import { ScreenHeader } from "../../lib/ui";
export function CustomersArea(props: { parts: string[] }) {
  return <ScreenHeader title="Customers" sub={props.parts.join("/")} />;
}
