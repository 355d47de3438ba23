import { ScreenHeader } from "../../lib/ui";
export function CatalogArea(props: { parts: string[] }) {
  return <ScreenHeader title="Catalog" sub={props.parts.join("/")} />;
}
