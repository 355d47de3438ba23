// Settings → Backups as an administrator sees it: the backup the server made when it started,
// "Back up now", a folder that is not a full path refused at its field, and a restore asked for
// (naming the backup's date) and called off. The restore itself happens at the server's next
// start; the core tests restart a server for it.
import { join } from "node:path";
import { assert, become, page, shots, step, tid } from "../harness.mjs";

export async function backups() {
  await step("backups (Administrator): Settings → Backups shows the start-up backup, backs up now, refuses a folder that is not a full path, and a restore is asked for by its date and called off", async () => {
    await become("Administrator");
    await tid("nav-settings").click();
    const card = tid("backups-card");
    await card.scrollIntoViewIfNeeded();
    await tid("backup-last").filter({ hasText: "Last good backup" }).waitFor();
    assert((await tid("backup-warning").count()) === 0, "no warning while the last backup is recent");
    const before = await tid("backup-row").count();
    assert(before >= 1 && (await tid("backup-row").first().innerText()).includes("daily"), "the server's daily backup is listed");

    await tid("backup-now").click();
    await tid("success-banner").filter({ hasText: "Backed up:" }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="backup-row"]').length === n + 1, before);
    const manual = tid("backup-row").filter({ hasText: "by hand" }).first();
    await manual.waitFor();

    await tid("backup-folder").fill("usb/backups");
    await tid("backup-save").click();
    await card.locator(".field-error").filter({ hasText: "full path" }).waitFor();
    await tid("backup-folder").fill("");

    const made = (await manual.locator("td").first().innerText()).trim();
    await manual.getByTestId("backup-restore").click();
    const confirm = tid("backup-restore-confirm");
    assert((await confirm.innerText()).includes(made), `the confirmation names the backup's date: ${await confirm.innerText()}`);
    await tid("backup-restore-ask").waitFor();
    await card.screenshot({ path: join(shots, "45-backups-restore-asked.png") });
    await confirm.click();
    await tid("success-banner").filter({ hasText: "will be restored when FlexDesk starts next" }).waitFor();
    await tid("backup-restore-pending").waitFor();
    await tid("backup-restore-cancel").click();
    await tid("success-banner").filter({ hasText: "No backup will be restored" }).waitFor();
    await tid("backup-restore-pending").waitFor({ state: "detached" });
  });

  await step("backups (Administrator): a passphrase encrypts the next backup, a short one is refused at its field, and encryption can be stopped", async () => {
    const card = tid("backups-card");
    await tid("backup-passphrase").fill("short");
    await tid("backup-save").click();
    await card.locator(".field-error").filter({ hasText: "10 characters" }).waitFor();
    await tid("backup-passphrase").fill("a long shop passphrase");
    await tid("backup-save").click();
    await tid("success-banner").filter({ hasText: "encrypted with the passphrase" }).waitFor();
    const before = await tid("backup-row").filter({ hasText: "encrypted" }).count();
    await tid("backup-now").click();
    await tid("success-banner").filter({ hasText: "Backed up:" }).waitFor();
    await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="backup-row"]')].filter((r) => r.textContent.includes("encrypted")).length === n + 1, before);
    // The desk reads its own encrypted backups: the new one says why it was made.
    assert((await tid("backup-row").filter({ hasText: "encrypted" }).first().innerText()).includes("by hand"), "the encrypted backup is listed with its reason");
    await tid("backup-stop-encrypting").click();
    await tid("backup-stop-encrypting").waitFor({ state: "detached" });
  });
}
