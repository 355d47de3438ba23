// Temporary runner: desk then corrections.
import { mkdirSync } from "node:fs";
import { assert, consoleErrors, crash, done, shots, step } from "./harness.mjs";
import { desk } from "./scenarios/desk.mjs";
import { corrections } from "./scenarios/corrections.mjs";

async function main() {
  mkdirSync(shots, { recursive: true });
  const t = {};
  await desk(t);
  await corrections(t);
  await step("no uncaught page errors", async () => {
    assert(consoleErrors.length === 0, consoleErrors.join("\n"));
  });
  await done();
}

main().catch(crash);
