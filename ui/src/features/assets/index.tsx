import { ScreenHeader } from "../../lib/ui";
export function AssetsArea(props: { parts: string[] }) {
  return <ScreenHeader title="Assets" sub={props.parts.join("/")} />;
}
