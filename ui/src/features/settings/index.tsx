import { ScreenHeader } from "../../lib/ui";
export function SettingsScreen() {
  return <ScreenHeader title="Settings" />;
}
