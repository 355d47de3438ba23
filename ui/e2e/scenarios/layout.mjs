// The desk from the keyboard and in smaller windows: the skip link, a dialog that keeps the focus
// and gives it back, and at 1024×700 and 1280×800 every screen's row actions in view, no sideways
// scrolling of the page, and the last scan's answer on the scanning screens in view.
import { join } from "node:path";
import { VIEWPORT, assert, noErrorBanner, page, shots, step, tid, wedge } from "../harness.mjs";

/** The main screens, with what shows once each has loaded. */
const SCREENS = [
  { area: "dashboard", ready: "dash-recovery" },
  { area: "orders", ready: "orders-table" },
  { area: "customers", ready: "customers-table" },
  { area: "subscriptions", ready: "subscriptions-table" },
  { area: "payments", ready: "payments-table" },
  { area: "payments?tab=all", ready: "payments-table" },
  { area: "invoices", ready: "invoices-table" },
  { area: "billing" },
  { area: "scan" },
  { area: "returns" },
  { area: "intake", ready: "intake-sku" },
  { area: "assets", ready: "assets-table" },
  { area: "catalog", ready: "catalog-new-product" },
  { area: "catalog/categories", ready: "categories-table" },
  { area: "settings", ready: "people-table" },
];

/**
 * What is wrong with the screen shown at this window size: the page scrolling sideways, or a
 * button in the last column of a table's row (its actions) not wholly in view, across the window
 * or clipped by a box that scrolls sideways (the table's own wrapper).
 */
function layoutProblems() {
  const problems = [];
  const width = window.innerWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide > width) problems.push(`the page is ${wide} px wide in a ${width} px window`);
  if (window.scrollX !== 0) problems.push(`the page is scrolled ${window.scrollX} px sideways`);
  for (const table of document.querySelectorAll("main table")) {
    const name = table.dataset.testid ?? table.className;
    for (const row of table.querySelectorAll(":scope > tbody > tr")) {
      for (const button of row.lastElementChild?.querySelectorAll("button, a.btn") ?? []) {
        const r = button.getBoundingClientRect();
        if (r.width === 0) continue;
        let [left, right] = [0, width];
        for (let box = button.parentElement; box; box = box.parentElement) {
          if (getComputedStyle(box).overflowX === "visible") continue;
          const b = box.getBoundingClientRect();
          [left, right] = [Math.max(left, b.left), Math.min(right, b.right)];
        }
        if (r.left < left - 0.5 || r.right > right + 0.5) problems.push(`${name}: "${button.textContent.trim()}" spans ${Math.round(r.left)}–${Math.round(r.right)} px, in view ${Math.round(left)}–${Math.round(right)} px`);
      }
    }
  }
  return problems;
}

/** Open a screen at the current window size and wait until its lists are in. */
async function open(base, area, ready) {
  await page.goto(`${base}/#/${area}`);
  await tid("screen-title").first().waitFor();
  if (ready) await tid(ready).first().waitFor();
  await page.waitForFunction(() => !document.querySelector("main .loading"));
  await page.waitForTimeout(100);
}

/** Where an element is against the window: wholly inside it or not, with its box for the message. */
async function inView(locator) {
  const box = await locator.boundingBox();
  const { width, height } = page.viewportSize();
  const inside = !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;
  return { inside, box: box && `${Math.round(box.x)},${Math.round(box.y)} ${Math.round(box.width)}×${Math.round(box.height)} in ${width}×${height}` };
}

export async function layout(t) {
  const { base, scanOrder } = t;

  await step("keyboard: the first Tab stop is the skip link, which takes the focus to the screen itself", async () => {
    await open(base, "dashboard", "dash-recovery");
    // A fresh page: the focus starts at the top of the document.
    await page.reload();
    await tid("dash-recovery").waitFor();
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
    assert(first === "skip-link", `the first Tab stop is ${first}`);
    assert((await inView(tid("skip-link"))).inside, "the focused skip link is shown");
    assert((await tid("skip-link").innerText()).trim() === "Skip to content", "it says where it goes");
    await page.keyboard.press("Enter");
    const focused = await page.evaluate(() => ({ tag: document.activeElement?.tagName, id: document.activeElement?.id }));
    assert(focused.tag === "MAIN" && focused.id === "content", `Enter on the skip link focuses ${JSON.stringify(focused)}`);
    assert(/#\/dashboard$/.test(page.url()), `the address stays on the screen: ${page.url()}`);
    // The next Tab goes into the screen, past the top bar and the navigation.
    await page.keyboard.press("Tab");
    assert(await page.evaluate(() => !!document.activeElement?.closest("main")), "Tab after the skip link stays in the screen");
  });

  await step("keyboard: Tab and Shift+Tab go round inside an open dialog; Escape closes it and gives the focus back to its button", async () => {
    await open(base, "payments", "payments-table");
    const opener = tid("payments-mark-paid").first();
    await opener.focus();
    await page.keyboard.press("Enter");
    const dialog = tid("pay-dialog");
    await dialog.waitFor();
    const where = () => page.evaluate(() => {
      const a = document.activeElement;
      return { inDialog: !!a?.closest('[role="dialog"]'), name: a ? `${a.tagName.toLowerCase()} ${a.getAttribute("data-testid") ?? a.getAttribute("aria-label") ?? a.textContent?.trim().slice(0, 20)}` : "nothing" };
    });
    const seen = new Set();
    for (const key of ["Tab", "Shift+Tab"]) {
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press(key);
        const w = await where();
        assert(w.inDialog, `after ${i + 1} × ${key} the focus is on ${w.name}, outside the dialog`);
        seen.add(w.name);
      }
    }
    assert(seen.size >= 4 && seen.size < 20, `Tab went round the dialog's controls: ${[...seen].join(" | ")}`);
    assert([...seen].some((n) => n.includes("pay-confirm")) && [...seen].some((n) => n.includes("Close")), `Tab reaches the dialog's button and its ×: ${[...seen].join(" | ")}`);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert(await opener.evaluate((el) => el === document.activeElement), "the focus is back on the Paid… button that opened the dialog");
    await noErrorBanner();
  });

  await step("narrow window (1024×700): the side navigation is a rail of named links, and Alt+digit still switches areas", async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    await open(base, "dashboard", "dash-recovery");
    const links = page.locator('nav[aria-label="Main"] a');
    const sixth = links.nth(5);
    const area = (await sixth.getAttribute("data-testid")).replace(/^nav-/, "");
    const label = await sixth.getAttribute("aria-label");
    const box = await sixth.boundingBox();
    assert(box && box.width <= 90, `the navigation is a rail: its links are ${box?.width} px wide`);
    assert(label && (await sixth.getAttribute("title")) === `${label} (Alt+6)`, `the sixth link is named ${label} and tells its key: ${await sixth.getAttribute("title")}`);
    for (let i = 0; i < (await links.count()); i++) {
      assert((await links.nth(i).getAttribute("aria-label"))?.length > 2, `link ${i + 1} has a name`);
    }
    await page.keyboard.press("Alt+6");
    await page.waitForURL(new RegExp(`#/${area}$`));
    await page.keyboard.press("Alt+1");
    await page.waitForURL(new RegExp(`#/${(await links.first().getAttribute("data-testid")).replace(/^nav-/, "")}$`));
  });

  for (const [width, height] of [
    [1024, 700],
    [1280, 800],
  ]) {
    await step(`${width}×${height}: on every main screen and a product's page the row actions are in view and the page does not scroll sideways`, async () => {
      await page.setViewportSize({ width, height });
      for (const s of SCREENS) {
        await open(base, s.area, s.ready);
        const problems = await page.evaluate(layoutProblems);
        assert(problems.length === 0, `${s.area}: ${problems.slice(0, 4).join("; ")}`);
        if (width === 1024 && s.area === "payments") await page.screenshot({ path: join(shots, "narrow-payments.png") });
      }
      // A product's page: its variants and their monthly prices.
      await open(base, "catalog", "catalog-new-product");
      await page.locator("a.product-name").first().click();
      await tid("product-variants").waitFor();
      const problems = await page.evaluate(layoutProblems);
      assert(problems.length === 0, `product page: ${problems.slice(0, 4).join("; ")}`);
    });

    await step(`${width}×${height}: the last scan's answer is in view at the scan station, the returns desk and intake`, async () => {
      await open(base, `scan/${encodeURIComponent(scanOrder.orderNumber)}`, "scan-order");
      await wedge(`NOSUCH${width}`);
      await tid("scan-last").filter({ hasText: `NOSUCH${width}` }).waitFor();
      const scan = await inView(tid("scan-last"));
      assert(scan.inside, `the scan station's answer is at ${scan.box}`);
      if (width === 1024) await page.screenshot({ path: join(shots, "narrow-scan.png") });

      await open(base, "returns");
      await wedge(`NOSUCH${width}R`);
      await tid("returns-check-error").waitFor();
      const back = await inView(tid("returns-check-error"));
      assert(back.inside, `the returns desk's answer is at ${back.box}`);

      await open(base, "intake", "intake-sku");
      await wedge(`BAD ${width}?`);
      await tid("intake-last").filter({ hasText: `BAD ${width}?` }).waitFor();
      const intake = await inView(tid("intake-last"));
      assert(intake.inside, `intake's answer is at ${intake.box}`);
      await tid("intake-location").focus();
      assert((await inView(tid("intake-location"))).inside, "the focused Location field is in view");
      if (width === 1024) await page.screenshot({ path: join(shots, "narrow-intake-focused.png") });
    });
  }

  await step("the window is back at its first size", async () => {
    await page.setViewportSize(VIEWPORT);
    await open(base, "dashboard", "dash-recovery");
    const box = await tid("nav-dashboard").boundingBox();
    assert(box && box.width > 120, `the side navigation shows its labels again (${box?.width} px)`);
  });
}
