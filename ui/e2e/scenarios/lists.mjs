// Lists a person can work with: the orders list counts what its filters match, sorts by its
// column headings (largest monthly total first, then the other way), and filters by customer
// and by the days orders were placed; payments sort by amount; the counter's search finds
// products by category and says how many are in stock.
import { TODAY, assert, page, rpc, step, tid } from "../harness.mjs";

/** `page.waitForFunction` that says what it waited for when it times out. */
async function until(what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg);
  } catch (e) {
    throw new Error(`${what}: ${e.message.split("\n")[0]}`);
  }
}

/** Only the digits of a text ("€ 1.234,50" → "123450"). */
const digits = (text) => Number(String(text).replace(/[^0-9]/g, ""));

export async function lists(t) {
  const { base, nl, nctx } = t;

  let before; // the unit the scenario found selected, selected again at its end

  await step("orders: the list counts what matches and sorts by its headings", async () => {
    before = await tid("bu-switcher").inputValue();
    await tid("bu-switcher").selectOption(nl.id);
    await page.goto(`${base}/#/orders`);
    const count = tid("orders-count");
    await count.waitFor();
    const all = await rpc(base, "orders.list", { includeTotal: true, limit: "1" }, nctx);
    assert(Number(await count.getAttribute("data-total")) === all.total, `count ${await count.getAttribute("data-total")} against ${all.total}`);
    // Largest monthly total first, then smallest first.
    await tid("orders-sort-total").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="orders-sort-total"]')?.getAttribute("data-dir") === "desc");
    const firstRow = async () => digits(await tid("order-row").first().locator("td.num").first().innerText());
    await page.waitForTimeout(300);
    const top = await firstRow();
    const largest = await rpc(base, "orders.list", { sortBy: "total", limit: "1" }, nctx);
    assert(top === digits(largest.items[0].totals.total), `largest first: ${top} against ${largest.items[0].totals.total}`);
    await tid("orders-sort-total").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="orders-sort-total"]')?.getAttribute("data-dir") === "asc");
    await page.waitForTimeout(300);
    const smallest = await rpc(base, "orders.list", { sortBy: "total", sortDir: "asc", limit: "1" }, nctx);
    assert((await firstRow()) === digits(smallest.items[0].totals.total), "smallest first after the second click");
    assert((await tid("orders-sort-total").locator("..").getAttribute("aria-sort")) === "ascending", "the heading says how the list is sorted");
    // By status (then newest first within one): the first row is the core's first.
    await tid("orders-sort-status").click();
    const byStatus = await rpc(base, "orders.list", { sortBy: "status", sortDir: "asc", limit: "1" }, nctx);
    await until("orders by status", (n) => (document.querySelector('[data-testid="order-row"]')?.textContent ?? "").includes(n), byStatus.items[0].orderNumber);
  });

  await step("orders: filtered by a customer and by the days they were placed", async () => {
    const one = (await rpc(base, "orders.list", { limit: "1" }, nctx)).items[0];
    const theirs = await rpc(base, "orders.list", { customerId: one.customer.customerId, includeTotal: true }, nctx);
    await tid("orders-customer-filter").fill(one.customer.email);
    await tid("orders-customer-filter-result").first().click();
    await page.waitForFunction((n) => document.querySelector('[data-testid="orders-count"]')?.getAttribute("data-total") === String(n), theirs.total);
    // A day after the pinned today has none.
    const next = new Date(`${TODAY}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    await tid("orders-from").fill(next.toISOString().slice(0, 10));
    await page.waitForFunction(() => document.querySelector('[data-testid="orders-count"]') === null || document.querySelector('[data-testid="orders-count"]').getAttribute("data-total") === "0");
    await tid("orders-from").fill("");
    await tid("orders-customer-filter-chosen").locator("button").click();
  });

  await step("customers, subscriptions and assets: counted, and sorted by their headings", async () => {
    await page.goto(`${base}/#/customers`);
    const active = await rpc(base, "customers.list", { status: "active", includeTotal: true, limit: "1" }, nctx);
    await until("customers counted", (n) => document.querySelector('[data-testid="customers-count"]')?.getAttribute("data-total") === String(n), active.total);
    await tid("customers-sort-name").click();
    const az = await rpc(base, "customers.list", { status: "active", sortBy: "lastName", sortDir: "asc", limit: "1" }, nctx);
    await until("customers by last name", (name) => (document.querySelector('[data-testid="customers-table"] tbody tr')?.textContent ?? "").includes(name), az.items[0].lastName);

    await page.goto(`${base}/#/subscriptions`);
    const subsAll = await rpc(base, "subscriptions.list", { includeTotal: true, limit: "1" }, nctx);
    await until("subscriptions counted", (n) => document.querySelector('[data-testid="subscriptions-count"]')?.getAttribute("data-total") === String(n), subsAll.total);
    await tid("subscriptions-sort-end").click();
    const soonest = await rpc(base, "subscriptions.list", { sortBy: "endDate", sortDir: "asc", limit: "1" }, nctx);
    await until("subscriptions by contract end", (sn) => (document.querySelector('[data-testid="subscriptions-table"] tbody tr')?.textContent ?? "").includes(sn), soonest.items[0].assetSerialNumber);

    await page.goto(`${base}/#/assets`);
    await tid("assets-sort-serial").click();
    const first = await rpc(base, "assets.list", { sortBy: "serialNumber", sortDir: "asc", includeTotal: true, limit: "1" }, nctx);
    await until("assets by serial", (sn) => (document.querySelector('[data-testid="assets-table"] tbody tr')?.textContent ?? "").includes(sn), first.items[0].serialNumber);
    assert(Number(await tid("assets-count").getAttribute("data-total")) === first.total, "assets counted");
  });

  await step("catalog, billing groups and invoices: each list says how many it holds", async () => {
    await page.goto(`${base}/#/catalog`);
    const products = await rpc(base, "catalog.listProducts", { status: "active", includeTotal: true, limit: "1" }, nctx);
    await until("products counted", (n) => document.querySelector('[data-testid="products-count"]')?.getAttribute("data-total") === String(n), products.total);
    await page.goto(`${base}/#/billing`);
    const groups = await rpc(base, "billingGroups.list", { includeTotal: true, limit: "1" }, nctx);
    await until("billing groups counted", (n) => document.querySelector('[data-testid="billing-count"]')?.getAttribute("data-total") === String(n), groups.total);
    await page.goto(`${base}/#/invoices`);
    const month = TODAY.slice(0, 7);
    const t = await rpc(base, "invoices.totals", { month }, nctx);
    await until("invoices counted", (n) => document.querySelector('[data-testid="invoices-count"]')?.getAttribute("data-total") === String(n), t.invoices + t.creditNotes);
  });

  await step("payments: sorted by amount from the column heading", async () => {
    await page.goto(`${base}/#/payments?tab=all`);
    await tid("payments-sort-amount").click();
    await page.waitForFunction(() => location.hash.includes("sort=amount"));
    await page.waitForTimeout(300);
    const largest = await rpc(base, "payments.list", { sortBy: "amount", sortDir: "desc", limit: "1" }, nctx);
    const first = tid("payments-row").first();
    await first.waitFor();
    assert(digits(await first.locator("td.num").first().innerText()) === digits(largest.items[0].total), "the largest payment first");
  });

  await step("counter: a new customer with an email already on file names that customer and opens them", async () => {
    await page.goto(`${base}/#/counter`);
    const existing = (await rpc(base, "customers.list", { status: "active", limit: "1" }, nctx)).items[0];
    await tid("counter-new-customer").click();
    await tid("customer-email").fill(existing.email.toUpperCase());
    await tid("customer-first-name").fill("Someone");
    await tid("customer-last-name").fill("Else");
    await tid("customer-save").click();
    const owner = tid("customer-email-owner");
    await owner.waitFor();
    assert((await owner.innerText()).includes(existing.lastName), `the link names ${existing.lastName}: ${await owner.innerText()}`);
    await page.getByText(`already belongs to ${existing.firstName}`).first().waitFor();
    await owner.click();
    await tid("screen-title").filter({ hasText: existing.lastName }).waitFor();
  });

  await step("counter: the search finds products by category and says how many are in stock", async () => {
    await page.goto(`${base}/#/counter`);
    const cats = await rpc(base, "catalog.listCategories", {}, nctx);
    const cat = cats.find((c) => /laptop/i.test(c.name)) ?? cats[0];
    const found = await rpc(base, "catalog.listVariants", { q: cat.name.slice(0, 5), status: "active", limit: "8" }, nctx);
    assert(found.items.length > 0 && found.items.every((v) => typeof v.inStock === "number"), "the search states stock");
    await tid("counter-variant-search").fill(cat.name.slice(0, 5));
    const result = tid("counter-variant-result").first();
    await result.waitFor();
    const stock = await result.getByTestId("counter-variant-stock").innerText();
    const v = found.items[0];
    assert(v.inStock === 0 ? /none in stock/.test(stock) : stock.includes(String(v.inStock)), `stock shown: ${stock} for ${v.inStock}`);
    await tid("counter-variant-search").fill("");
    await tid("bu-switcher").selectOption(before);
  });
}
