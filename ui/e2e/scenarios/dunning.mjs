// Reminders for overdue money: the unit's steps are edited in its settings (a step not later than
// the one before is refused at its field); on Payments → Reminders the accountant sees the letters
// due today, holds one customer with a reason until a day, sends another's letter and downloads
// it as a PDF, and ends the hold. The counter is not offered the tab.
import { assert, become, cents, downloaded, noErrorBanner, page, rpc, shot, step, tid } from "../harness.mjs";

/** A day (YYYY-MM-DD) `days` after `iso`. */
function addDays(iso, days) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export async function dunning(t) {
  const { base, boot } = t;
  const nl = boot.businessUnits[0];
  const admin = boot.people.find((u) => u.role === "admin");
  const nctx = { userId: admin.id, buId: nl.id };
  const unit = async () => (await rpc(base, "bu.list", {}, nctx)).find((b) => b.id === nl.id);

  await step("settings (Administrator): the reminder steps are edited with the unit's settings; a step not later than the one before is refused at its field", async () => {
    const before = (await unit()).settings.dunning;
    assert(before.length === 3 && before[2].name === "Final notice", `the unit starts with the three default steps: ${JSON.stringify(before)}`);

    await become("Administrator");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/settings`);
    const steps = tid("bu-dunning-step");
    await tid("bu-dunning").waitFor();
    assert((await steps.count()) === 3, `three steps shown, not ${await steps.count()}`);
    for (const [i, l] of before.entries()) {
      const row = steps.nth(i);
      assert(Number(await row.getByTestId("bu-dunning-days").inputValue()) === l.days && (await row.getByTestId("bu-dunning-name").inputValue()) === l.name, `step ${i + 1} reads as the core has it: ${JSON.stringify(l)}`);
    }

    // A fourth step is added after the last (two weeks later) and removed again.
    await tid("bu-dunning-add").click();
    assert((await steps.count()) === 4, "a fourth step is added");
    assert(Number(await steps.nth(3).getByTestId("bu-dunning-days").inputValue()) === before[2].days + 14, "the new step comes two weeks after the last");
    await steps.nth(3).getByTestId("bu-dunning-remove").click();
    assert((await steps.count()) === 3, "the fourth step is removed");

    // The second step before the first: refused, said at the second step's days.
    await steps.nth(1).getByTestId("bu-dunning-days").fill("2");
    await tid("bu-save").click();
    // Said under the second step (the row after it), its days marked.
    const problem = steps.nth(1).locator("xpath=following-sibling::tr[1]").getByTestId("bu-dunning-error");
    await problem.filter({ hasText: "later than the step before" }).waitFor();
    assert((await tid("bu-dunning-error").count()) === 1, "only the second step has a problem");
    assert((await steps.nth(1).getByTestId("bu-dunning-days").getAttribute("aria-invalid")) === "true", "the second step's days are marked");
    assert((await unit()).settings.dunning[1].days === before[1].days, "nothing was saved");
    await tid("bu-dunning").scrollIntoViewIfNeeded();
    await shot("dunning-settings-refused");

    // Put right, and a fee on the last step.
    await steps.nth(1).getByTestId("bu-dunning-days").fill(String(before[1].days));
    await steps.nth(2).getByTestId("bu-dunning-fee").fill("15.00");
    await tid("bu-dunning").scrollIntoViewIfNeeded();
    await shot("dunning-settings");
    await tid("bu-save").click();
    await tid("success-banner").filter({ hasText: "saved" }).waitFor();
    const after = (await unit()).settings.dunning;
    assert(after.length === 3 && after[1].days === before[1].days && cents(String(after[2].fee)) === 1500 && cents(String(after[0].fee)) === 0, `the steps as saved: ${JSON.stringify(after)}`);
    await noErrorBanner();
  });

  await step("payments (Alex Accounts): the letters due are proposed; one is held, one is sent and its letter downloads", async () => {
    const start = await rpc(base, "dunning.proposals", {}, nctx);
    assert(
      start.proposals.length >= 2,
      `the demo's overdue payments make at least two letters due on ${start.today}, the core proposes ${start.proposals.length}${start.proposals.length === 0 ? " (none: no overdue payment reached a step)" : ""}`,
    );
    assert(start.held.length === 0, `nobody is held yet: ${JSON.stringify(start.held)}`);
    const [held, sent] = start.proposals;
    const until = addDays(start.today, 10);

    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/payments?tab=reminders`);
    await tid("payments-tab-reminders").and(page.locator('[aria-current="page"]')).waitFor();
    const rows = tid("dunning-row");
    await rows.first().waitFor();
    assert((await rows.count()) === start.proposals.length, `${await rows.count()} letters shown, the core proposes ${start.proposals.length}`);
    const steps = await tid("dunning-steps").innerText();
    assert(/Friendly reminder after 3 days, First notice after 14, Final notice after 28 \(fee .*15,00\)/.test(steps), `the steps read: ${steps}`);
    const rowOf = (p) => page.locator(`[data-testid="dunning-row"][data-customer-id="${p.customerId}"]`);
    for (const p of [held, sent]) {
      const text = await rowOf(p).textContent();
      assert(text.includes(p.customerName) && text.includes(p.levelName), `the row of ${p.customerName} reads: ${text}`);
      for (const i of p.items) assert(text.includes(i.invoiceNumber ?? i.description) && text.includes(`${i.daysOverdue} day`), `the row of ${p.customerName} names ${i.invoiceNumber ?? i.description}, ${i.daysOverdue} days overdue: ${text}`);
    }
    assert(await tid("dunning-send").isDisabled(), "nothing to send before a letter is ticked");
    assert((await tid("dunning-send").getAttribute("title")).includes("Tick the letters"), "the disabled button says why");

    // The first customer disputes the invoice: held until ten days on.
    await rowOf(held).getByTestId("dunning-hold").click();
    const dialog = tid("dunning-hold-dialog");
    await dialog.waitFor();
    assert(await tid("hold-confirm").isDisabled(), "no hold without a reason");
    await tid("hold-reason").fill("Disputes the invoice");
    await tid("hold-until").fill(until);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("dunning-hold-dialog");
    await tid("hold-confirm").click();
    await tid("success-banner").filter({ hasText: `Letters to ${held.customerName} held until` }).waitFor();
    await dialog.waitFor({ state: "detached" });
    await rowOf(held).waitFor({ state: "detached" });
    const heldRow = page.locator(`[data-testid="dunning-held-row"][data-customer-id="${held.customerId}"]`);
    await heldRow.filter({ hasText: "Disputes the invoice" }).waitFor();
    const afterHold = await rpc(base, "dunning.proposals", {}, nctx);
    const h = afterHold.held.find((x) => x.customerId === held.customerId);
    assert(h && h.reason === "Disputes the invoice" && h.until === until && h.createdBy === "Alex Accounts", `the hold: ${JSON.stringify(afterHold.held)}`);
    assert(!afterHold.proposals.some((p) => p.customerId === held.customerId), "a held customer's letter is not proposed");

    // Another's letter is ticked and sent.
    await rowOf(sent).getByTestId("dunning-select").check();
    await tid("dunning-send").filter({ hasText: "Send 1 selected" }).click();
    const confirm = tid("dunning-send-dialog");
    await confirm.locator("li", { hasText: sent.customerName }).waitFor();
    assert(afterHold.language === "Nederlands" && (await confirm.innerText()).includes("written in Nederlands"), `the Amsterdam unit writes its letters in Dutch, and the dialog says so: ${afterHold.language}`);
    await tid("dunning-send-confirm").click();
    await tid("success-banner").filter({ hasText: `1 letter sent, to ${sent.customerName}` }).waitFor();
    await confirm.waitFor({ state: "detached" });
    await rowOf(sent).waitFor({ state: "detached" });
    const reminders = await rpc(base, "dunning.sent", { customerId: sent.customerId }, nctx);
    assert(reminders.length === 1 && reminders[0].levelName === sent.levelName && reminders[0].sentBy === "Alex Accounts", `one reminder sent to ${sent.customerName}: ${JSON.stringify(reminders)}`);
    const afterSend = await rpc(base, "dunning.proposals", {}, nctx);
    assert(!afterSend.proposals.some((p) => p.customerId === sent.customerId), `${sent.customerName}'s letter is no longer proposed`);
    assert(afterSend.proposals.length === start.proposals.length - 2, `${afterSend.proposals.length} letters proposed, ${start.proposals.length - 2} expected`);

    // The letter sent, newest first, downloads as a PDF.
    const sentRow = tid("dunning-sent").locator(`[data-testid="dunning-sent-row"][data-reminder-id="${reminders[0].reminderId}"]`);
    await sentRow.waitFor();
    assert((await tid("dunning-sent-row").first().getAttribute("data-reminder-id")) === reminders[0].reminderId, "the newest letter is listed first");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("dunning-reminders");
    const pdf = await downloaded(sentRow.getByTestId("dunning-letter"));
    assert(pdf.name.endsWith(".pdf"), `downloaded ${pdf.name}`);
    assert(pdf.bytes.subarray(0, 4).toString("latin1") === "%PDF", `${pdf.name} starts with ${JSON.stringify(pdf.bytes.subarray(0, 8).toString("latin1"))}`);
    await tid("success-banner").filter({ hasText: "downloaded" }).waitFor();

    // The hold ends: the customer's letter is proposed again.
    await heldRow.getByTestId("dunning-end-hold").click();
    await tid("success-banner").filter({ hasText: `The hold on ${held.customerName} ended` }).waitFor();
    await heldRow.waitFor({ state: "detached" });
    await rowOf(held).waitFor();
    const afterEnd = await rpc(base, "dunning.proposals", {}, nctx);
    assert(!afterEnd.held.some((x) => x.customerId === held.customerId), `the hold is gone: ${JSON.stringify(afterEnd.held)}`);
    assert(afterEnd.proposals.some((p) => p.customerId === held.customerId), `${held.customerName}'s letter is proposed again`);

    // The customer's page lists the letter sent to them.
    await page.goto(`${base}/#/customers/${sent.customerId}`);
    await page.locator(`[data-testid="customer-reminder"][data-reminder-id="${reminders[0].reminderId}"]`).waitFor();
    await tid("customer-reminders").scrollIntoViewIfNeeded();
    await shot("dunning-customer");
    await noErrorBanner();
  });

  await step("payments (Chris Counter): the counter is not offered the Reminders tab", async () => {
    await become("Chris Counter");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/payments?tab=reminders`);
    await tid("payments-tab-due").and(page.locator('[aria-current="page"]')).waitFor();
    assert((await tid("payments-tab-reminders").count()) === 0, "no Reminders tab for the counter");
    assert((await tid("dunning-row").count()) === 0, "no letters shown to the counter");
    await noErrorBanner();
  });

  await step("settings (Administrator): a mail account is saved; this computer's server needs 'Allow this address'", async () => {
    await become("Administrator");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/settings`);
    const card = tid("mail-card");
    await tid("mail-host").waitFor();
    assert((await rpc(base, "mail.get", {}, nctx)).configured === false, "the unit has no mail account yet");
    await tid("mail-host").fill("127.0.0.1");
    await tid("mail-security").selectOption("none");
    assert((await tid("mail-port").getAttribute("placeholder")) === "25", `the port's placeholder follows the security: ${await tid("mail-port").getAttribute("placeholder")}`);
    await tid("mail-port").fill("2525");
    await tid("mail-from").fill("billing@example.com");
    assert((await tid("mail-allow-address").count()) === 0, "nothing to allow before the desk has refused the address");
    await tid("mail-save").click();

    // This computer is not reached unasked: said under the host, with the allowance offered.
    await tid("mail-allow-address-box").waitFor();
    const problem = await card.locator(".field-error").first().innerText();
    assert(problem.includes("this computer"), `the host's problem reads: ${problem}`);
    assert((await rpc(base, "mail.get", {}, nctx)).configured === false, "nothing was saved");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("mail-allow-address");

    await tid("mail-allow-address").check();
    await tid("mail-save").click();
    await tid("success-banner").filter({ hasText: "through 127.0.0.1" }).waitFor();
    const m = await rpc(base, "mail.get", {}, nctx);
    assert(m.configured === true && m.host === "127.0.0.1" && m.port === 2525 && m.security === "none" && m.fromAddress === "billing@example.com", `the mail account as saved: ${JSON.stringify(m)}`);
    assert((await card.locator(".field-error").count()) === 0, "no problem is left under a field");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("mail-settings");
    await noErrorBanner();

    // The accountant sees the mail section on Payments → Reminders (no SMTP server runs here: nothing is said about delivery).
    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/payments?tab=reminders`);
    await tid("payments-tab-reminders").and(page.locator('[aria-current="page"]')).waitFor();
    await tid("mail-log").waitFor();
    assert((await tid("mail-none").count()) === 0, "no 'No mail account' once one is set");
    assert(await tid("mail-send-now").isEnabled(), "the accountant may send the mail now");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot("dunning-mail");
    await noErrorBanner();
  });
}
