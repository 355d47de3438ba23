import type { RecordsReq } from "../api/bindings/RecordsReq";
import { rolesFor } from "../access";
import { call } from "../api/client";
import { textDocument } from "../documents";
import { useSession } from "../session";
import { DocumentButton } from "./DocumentButton";

/** "Export CSV" of a list's records (customers, assets, orders, products), for those who may. */
export function RecordsCsvButton(props: { records: RecordsReq["records"]; what: string; testId: string }) {
  const s = useSession();
  const may = s.can("exports.records");
  return (
    <DocumentButton
      mode="save"
      testId={props.testId}
      disabled={!may}
      title={may ? `Every ${props.what} of this business unit as a CSV file` : `Needs ${rolesFor("exports.records")}`}
      load={async () => {
        const f = await call("exports.records", { records: props.records });
        return textDocument(f.filename, f.csvData);
      }}
    >
      Export CSV
    </DocumentButton>
  );
}
