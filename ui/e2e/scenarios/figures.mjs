// Figures and prices: the dashboard's 12-month chart and its overdue money by age (each age opens
// the overdue payments due in its range), an order's prices by the one price rule (a business net,
// "excl. VAT"; a consumer with VAT), and the counter asking before "New order" throws a filled
// basket away, then printing the placed order's contract. Screenshots in a narrow window.
import { join } from "node:path";
import { TODAY, VIEWPORT, assert, noErrorBanner, openedDocument, page, rpc, shot, shots, step, tid } from "../harness.mjs";

/** Only the digits of a text ("€ 1.234,50" → "123450"), to compare amounts written in any locale. */
const digits = (text) => String(text).replace(/[^0-9]/g, "");

export async function figures(t) {
  const { base, target, customer, orderVariant, admin, actx, nl, nctx } = t;

  await step("dashboard (Administrator): a 12-month chart of recurring revenue and collections, its figures also as text", async () => {
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/dashboard`);
    // A fresh page: no notice of an earlier step above the figures.
    await page.reload();
    await tid("dash-months-chart").waitFor();
    const d = await rpc(base, "dashboard.get", {}, nctx);
    const bars = tid("dash-month-bar");
    assert((await bars.count()) === 12, `expected 12 month bars, got ${await bars.count()}`);
    const shown = await bars.evaluateAll((els) => els.map((el) => el.getAttribute("data-month")));
    assert(JSON.stringify(shown) === JSON.stringify(d.months.map((m) => m.month)), `months shown ${shown.join(", ")}`);
    assert(shown[11] === TODAY.slice(0, 7) && shown[0] < shown[11], `oldest first, ending this month: ${shown[0]} … ${shown[11]}`);
    // Each bar's tooltip gives its amount; the chart is an image with a summary for screen readers.
    const last = d.months[11];
    const titles = await bars.nth(11).locator("rect title").allTextContents();
    assert(titles.some((x) => /recurring revenue/.test(x) && digits(x).endsWith(digits(last.revenue))), `this month's revenue tooltip: ${titles.join(" | ")}`);
    assert(titles.some((x) => /collected/.test(x) && digits(x).endsWith(digits(last.collected))), `this month's collected tooltip: ${titles.join(" | ")}`);
    const svg = tid("dash-months-chart").locator("svg");
    assert((await svg.getAttribute("role")) === "img", "the chart is an image to assistive technology");
    assert(/Recurring revenue and money collected/.test((await svg.getAttribute("aria-label")) ?? ""), "with a summary as its name");
    assert((await tid("dash-months-chart").locator("table tbody tr").count()) === 12, "and a table of the twelve months");
    await noErrorBanner();
  });

  await step("dashboard: overdue money by age, each age a link to the overdue payments due in its range", async () => {
    const d = await rpc(base, "dashboard.get", {}, nctx);
    const buckets = tid("dash-aging-bucket");
    assert((await buckets.count()) === d.overdueByAge.length && d.overdueByAge.length > 0, `${await buckets.count()} ages shown, ${d.overdueByAge.length} given`);
    for (const [i, b] of d.overdueByAge.entries()) {
      const link = buckets.nth(i);
      assert((await link.getAttribute("data-label")) === b.label, `age ${i} is ${b.label}`);
      const q = new URLSearchParams((await link.getAttribute("href")).split("?")[1]);
      assert(q.get("tab") === "overdue" && q.get("dueTo") === b.dueTo && (q.get("dueFrom") ?? undefined) === b.dueFrom, `${b.label} links to ${q}`);
      assert(digits(await link.innerText()).includes(digits(b.total)), `${b.label} shows its total ${b.total}`);
    }
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.waitForTimeout(150);
    await shot("narrow-dashboard");
    await page.setViewportSize(VIEWPORT);

    // Open an age that has payments (the oldest such); the list is that age's overdue payments.
    const pick = [...d.overdueByAge].reverse().find((b) => b.count > 0);
    assert(pick, "the demo has overdue payments");
    await page.locator(`[data-testid="dash-aging-bucket"][data-label="${pick.label}"]`).click();
    await tid("screen-title").filter({ hasText: "Payments" }).waitFor();
    const chip = tid("payments-due-range");
    await chip.waitFor();
    assert((await chip.getAttribute("data-to")) === pick.dueTo && ((await chip.getAttribute("data-from")) || undefined) === pick.dueFrom, `the chip holds ${await chip.getAttribute("data-from")} – ${await chip.getAttribute("data-to")}`);
    assert(/^Due /.test((await chip.innerText()).trim()), `the chip reads "${await chip.innerText()}"`);
    assert((await tid("payments-tab-overdue").getAttribute("aria-current")) === "page", "on the Overdue tab");
    const want = pick.count === 1 ? "1 payment" : `${pick.count} payments`;
    await tid("payments-total").filter({ hasText: want }).waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="payments-row"]').length === n, Math.min(pick.count, 50));
    assert(digits(await tid("payments-total-amount").innerText()) === digits(pick.total), `the list totals ${await tid("payments-total-amount").innerText()}, the age ${pick.total}`);
    // Another tab keeps the range; the chip's × lets it go.
    await tid("payments-tab-all").click();
    await page.waitForURL(/tab=all/);
    await chip.waitFor();
    await tid("payments-tab-overdue").click();
    await page.waitForURL(/tab=overdue/);
    await tid("payments-due-range-clear").click();
    await chip.waitFor({ state: "detached" });
    assert(!/dueTo=/.test(page.url()), `the address lets the range go: ${page.url()}`);
    const all = d.overdueCount === 1 ? "1 payment" : `${d.overdueCount} payments`;
    await tid("payments-total").filter({ hasText: all }).waitFor();
    await noErrorBanner();
  });

  await step("order detail: prices by the one rule, a business net (\"excl. VAT\") and a consumer with VAT", async () => {
    const orders = await rpc(base, "orders.list", { limit: "100" }, nctx);
    const ofType = (type) => orders.items.find((o) => o.customer.customerType === type && o.status !== "cancelled" && o.prices.lines.length === o.items.length);
    const cases = [
      ["business", "excl.", "net"],
      ["individual", "incl.", "gross"],
    ];
    for (const [type, way, side] of cases) {
      const o = ofType(type);
      assert(o, `a ${type} customer's order in the demo`);
      await page.goto(`${base}/#/orders/${o.orderId}`);
      await tid("screen-title").filter({ hasText: o.orderNumber }).waitFor();
      const tax = nl.taxName;
      const contract = await tid("order-contract-total").innerText();
      assert(contract.includes(`Contract value, ${way} ${tax}`), `a ${type} order's contract line reads "${contract}"`);
      assert(digits(contract).endsWith(digits(o.prices.contract[side])), `its amount is the ${side} ${o.prices.contract[side]}: "${contract}"`);
      const monthly = await tid("order-monthly-total").innerText();
      assert(digits(monthly).endsWith(digits(o.prices.monthly.gross)), `per month with ${tax}: "${monthly}"`);
      const head = await tid("order-lines").locator("thead").textContent();
      assert(head.includes(`${way} ${tax}`), `the lines' columns say "${way} ${tax}": "${head}"`);
      const line = await tid("order-line").first().innerText();
      assert(digits(line).includes(digits(o.prices.lines[0].month[side])) && digits(line).includes(digits(o.prices.lines[0].contract[side])), `the first line shows its ${side} prices: "${line}"`);
      const totals = await tid("order-totals").innerText();
      if (type === "business") assert(totals.includes(`${tax} ${o.totals.taxRate} %`) && digits(totals).includes(digits(o.prices.monthly.tax)), `a business sees the ${tax} beside: "${totals}"`);
      else assert(totals.includes(`of which ${tax}`), `a consumer sees the ${tax} within: "${totals}"`);
    }
    await noErrorBanner();
  });

  await step("counter: \"New order\" over a filled basket asks; Keep editing keeps it, Discard starts anew, an empty basket does not ask", async () => {
    await tid("bu-switcher").selectOption(target.id);
    await tid("nav-counter").click();
    await tid("screen-title").filter({ hasText: "Counter" }).waitFor();
    const pickCustomer = async () => {
      await tid("counter-customer-search").fill(customer.lastName);
      await tid("counter-customer-result").filter({ hasText: customer.email }).first().click();
      await tid("counter-customer").filter({ hasText: customer.email }).waitFor();
    };
    const addDevices = async (n) => {
      await tid("counter-variant-search").fill(orderVariant.variantSku);
      await tid("counter-variant-result").filter({ hasText: orderVariant.variantSku }).first().click();
      await tid("counter-quantity").fill(String(n));
      await tid("counter-add-item").click();
      await tid("counter-line").first().waitFor();
      await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="counter-contract-total"]')?.textContent ?? ""));
    };
    await pickCustomer();
    await addDevices(2);
    const hint = await tid("counter-notes").locator("xpath=..").innerText();
    assert(/printed on the contract/.test(hint), `the Notes hint reads "${hint}"`);
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.waitForTimeout(150);
    await shot("narrow-order-box");
    await page.setViewportSize(VIEWPORT);

    await tid("counter-reset").click();
    const dialog = tid("counter-discard-dialog");
    await dialog.waitFor();
    const text = `${await dialog.locator("h2").innerText()} ${await tid("counter-discard-text").innerText()}`;
    assert(text.startsWith(`Discard this order? 2 devices for ${customer.firstName} ${customer.lastName}`) && /will be lost\.$/.test(text), `the question reads "${text}"`);
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
    assert(focused === "counter-discard-keep", `Keep editing has the focus, not ${focused}`);
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    assert((await tid("counter-line").count()) === 1, "the basket is kept");
    await tid("counter-customer").filter({ hasText: customer.email }).waitFor();

    await tid("counter-reset").click();
    await tid("counter-discard-confirm").click();
    await dialog.waitFor({ state: "detached" });
    assert((await tid("counter-line").count()) === 0 && (await tid("counter-customer").count()) === 0, "Discard empties the basket and the customer");
    await tid("counter-reset").click();
    await page.waitForTimeout(200);
    assert((await dialog.count()) === 0, "an empty basket starts anew without asking");
    await noErrorBanner();
  });

  await step("counter: a placed order's contract is one click away", async () => {
    await tid("counter-customer-search").fill(customer.lastName);
    await tid("counter-customer-result").filter({ hasText: customer.email }).first().click();
    await tid("counter-variant-search").fill(orderVariant.variantSku);
    await tid("counter-variant-result").filter({ hasText: orderVariant.variantSku }).first().click();
    await tid("counter-add-item").click();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="counter-contract-total"]')?.textContent ?? ""));
    await tid("counter-notes").fill("Deliver to the back door.");
    await tid("counter-place-order").click();
    await tid("counter-order-number").waitFor();
    const number = (await tid("counter-order-number").innerText()).trim();
    const doc = await openedDocument(tid("counter-contract"));
    assert(doc.head === "%PDF-", `the contract opens as a PDF (starts ${JSON.stringify(doc.head)})`);
    const placed = await rpc(base, "orders.get", { id: number }, actx);
    const files = await rpc(base, "files.list", { orderId: placed.orderId, limit: "10" }, actx);
    assert(files.files.some((f) => f.type === "contract"), "and is kept with the order's files");
    // The order is placed: starting the next one asks nothing.
    await tid("counter-reset").click();
    await tid("counter-order-number").waitFor({ state: "detached" });
    assert((await tid("counter-discard-dialog").count()) === 0, "no question after the order is placed");
    await noErrorBanner();
  });

  await step("a subscription's buyout quote dialog in a narrow window", async () => {
    const subs = await rpc(base, "subscriptions.list", { status: "active", limit: "1" }, { userId: admin.id, buId: target.id });
    assert(subs.items.length === 1, "an active subscription");
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.goto(`${base}/#/subscriptions/${subs.items[0].rentalId}`);
    await tid("subscription-schedule").waitFor();
    // An administrator's Buyout… dialog: the quote, then the buyout itself (nothing is booked here).
    await tid("sub-buyout").click();
    await tid("sub-quote-total").waitFor();
    await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid="sub-quote-total"]')?.textContent ?? ""));
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(shots, "narrow-quote-dialog.png") });
    await page.keyboard.press("Escape");
    await tid("sub-dialog").waitFor({ state: "detached" });
    await page.setViewportSize(VIEWPORT);
    assert(JSON.stringify(page.viewportSize()) === JSON.stringify(VIEWPORT), "the window is back at its first size");
  });
}
