// The desk's first pass: the server and its demo data, the start screen, the top bar, the counter,
// intake, the lists and details of orders, customers, catalog and assets, settings, a refused
// action, what each role is offered, and the keyboard at the counter.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TODAY, adminBoot, assert, become, bin, chromePath, dist, launchBrowser, noErrorBanner, page, rpc, scannerBurst, shot, signInAs, startServer, step, tid, uniq } from "../harness.mjs";

/** Fills `t` with what later scenarios use: the server's URL, the demo data and the unit, customer and variants picked. */
export async function desk(t) {
  let base;
  let boot;
  let target; // the business unit the scenario switches to
  let customer;
  let orderVariant;
  let intakeVariant;

  await step("prerequisites: built UI, flexdesk binary and Chromium exist", async () => {
    assert(existsSync(join(dist, "index.html")), `no ${dist}/index.html; run npm run build first`);
    assert(existsSync(bin), `no flexdesk binary at ${bin}; run cargo build or set FLEXDESK_BIN`);
    assert(existsSync(chromePath), `no Chromium at ${chromePath}`);
  });

  await step("server starts with demo data and prints its URL", async () => {
    base = await startServer();
    boot = await adminBoot(base);
    assert(boot.businessUnits.length >= 2, `expected two demo business units, got ${boot.businessUnits.length}`);
    assert(boot.people.some((u) => u.name === "Administrator"), "no Administrator user");
  });

  await step("test data: a customer, an orderable variant and a laptop SKU in the second business unit", async () => {
    const admin = boot.people.find((u) => u.name === "Administrator");
    target = boot.businessUnits[1];
    const ctx = { userId: admin.id, buId: target.id };
    const cs = await rpc(base, "customers.list", { status: "active", limit: "20" }, ctx);
    customer = cs.items.find((c) => c.lastBillingAddress) ?? cs.items[0];
    assert(customer, "no active customer in the demo data");
    const vs = await rpc(base, "catalog.listVariants", { status: "active", category: "Laptops", limit: "50" }, ctx);
    orderVariant = vs.items.find((v) => v.pricing.some((t) => t.contractLength === 24)) ?? vs.items[0];
    intakeVariant = vs.items[vs.items.length - 1];
    assert(orderVariant && intakeVariant, "no active laptop variants in the demo data");
  });

  await launchBrowser();

  await step("start screen lists people with the demo's PINs; Administrator signs in with theirs", async () => {
    await page.goto(base + "/");
    await tid("user-picker").waitFor();
    await tid("demo-pins-note").waitFor();
    await shot("01-user-picker");
    await signInAs("Administrator");
    await tid("screen-title").waitFor();
    await noErrorBanner();
  });

  await step("the top bar says the desk's calendar is pinned, to the day the server was given", async () => {
    assert(boot.pinnedTo === TODAY, `app.bootstrap says pinnedTo ${boot.pinnedTo}, expected ${TODAY}`);
    assert(boot.now.slice(0, 10) === TODAY, `the desk's clock reads ${boot.now}, expected a time on ${TODAY}`);
    const shown = (await tid("pinned-day").innerText()).trim();
    // Written in the selected unit's locale (the demo's first unit is Dutch: "18 nov 2026").
    const first = boot.businessUnits[0];
    const loc = first.settings.locale || `${{ NL: "nl", US: "en" }[first.country]}-${first.country}`;
    const want = await page.evaluate(([d, l]) => `Pinned to ${new Date(`${d}T12:00:00`).toLocaleDateString(l, { year: "numeric", month: "short", day: "numeric" })}`, [TODAY, loc]);
    assert(shown === want, `the top bar reads "${shown}", expected "${want}"`);
    // The screens' "today" is the desk's: the month-end run starts at the pinned day.
    await tid("nav-invoices").click();
    await tid("monthend-date").waitFor();
    const upTo = await tid("monthend-date").inputValue();
    assert(upTo === TODAY, `the month-end run's date starts at ${upTo}, expected the desk's today ${TODAY}`);
    await tid("nav-dashboard").click();
  });

  await step("switching the business unit shows its currency", async () => {
    await tid("bu-switcher").selectOption(target.id);
    const label = await tid("bu-switcher").evaluate((el) => el.options[el.selectedIndex].text);
    assert(label === target.name, `switcher shows ${label}, expected ${target.name}`);
    await page.getByText(`${target.currency} · ${target.code}`).waitFor();
  });

  await step("counter: find a demo customer", async () => {
    await tid("nav-counter").click();
    await tid("screen-title").filter({ hasText: "Counter" }).waitFor();
    await tid("counter-customer-search").fill(customer.lastName);
    const result = tid("counter-customer-result").filter({ hasText: customer.email });
    await result.first().click();
    await tid("counter-customer").filter({ hasText: customer.email }).waitFor();
  });

  let orderNumber;
  await step("counter: add a variant with a contract length; totals are shown", async () => {
    await tid("counter-variant-search").fill(orderVariant.variantSku);
    await tid("counter-variant-result").filter({ hasText: orderVariant.variantSku }).first().click();
    const lengths = await tid("counter-contract-length").evaluate((el) => [...el.options].map((o) => o.value));
    const want = lengths.includes("24") ? "24" : lengths[0];
    await tid("counter-contract-length").selectOption(want);
    await tid("counter-add-item").click();
    await tid("counter-line").first().waitFor();
    const monthly = tid("counter-monthly-total");
    const contract = tid("counter-contract-total");
    // The quote arrives from the core; wait until an amount is shown.
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="counter-contract-total"]')?.textContent ?? ""));
    const m = await monthly.innerText();
    const c = await contract.innerText();
    const symbol = target.currency === "USD" ? "$" : target.currency === "EUR" ? "€" : target.currency;
    assert(m.includes(symbol) && /\d/.test(m), `monthly total reads "${m}"`);
    assert(c.includes(symbol) && /\d/.test(c), `contract total reads "${c}"`);
    // One rule, labelled: a consumer sees prices with VAT, a business net with "excl. VAT"; the
    // tax goes by the unit's name for it ("Sales tax" in the US unit).
    const way = customer.customerType === "business" ? "excl." : "incl.";
    const tax = target.taxName.toLowerCase();
    assert(c.toLowerCase().includes(`contract value, ${way} ${tax}`), `a ${customer.customerType} customer's contract line reads "${c}"`);
    assert(m.toLowerCase().includes(tax), `the monthly line says how ${target.taxName} is counted: "${m}"`);
    await noErrorBanner();
  });

  await step("counter: place and confirm the order", async () => {
    await tid("counter-place-order").click();
    await tid("counter-order-number").waitFor();
    orderNumber = (await tid("counter-order-number").innerText()).trim();
    assert(orderNumber.startsWith(`${target.code}-`), `order number ${orderNumber}`);
    await tid("counter-confirm-order").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="order-status"]')?.textContent?.trim().toLowerCase() === "confirmed");
    await noErrorBanner();
    await shot("02-counter-confirmed");
  });

  const serial = `E2E${uniq()}`;
  await step("intake: a scanned new serial is added", async () => {
    await tid("nav-intake").click();
    await tid("screen-title").filter({ hasText: "intake" }).waitFor();
    await tid("intake-sku").selectOption(intakeVariant.variantSku);
    // A keyboard-wedge scanner: characters and Enter, fast, with no field focused by us.
    await page.keyboard.type(serial);
    await page.keyboard.press("Enter");
    const row = tid("intake-row").filter({ hasText: serial });
    await row.and(page.locator('[data-outcome="added"]')).first().waitFor();
    assert((await tid("intake-count").innerText()).trim() === "1", "intake-count should read 1");
  });

  await step("intake: the same serial again is a duplicate; the count stays", async () => {
    await page.keyboard.type(serial.toLowerCase());
    await page.keyboard.press("Enter");
    await tid("intake-log").locator('[data-testid="intake-row"][data-outcome="duplicate"]').filter({ hasText: serial }).first().waitFor();
    assert((await tid("intake-count").innerText()).trim() === "1", "intake-count should still read 1");
    const rows = await tid("intake-row").count();
    assert(rows === 2, `expected 2 log lines, got ${rows}`);
    const first = await tid("intake-row").first().getAttribute("data-outcome");
    assert(first === "duplicate", "newest line first");
  });

  await step("intake: a serial with characters scanners never produce is invalid", async () => {
    await page.keyboard.type("BAD SERIAL?");
    await page.keyboard.press("Enter");
    await tid("intake-log").locator('[data-testid="intake-row"][data-outcome="invalid"]').first().waitFor();
    assert((await tid("intake-count").innerText()).trim() === "1", "intake-count should still read 1");
    await shot("03-intake");
  });

  await step("intake: a scan landing in the Location field is registered; the field keeps what was typed", async () => {
    const field = tid("intake-location");
    await field.fill("");
    await field.focus();
    // A person types the shelf, key by key.
    await page.keyboard.type("Shelf B", { delay: 120 });
    // Then the scanner's burst goes into that same focused field, ended by Enter.
    const inField = `E2E${uniq()}`;
    await scannerBurst(inField);
    const row = tid("intake-log").locator('[data-testid="intake-row"][data-outcome="added"]').filter({ hasText: inField }).first();
    await row.waitFor();
    const value = await field.inputValue();
    assert(value === "Shelf B", `Location reads "${value}"`);
    const text = await row.innerText();
    assert(text.includes("at Shelf B."), `the asset is registered at the typed location: "${text}"`);
    // The count follows the log on the next render.
    await page.waitForFunction(() => document.querySelector('[data-testid="intake-count"]')?.textContent?.trim() === "2", null, { timeout: 5000 }).catch(() => {});
    const count = (await tid("intake-count").innerText()).trim();
    assert(count === "2", `intake-count should read 2, reads ${count}`);
    assert(await page.evaluate(() => document.activeElement?.getAttribute("data-testid") === "intake-location"), "the focus stays in Location");
    await shot("03b-intake-scan-in-field");
    await field.fill("");
  });

  await step("orders: the new order is listed and its detail shows confirmed", async () => {
    await tid("nav-orders").click();
    await tid("screen-title").filter({ hasText: "Orders" }).waitFor();
    await page.getByText(orderNumber).first().waitFor();
    await shot("04-orders");
    await page.getByText(orderNumber).first().click();
    await tid("order-status").filter({ hasText: /confirmed/i }).waitFor();
    await tid("screen-title").filter({ hasText: orderNumber }).waitFor();
    await shot("05-order-detail");
  });

  await step("customers: list and detail", async () => {
    await tid("nav-customers").click();
    await tid("screen-title").filter({ hasText: "Customers" }).waitFor();
    await page.getByText(customer.email).first().waitFor();
    await shot("06-customers");
    await page.getByText(customer.email).first().click();
    await tid("screen-title").filter({ hasText: customer.lastName }).waitFor();
    await page.getByText(orderNumber).first().waitFor();
    await shot("07-customer-detail");
  });

  await step("catalog: products, editor, categories and import", async () => {
    await tid("nav-catalog").click();
    await tid("screen-title").filter({ hasText: "Catalog" }).waitFor();
    await page.getByText(orderVariant.variantSku).first().waitFor();
    await shot("08-catalog");
    await page.getByRole("link", { name: orderVariant.productName }).first().click();
    await tid("screen-title").filter({ hasText: orderVariant.productName }).waitFor();
    await shot("09-product-editor");
    await page.goto(base + "/#/catalog/categories");
    await tid("screen-title").waitFor();
    await shot("10-categories");
    await page.goto(base + "/#/catalog/import");
    await tid("screen-title").waitFor();
    await noErrorBanner();
  });

  await step("assets: list, filter by serial, detail with timeline", async () => {
    await tid("nav-assets").click();
    await tid("screen-title").filter({ hasText: "Assets" }).waitFor();
    await shot("11-assets");
    await tid("assets-q").fill(serial.slice(0, 8));
    await page.getByRole("link", { name: serial }).first().click();
    await tid("screen-title").filter({ hasText: serial }).waitFor();
    await page.getByText("taken in").first().waitFor();
    await shot("12-asset-detail");
  });

  await step("settings: business unit, people, keys and local server", async () => {
    await tid("nav-settings").click();
    await tid("screen-title").filter({ hasText: "Settings" }).waitFor();
    await page.getByText("Sam Warehouse").first().waitFor();
    await noErrorBanner();
    await shot("13-settings");
  });

  await step("a refused action shows its sentence in the error banner", async () => {
    await tid("nav-customers").click();
    await page.getByText(customer.email).first().click();
    await tid("screen-title").filter({ hasText: customer.lastName }).waitFor();
    await tid("customer-deactivate").click();
    await tid("customer-deactivate-confirm").click();
    await tid("error-banner").waitFor();
    const text = await tid("error-banner").innerText();
    assert(/open \(pending or confirmed\) orders/.test(text) && !/CUSTOMER_HAS/.test(text), `banner reads "${text}"`);
    await shot("14-error-banner");
  });

  await step("the warehouse role sees only its areas", async () => {
    await become("Sam Warehouse");
    await tid("nav-intake").waitFor();
    assert((await tid("nav-settings").count()) === 0, "warehouse should not see settings");
    assert((await tid("nav-counter").count()) === 0, "warehouse should not see the counter");
    await tid("screen-title").filter({ hasText: "intake" }).waitFor();
  });

  await step("accountant: the counter quotes but placing an order is not offered", async () => {
    await become("Alex Accounts");
    await tid("nav-counter").click();
    await tid("counter-variant-search").fill(orderVariant.variantSku);
    await tid("counter-variant-result").first().click();
    await tid("counter-add-item").click();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="counter-monthly-total"]')?.textContent ?? ""));
    assert(await tid("counter-place-order").isDisabled(), "place order should be disabled for an accountant");
    await page.getByText("Needs admin or counter.").first().waitFor();
  });

  await step("counter (EUR unit): new customer without an address, address entered at the counter", async () => {
    await become("Chris Counter");
    const nl = boot.businessUnits[0];
    await tid("bu-switcher").selectOption(nl.id);
    const counterUser = boot.people.find((u) => u.name === "Chris Counter");
    const vs = await rpc(base, "catalog.listVariants", { status: "active", category: "Phones", limit: "5" }, { userId: counterUser.id, buId: nl.id });
    const phone = vs.items[0];
    await tid("nav-counter").click();
    await tid("counter-new-customer").click();
    const email = `walk.in.${uniq().toLowerCase()}@example.org`;
    await tid("customer-email").fill(email);
    await tid("customer-first-name").fill("Walk");
    await tid("customer-last-name").fill("In");
    await tid("customer-save").click();
    await tid("counter-customer").filter({ hasText: email }).waitFor();
    await tid("counter-variant-search").fill(phone.variantSku);
    await tid("counter-variant-result").first().click();
    await tid("counter-add-item").click();
    await page.waitForFunction(() => /€/.test(document.querySelector('[data-testid="counter-monthly-total"]')?.textContent ?? ""));
    assert(await tid("counter-place-order").isDisabled(), "place order needs the billing address first");
    await tid("counter-billing-contact").fill("Walk In");
    await tid("counter-billing-street").fill("Damrak 1");
    await tid("counter-billing-postal").fill("1012 LG");
    await tid("counter-billing-city").fill("Amsterdam");
    await tid("counter-billing-country").fill("NL");
    await tid("counter-place-order").click();
    await tid("counter-order-number").waitFor();
    const n = (await tid("counter-order-number").innerText()).trim();
    assert(n.startsWith(`${nl.code}-`), `order number ${n}`);
    await tid("order-status").filter({ hasText: /pending/i }).waitFor();
    await shot("15-counter-new-customer");
  });

  await step("catalog: create a product with a variant and prices in the editor", async () => {
    await become("Administrator");
    await tid("nav-catalog").click();
    await tid("catalog-new-product").click();
    const sku = `E2E-${uniq()}`;
    await tid("product-sku").fill(sku);
    await tid("product-name").fill("Test Scooter");
    await tid("product-category").fill("Scooters");
    await tid("product-brand").fill("Acme");
    await tid("product-spec").fill("25 km/h, 300 Wh");
    await tid("variant-sku").first().fill(`${sku}-BLK`);
    await tid("variant-name").first().fill("Black");
    await tid("variant-price-12").first().fill("39.50");
    await tid("variant-price-24").first().fill("29");
    await tid("product-save").click();
    await tid("screen-title").filter({ hasText: "Test Scooter" }).waitFor();
    await tid("success-banner").filter({ hasText: "created" }).waitFor();
    await shot("16-product-created");
  });

  await step("settings: a new API key's secret is shown once", async () => {
    await tid("nav-settings").click();
    await tid("key-name").fill("webshop");
    await tid("key-create").click();
    const secret = (await tid("key-secret").innerText()).trim();
    assert(secret.length >= 20, `secret "${secret}"`);
    await tid("keys-table").getByText("webshop").waitFor();
    // A key for desks that sync with this one says so in the list.
    await tid("key-name").fill("back office desks");
    await tid("key-purpose-select").selectOption("sync");
    await tid("key-create").click();
    const row = tid("keys-table").locator("tr", { hasText: "back office desks" });
    await row.getByText("Desks syncing with this one").waitFor();
    await tid("keys-table").locator("tr", { hasText: "webshop" }).getByText("An integration").waitFor();
    await noErrorBanner();
  });

  await step("counter by keyboard alone: Enter picks, Enter adds, Ctrl+Enter places", async () => {
    await tid("bu-switcher").selectOption(target.id);
    await tid("nav-counter").click();
    await tid("counter-customer-search").waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "counter-customer-search");
    await page.keyboard.type(customer.email);
    await page.keyboard.press("Enter");
    await tid("counter-customer").filter({ hasText: customer.email }).waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "counter-variant-search");
    await page.keyboard.type(intakeVariant.variantSku);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "counter-contract-length");
    await page.keyboard.press("Enter");
    await tid("counter-line").first().waitFor();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="counter-monthly-total"]')?.textContent ?? ""));
    await page.keyboard.press("Control+Enter");
    await tid("counter-order-number").waitFor();
    await noErrorBanner();
  });

  await step("orders: a pending order is cancelled with a reason", async () => {
    const number = (await tid("counter-order-number").innerText()).trim();
    await page.getByRole("link", { name: "Open order" }).click();
    await tid("screen-title").filter({ hasText: number }).waitFor();
    await tid("order-cancel").click();
    await tid("order-cancel-reason").fill("Customer chose another model");
    await tid("order-cancel-confirm").click();
    await tid("order-status").filter({ hasText: /cancelled/i }).waitFor();
    await page.getByText("cancelled: Customer chose another model").first().waitFor();
    assert((await tid("order-confirm").count()) === 0, "a cancelled order offers no confirm");
    await shot("18-order-cancelled");
  });

  let good;
  await step("bulk intake: a CSV file is checked first, rows with problems are listed by line; by default nothing is written then", async () => {
    await tid("nav-intake").click();
    good = `CSV${uniq()}`;
    // Semicolons, as Excel writes them where the decimal separator is a comma.
    const csv = `Serial Number;SKU;Location\r\n${good};${intakeVariant.variantSku};Rack 9\r\n${serial};${intakeVariant.variantSku};Rack 9\r\nX1;NO-SUCH-SKU;Rack 9\r\n`;
    await tid("csv-file").setInputFiles({ name: "intake.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await tid("csv-report").filter({ hasText: "nothing written yet" }).waitFor();
    const report = tid("csv-report");
    await report.getByText("1 asset would be added").waitFor();
    assert((await report.locator("tbody tr").count()) === 2, "two rows with problems");
    await shot("17-intake-csv-preview");
    assert((await tid("csv-template").getAttribute("download")) === "intake-template.csv", "a template is offered");
    await tid("csv-import").click();
    await tid("csv-report").filter({ hasText: "Nothing was written" }).waitFor();
    // Without the all-or-nothing switch the good row comes in.
    await tid("csv-all-or-nothing").uncheck();
    await tid("csv-check").click();
    await tid("csv-report").filter({ hasText: "nothing written yet" }).waitFor();
    await tid("csv-import").click();
    await tid("csv-report").filter({ hasText: "1 asset added; 2 rows skipped." }).waitFor();
    const a = await rpc(base, "assets.get", { serialNumber: good }, { userId: boot.people.find((u) => u.name === "Administrator").id, buId: target.id });
    assert(a.location === "Rack 9", "imported asset has its location");
  });

  await step("assets: scanning a serial on an asset's page opens that asset", async () => {
    await tid("nav-assets").click();
    await page.goto(`${base}/#/assets/${serial}`);
    await tid("screen-title").filter({ hasText: serial }).waitFor();
    await page.locator("body").click({ position: { x: 5, y: 900 } });
    await page.keyboard.type(good);
    await page.keyboard.press("Enter");
    await tid("screen-title").filter({ hasText: good }).waitFor();
    await page.getByText("Rack 9").first().waitFor();
  });

  Object.assign(t, { base, boot, target, customer, orderVariant, intakeVariant });
}
