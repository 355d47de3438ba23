// Sync with the business unit's remote: the shell's status indicator, Settings → Sync, and the
// conflict inbox (`#/sync`).
import "./sync.css";

export { SyncIndicator } from "./Indicator";
export { SyncSettings } from "./Settings";
export { SyncConflictsScreen } from "./Conflicts";
export { useSyncStatus } from "./shared";
