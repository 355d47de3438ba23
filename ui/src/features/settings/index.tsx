import type { ReactNode } from "react";
import { rolesFor } from "../../lib/access";
import { useSession } from "../../lib/session";
import { WebhookDeliveries, Webhooks } from "./Webhooks";
import { Empty, RoleHint, ScreenHeader } from "../../lib/ui";
import { BuSettingsForm } from "./BuSettingsForm";
import { NewBusinessUnit } from "./desk";
import { People } from "./People";
import { Backups } from "./Backups";
import { MailAccount } from "./Mail";
export { BackupWarning } from "./Backups";
export { MyPinDialog } from "./People";
import { ApiKeys, LocalServer } from "./api";
import "./settings.css";

/** `sync`: the Sync card (from the sync feature; the shell passes it in). */
export function SettingsScreen(props: { sync?: ReactNode }) {
  const s = useSession();
  return (
    <>
      <ScreenHeader title="Settings" sub={s.bu ? `Business unit ${s.bu.name} (${s.bu.currency}) and this desk.` : "This desk."} />
      {!s.can("bu.update") && <RoleHint roles={rolesFor("bu.update")} />}
      {s.bu ? <BuSettingsForm key={s.bu.id + s.bu.updatedAt} bu={s.bu} /> : <Empty>There is no business unit yet. Create the first one below.</Empty>}
      <div className="grid-2">
        <div>
          <People />
          <Backups />
          <NewBusinessUnit />
          {props.sync}
        </div>
        <div>
          {s.bu && <ApiKeys />}
          <LocalServer />
          {s.bu && <MailAccount />}
          {s.bu && <Webhooks />}
        </div>
      </div>
      {s.bu && <WebhookDeliveries />}
    </>
  );
}
