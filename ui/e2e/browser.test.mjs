// Browser end-to-end test of the desk UI against the real core.
//
// Starts `flexdesk --db <tmp> serve --listen 127.0.0.1:0 --ui ui/dist --demo` (binary from
// ../target/debug/flexdesk or $FLEXDESK_BIN; the UI must be built first with `npm run build`),
// drives the system Chromium with playwright-core, saves screenshots to e2e/shots/, and prints
// one final line `N passed, M failed`. Exits non-zero on any failure.
//
// The scenarios (scenarios/) run one after another on the same server, browser and desk, each
// picking up where the one before left off; `t` carries what they share (the server's URL, the
// demo data picked, what earlier steps made). The harness (harness.mjs) holds the rest.
import { mkdirSync } from "node:fs";
import { assert, consoleErrors, crash, done, shots, step } from "./harness.mjs";
import { desk } from "./scenarios/desk.mjs";
import { rentals } from "./scenarios/rentals.mjs";
import { forms } from "./scenarios/forms.mjs";
import { billing } from "./scenarios/billing.mjs";
import { figures } from "./scenarios/figures.mjs";
import { sync } from "./scenarios/sync.mjs";
import { layout } from "./scenarios/layout.mjs";
import { lists } from "./scenarios/lists.mjs";
import { signin } from "./scenarios/signin.mjs";
import { backups } from "./scenarios/backups.mjs";
import { corrections } from "./scenarios/corrections.mjs";
import { einvoices } from "./scenarios/einvoices.mjs";
import { reports } from "./scenarios/reports.mjs";
import { dunning } from "./scenarios/dunning.mjs";

async function main() {
  mkdirSync(shots, { recursive: true });
  const t = {};
  await desk(t);
  await rentals(t);
  await forms(t);
  await billing(t);
  await figures(t);
  await sync(t);
  await lists(t);
  await layout(t);
  await backups(t);
  await corrections(t);
  await einvoices(t);
  await reports(t);
  await dunning(t);
  await signin(t);

  await step("no uncaught page errors", async () => {
    assert(consoleErrors.length === 0, consoleErrors.join("\n"));
  });

  await done();
}

main().catch(crash);
