// Errors where the eye is: a refused save in a dialog is said in the dialog (at its field, or
// above its buttons) and not in the page banner behind it; the banner of a refused page action
// goes away as soon as the next action starts; a field's error goes once the field is edited;
// and intake's SKU search filters as it is typed and picks with the keyboard, while a scanner's
// burst that lands in it is still taken in as a serial.
import { join } from "node:path";
import { VIEWPORT, assert, become, noErrorBanner, page, rpc, scannerBurst, shot, shots, step, tid, uniq } from "../harness.mjs";

/** Leaves the desk with Alex Accounts, as the scenario before left it. */
export async function forms(t) {
  const { base, target, customer, intakeVariant, actx, scanGood } = t;
  const fieldError = (label) => page.locator("label.field").filter({ has: page.locator(".field-label", { hasText: new RegExp(`^${label}$`) }) }).locator(".field-error");

  await step("a refused save in a dialog is said in the dialog, once, not in the page banner behind it", async () => {
    await become("Administrator");
    await tid("bu-switcher").selectOption(target.id);
    const subs = await rpc(base, "subscriptions.list", { serialNumber: scanGood[1] }, actx);
    const rental = subs.items[0];
    assert(rental?.status === "active", `the subscription of ${scanGood[1]} is ${rental?.status}`);
    await page.goto(`${base}/#/subscriptions/${rental.rentalId}`);
    await tid("screen-title").filter({ hasText: scanGood[1] }).waitFor();
    await tid("sub-extend").click();
    const dialog = tid("sub-dialog");
    // Too long a contract is not about one field: said above the dialog's buttons.
    await tid("sub-extend-months").fill("120");
    await tid("sub-action-confirm").click();
    await dialog.getByTestId("form-error").filter({ hasText: "at most 120 months" }).waitFor();
    await noErrorBanner();
    // A negative amount is said at its field, and only there.
    await tid("sub-extend-months").fill("1");
    const monthly = dialog.locator("label.field").filter({ hasText: "New monthly amount" });
    await monthly.locator("input").fill("-5");
    await tid("sub-action-confirm").click();
    await monthly.locator(".field-error").filter({ hasText: "cannot be negative" }).waitFor();
    assert((await dialog.getByText("cannot be negative").count()) === 1, "the error is said once");
    assert((await dialog.getByTestId("form-error").count()) === 0, "nothing above the buttons: the field says it");
    await noErrorBanner();
    await shot("forms-dialog-field-error");
    // Changing the amount: the error about the old one goes.
    await monthly.locator("input").fill("-");
    await monthly.locator(".field-error").waitFor({ state: "detached" });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    const after = await rpc(base, "subscriptions.get", { id: rental.rentalId }, actx);
    assert(after.rental.endDate === rental.endDate, `the subscription still ends ${rental.endDate}, not ${after.rental.endDate}`);
  });

  await step("a field's error goes when that field is edited; the banner goes as soon as the next save starts", async () => {
    await page.goto(`${base}/#/customers/${customer.customerId}`);
    await tid("customer-first-name").waitFor();
    await tid("customer-first-name").fill("");
    await tid("customer-last-name").fill("");
    await tid("customer-save").click();
    await tid("error-banner").filter({ hasText: "2 fields need attention" }).waitFor();
    await fieldError("First name").filter({ hasText: "First name is required" }).waitFor();
    await fieldError("Last name").filter({ hasText: "Last name is required" }).waitFor();
    // Typing in First name: its error goes, Last name's stays.
    await tid("customer-first-name").fill(customer.firstName || "Pat");
    await fieldError("First name").waitFor({ state: "detached" });
    assert((await fieldError("Last name").count()) === 1, "Last name still says it is required");
    await shot("forms-field-error-edited");
    // The next save is held back at the network: while it runs, the old banner is gone.
    let release;
    const held = new Promise((r) => (release = r));
    await page.route("**/rpc/customers.update", async (route) => {
      await held;
      await route.continue();
    });
    try {
      await tid("customer-save").click();
      await tid("customer-save").filter({ hasText: "Saving…" }).waitFor();
      await noErrorBanner();
      release();
      await tid("error-banner").filter({ hasText: "Last name is required" }).waitFor();
    } finally {
      release();
      await page.unroute("**/rpc/customers.update");
    }
    assert((await fieldError("First name").count()) === 0, "First name has no error now");
    await fieldError("Last name").filter({ hasText: "Last name is required" }).waitFor();
    const still = await rpc(base, "customers.get", { id: customer.customerId }, actx);
    assert(still.lastName === customer.lastName, `the customer is still ${customer.lastName}, not ${still.lastName}`);
    // Dismissed, and the draft left unsaved.
    await tid("error-banner").getByRole("button", { name: "Dismiss" }).click();
    await noErrorBanner();
    await tid("nav-customers").click();
    await tid("customers-table").waitFor();
  });

  await step("intake (Sam Warehouse): the SKU search filters as it is typed, ↓ and Enter pick, Escape closes and then empties it", async () => {
    await become("Sam Warehouse");
    await tid("bu-switcher").selectOption(target.id);
    await tid("nav-intake").click();
    await tid("intake-sku").selectOption("");
    const search = tid("intake-sku-search");
    const options = tid("intake-sku-option");
    const list = tid("intake-sku-list");
    await search.focus();
    // ↓ opens every active SKU; typing narrows them down.
    await page.keyboard.press("ArrowDown");
    await list.and(page.locator("[data-fresh]")).waitFor();
    const all = await options.count();
    const sku = intakeVariant.variantSku;
    const part = sku.slice(0, Math.max(4, sku.lastIndexOf("-")));
    // Typed like a person (a burst as fast as a scanner's would be a scan).
    await page.keyboard.type(part.toLowerCase(), { delay: 70 });
    await page.waitForFunction(
      (p) => {
        const l = document.querySelector('[data-testid="intake-sku-list"][data-fresh]');
        const shown = l ? [...l.querySelectorAll('[data-testid="intake-sku-option"]')] : [];
        return shown.length > 0 && shown.every((o) => o.textContent.toLowerCase().includes(p.toLowerCase()));
      },
      part,
    );
    const texts = await options.allInnerTexts();
    assert(texts.length <= all, `${texts.length} matches of ${all}`);
    const at = texts.findIndex((x) => x.includes(sku));
    assert(at >= 0, `${sku} is among the matches for "${part}": ${texts.join(" | ")}`);
    assert((await options.nth(0).getAttribute("aria-selected")) === "true", "the first match is highlighted");
    for (let i = 0; i < at; i++) await page.keyboard.press("ArrowDown");
    assert((await options.nth(at).getAttribute("aria-selected")) === "true", `match ${at + 1} is highlighted`);
    await page.keyboard.press("Enter");
    await list.waitFor({ state: "detached" });
    assert((await tid("intake-sku").inputValue()) === sku, `the SKU is ${await tid("intake-sku").inputValue()}`);
    assert((await search.inputValue()) === "", "the search is emptied for the next one");
    assert((await tid("intake-row").filter({ hasText: part }).count()) === 0, "nothing typed in the search was taken for a scan");
    await shot("forms-intake-sku-picked");
    // Escape closes the list, then empties the search.
    await page.keyboard.type("zz-no-such", { delay: 70 });
    await list.filter({ hasText: "No active SKU matches" }).waitFor();
    await page.keyboard.press("Escape");
    await list.waitFor({ state: "detached" });
    assert((await search.inputValue()) === "zz-no-such", "the first Escape keeps what was typed");
    await page.keyboard.press("Escape");
    assert((await search.inputValue()) === "", "the second Escape empties the search");
    assert((await tid("intake-sku").inputValue()) === sku, "Escape keeps the SKU picked");
  });

  await step("intake: a scanner's burst landing in the SKU search is taken in as a serial; the search keeps what was typed", async () => {
    const search = tid("intake-sku-search");
    await search.focus();
    await page.keyboard.type("thin", { delay: 70 });
    const serial = `FRM${uniq()}`;
    await scannerBurst(serial);
    await tid("intake-row").filter({ hasText: serial }).and(page.locator('[data-outcome="added"]')).first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="intake-sku-search"]')?.value === "thin");
    assert((await tid("intake-sku").inputValue()) === intakeVariant.variantSku, "the scan did not change the SKU");
    const a = await rpc(base, "assets.get", { serialNumber: serial }, actx);
    assert(a.sku === intakeVariant.variantSku, `${serial} was taken in as ${a.sku}`);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Escape");
  });

  await step("1024×700: the SKU search's matches open in view", async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    try {
      const search = tid("intake-sku-search");
      await search.focus();
      await page.keyboard.type("t", { delay: 70 });
      await tid("intake-sku-list").and(page.locator("[data-fresh]")).waitFor();
      await page.keyboard.press("ArrowDown");
      const box = await tid("intake-sku-list").boundingBox();
      assert(box && box.x >= 0 && box.x + box.width <= 1024, `the list is at ${JSON.stringify(box)}`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(wide <= 1024, `the page is ${wide} px wide`);
      await page.screenshot({ path: join(shots, "narrow-intake-picker.png") });
      await page.keyboard.press("Escape");
      await page.keyboard.press("Escape");
    } finally {
      await page.setViewportSize(VIEWPORT);
    }
    await noErrorBanner();
    await become("Alex Accounts");
  });
}
