// Subscriptions at work: the scan station activates an order's units, the returns desk books one
// back in and inspection returns it to stock, a subscription's detail and buyout quote, payments
// marked paid one by one and in bulk, the dashboard and an asset's lifetime.
import { join } from "node:path";
import { assert, become, noErrorBanner, page, rpc, shot, shots, step, tid, uniq, wedge } from "../harness.mjs";

/** Adds to `t`: the administrator and the unit's context for RPCs, the run's tag, the scanned serials and their order. */
export async function rentals(t) {
  const { base, boot, target, customer, orderVariant } = t;
  const admin = boot.people.find((u) => u.name === "Administrator");
  const actx = { userId: admin.id, buId: target.id };
  const tag = uniq();
  const scanGood = [1, 2, 3].map((n) => `SCN${tag}G${n}`);
  const scanWrong = `SCN${tag}W`;
  const scanBlocked = `SCN${tag}U`;
  const scanUnknown = `SCN${tag}X`;
  let scanOrder;
  await step("scan station data: a confirmed 3-unit order, three matching assets, one of another SKU, one unavailable", async () => {
    const vs = await rpc(base, "catalog.listVariants", { status: "active", category: "Laptops", limit: "50" }, actx);
    const other = vs.items.find((v) => v.variantSku !== orderVariant.variantSku);
    assert(other, "a second laptop SKU");
    for (const sn of [...scanGood, scanBlocked]) await rpc(base, "assets.create", { serialNumber: sn, sku: orderVariant.variantSku, location: "Scan bench" }, actx);
    await rpc(base, "assets.create", { serialNumber: scanWrong, sku: other.variantSku }, actx);
    await rpc(base, "assets.update", { serialNumber: scanBlocked, status: "unavailable" }, actx);
    const length = orderVariant.pricing.some((t) => t.contractLength === 24) ? 24 : orderVariant.pricing[0].contractLength;
    const placed = await rpc(
      base,
      "orders.create",
      { customerId: customer.customerId, items: [{ sku: orderVariant.variantSku, quantity: 3, contractLength: length }], extensionDetails: {}, upgradeDetails: {}, customFields: null },
      actx,
    );
    scanOrder = placed.order ?? placed;
    await rpc(base, "orders.confirm", { id: scanOrder.orderId }, actx);
    assert(/^.+-\d+$/.test(scanOrder.orderNumber), `order number ${scanOrder.orderNumber}`);
  });

  const scanRow = (serial, outcome) => tid("scan-log").locator(`[data-testid="scan-row"][data-outcome="${outcome}"]`).filter({ hasText: serial }).first();

  await step("scan station (Sam Warehouse): open the order by its number; progress 0 / 3", async () => {
    await become("Sam Warehouse");
    await tid("bu-switcher").selectOption(target.id);
    await tid("nav-scan").click();
    await tid("screen-title").filter({ hasText: "Scan station" }).waitFor();
    await tid("scan-order-input").fill(scanOrder.orderNumber);
    await tid("scan-order-input").press("Enter");
    await tid("scan-order-progress").filter({ hasText: /^0 \/ 3$/ }).waitFor();
  });

  await step("scan station: a wrong SKU, an unavailable and an unknown serial are refused; nothing is lost", async () => {
    await wedge(scanWrong);
    await scanRow(scanWrong, "sku_mismatch").waitFor();
    await wedge(scanBlocked);
    await scanRow(scanBlocked, "not_available").waitFor();
    await wedge(scanUnknown);
    await scanRow(scanUnknown, "not_found").waitFor();
    assert((await tid("scan-order-progress").innerText()).trim() === "0 / 3", "progress stays 0 / 3");
    const text = await scanRow(scanWrong, "sku_mismatch").innerText();
    assert(!/SKU_MISMATCH/.test(text) && text.includes(orderVariant.variantSku), `wrong-SKU line reads "${text}"`);
  });

  await step("scan station: three scans activate the order's units; progress 3 / 3", async () => {
    await wedge(scanGood[0]);
    await scanRow(scanGood[0], "activated").waitFor();
    await tid("scan-order-progress").filter({ hasText: /^1 \/ 3$/ }).waitFor();
    // The next two come fast, like a scanner: both are answered, in order.
    await wedge(scanGood[1]);
    await wedge(scanGood[2]);
    await scanRow(scanGood[1], "activated").waitFor();
    await scanRow(scanGood[2], "activated").waitFor();
    await tid("scan-order-progress").filter({ hasText: /^3 \/ 3$/ }).waitFor();
    const rows = await tid("scan-row").count();
    assert(rows === 6, `expected 6 log lines, got ${rows}`);
    assert((await tid("scan-row").first().getAttribute("data-outcome")) === "activated", "newest line first");
    await noErrorBanner();
    await shot("19-scan-station");
    const order = await rpc(base, "orders.get", { id: scanOrder.orderId }, actx);
    assert(order.status === "fulfilled", `order is ${order.status}`);
  });

  await step("scan station: a fourth unit for a full order is refused as full", async () => {
    await wedge(scanBlocked);
    await scanRow(scanBlocked, "full").waitFor();
  });

  await step("returns desk: a scanned serial shows its early return quote; booked in with its condition", async () => {
    await tid("nav-returns").click();
    await tid("screen-title").filter({ hasText: "Returns" }).waitFor();
    await wedge(scanGood[0]);
    await tid("returns-case").and(page.locator('[data-case="early_return"]')).waitFor();
    await tid("returns-fee").waitFor();
    const grace = await tid("returns-grace").innerText();
    assert(/grace period/.test(grace), `grace note reads "${grace}"`);
    await page.getByText(customer.lastName).first().waitFor();
    await shot("20-returns-check");
    await tid("returns-condition").selectOption("good");
    await tid("returns-reason").fill("Project ended");
    await tid("returns-receive").click();
    await tid("returns-result").waitFor();
    await noErrorBanner();
    await tid("inspect-row").filter({ hasText: scanGood[0] }).waitFor();
  });

  await step("returns desk: inspection puts the device back to stock", async () => {
    const row = tid("inspect-row").filter({ hasText: scanGood[0] });
    await row.getByTestId("inspect-open").click();
    await tid("inspect-outcome").selectOption("available");
    await tid("inspect-condition").selectOption("good");
    await tid("inspect-notes").fill("Wiped and charged");
    await shot("21-returns-inspect");
    await tid("inspect-save").click();
    await tid("success-banner").filter({ hasText: scanGood[0] }).waitFor();
    await tid("inspect-row").filter({ hasText: scanGood[0] }).waitFor({ state: "detached" });
    const a = await rpc(base, "assets.get", { serialNumber: scanGood[0] }, actx);
    assert(a.status === "available", `asset is ${a.status}`);
  });

  await step("subscription detail: terms, schedule, cost recovery, timeline and a printable buyout quote", async () => {
    const subs = await rpc(base, "subscriptions.list", { serialNumber: scanGood[1] }, actx);
    const rid = subs.items[0].rentalId;
    await page.goto(`${base}/#/subscriptions/${rid}`);
    await tid("screen-title").filter({ hasText: scanGood[1] }).waitFor();
    await tid("subscription-schedule").waitFor();
    await page.getByText("Activated").first().waitFor();
    // Cost figures are for administrators and accountants: not on a warehouse or counter screen.
    assert((await tid("recovery-bar").count()) === 0, "a warehouse person sees no cost recovery");
    assert((await page.getByText("Acquisition cost").count()) === 0, "a warehouse person sees no acquisition cost");
    await shot("22-subscription-detail");
    await tid("sub-quote-buyout").click();
    await tid("sub-quote-total").waitFor();
    assert((await tid("sub-action-confirm").count()) === 0, "a warehouse person gets the quote, not the buyout");
    // The quote says what will be invoiced (tax included) and what stays due besides.
    const digits = (t) => t.replace(/[^0-9]/g, "");
    const q = await rpc(base, "subscriptions.quoteBuyout", { rentalId: rid }, actx);
    assert(digits(await tid("sub-quote-total").innerText()) === digits(q.charge.gross), `shown ${await tid("sub-quote-total").innerText()}, invoiced ${q.charge.gross}`);
    assert(q.charge.reverseCharge || digits(q.charge.gross) !== digits(q.charge.net), "the invoiced amount carries VAT");
    await tid("sub-quote").getByText("To be invoiced").waitFor();
    // The tax named as the unit names it (Austin: sales tax).
    const taxWord = new RegExp(target.taxName === "VAT" ? "VAT" : target.taxName.toLowerCase());
    await tid("sub-quote").getByText(taxWord).first().waitFor();
    await tid("sub-quote-due").waitFor();
    assert((await tid("sub-quote-figures").count()) === 0, "no margin or depreciated value on the quote a customer may see");
    // Looking a month ahead: the quote follows the date.
    const ahead = new Date(`${q.effectiveDate}T12:00:00Z`);
    ahead.setUTCMonth(ahead.getUTCMonth() + 1);
    const aheadIso = ahead.toISOString().slice(0, 10);
    const qa = await rpc(base, "subscriptions.quoteBuyout", { rentalId: rid, effectiveDate: aheadIso }, actx);
    await tid("sub-quote-date").fill(aheadIso);
    await page.waitForFunction(
      (want) => (document.querySelector('[data-testid="sub-quote-total"]')?.textContent ?? "").replace(/[^0-9]/g, "") === want,
      digits(qa.charge.gross),
    );
    assert(qa.stillDue.payments >= q.stillDue.payments, `a month ahead leaves ${qa.stillDue.payments} due, today ${q.stillDue.payments}`);
    await shot("23a-buyout-quote-dialog");
    assert((await tid("print-quote").count()) === 1, "the printable quote is there");
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: join(shots, "23-buyout-quote-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
    await page.keyboard.press("Escape");
    await tid("sub-dialog").waitFor({ state: "detached" });
  });

  await step("payments (Alex Accounts): one overdue payment marked paid; the totals follow", async () => {
    await become("Alex Accounts");
    await tid("bu-switcher").selectOption(target.id);
    await tid("screen-title").filter({ hasText: "Dashboard" }).waitFor();
    await tid("dash-overdue").click();
    await tid("screen-title").filter({ hasText: "Payments" }).waitFor();
    await tid("payments-row").first().waitFor();
    const before = (await tid("payments-total").innerText()).trim();
    const rowsBefore = await tid("payments-row").count();
    assert(rowsBefore >= 3, `expected at least 3 overdue payments, got ${rowsBefore}`);
    await tid("payments-row").first().getByTestId("payments-mark-paid").click();
    await tid("pay-reference").fill("E2E-BANK-1");
    await tid("pay-method").selectOption("bank_transfer");
    await tid("pay-confirm").click();
    await tid("success-banner").filter({ hasText: "marked paid" }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="payments-row"]').length === n, rowsBefore - 1);
    await page.waitForFunction((t) => document.querySelector('[data-testid="payments-total"]')?.textContent?.trim() !== t, before);
    await noErrorBanner();
  });

  await step("payments: two more marked paid at once; the totals follow", async () => {
    const before = (await tid("payments-total").innerText()).trim();
    const rowsBefore = await tid("payments-row").count();
    await tid("payments-select").nth(0).check();
    await tid("payments-select").nth(1).check();
    await tid("payments-mark-paid-bulk").filter({ hasText: "Mark 2 paid" }).waitFor();
    await shot("24-payments-selected");
    await tid("payments-mark-paid-bulk").click();
    await tid("pay-reference").fill("E2E-BANK-2");
    await tid("pay-confirm").click();
    await tid("success-banner").filter({ hasText: "2 payments marked paid" }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="payments-row"]').length === n, rowsBefore - 2);
    await page.waitForFunction((t) => document.querySelector('[data-testid="payments-total"]')?.textContent?.trim() !== t, before);
    const after = (await tid("payments-total").innerText()).trim();
    assert(after.includes(`${rowsBefore - 2} payment`), `totals read "${after}"`);
    await tid("payments-tab-paid").click();
    await tid("payments-row").filter({ hasText: "E2E-BANK-2" }).first().waitFor();
    await shot("25-payments-paid");
  });

  await step("dashboard and asset lifetime", async () => {
    await tid("nav-dashboard").click();
    await tid("dash-recovery").waitFor();
    await shot("26-dashboard");
    // The accountant sees a subscription's cost recovery, which the warehouse did not.
    const figuresSub = await rpc(base, "subscriptions.list", { serialNumber: scanGood[1] }, actx);
    await page.goto(`${base}/#/subscriptions/${figuresSub.items[0].rentalId}`);
    await tid("recovery-bar").waitFor();
    await page.goto(`${base}/#/assets/${scanGood[0]}`);
    await tid("asset-history-row").first().waitFor();
    await tid("asset-recovery").waitFor();
    await shot("27-asset-lifetime");
  });

  Object.assign(t, { admin, actx, tag, scanGood, scanOrder });
}
