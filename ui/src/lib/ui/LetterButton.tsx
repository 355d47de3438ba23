import type { Reminder } from "../api/bindings/Reminder";
import { rolesFor } from "../access";
import { call } from "../api/client";
import { useSession } from "../session";
import { DocumentButton } from "./DocumentButton";

/** A reminder's letter as it was sent, downloaded as a PDF (Payments → Reminders, a customer's page). */
export function LetterButton(props: { reminder: Reminder; testId: string }) {
  const s = useSession();
  const may = s.can("dunning.letter");
  return (
    <DocumentButton
      mode="save"
      className="btn btn-small"
      disabled={!may}
      title={may ? "Download the letter as it was sent (PDF)" : `Needs ${rolesFor("dunning.letter")}`}
      testId={props.testId}
      load={() => call("dunning.letter", { id: props.reminder.reminderId })}
    >
      Letter PDF
    </DocumentButton>
  );
}
