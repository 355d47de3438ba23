// End-to-end test of the real FlexDesk desktop window, driven through tauri-driver (WebDriver).
// Started by run.sh, which provides the driver, the app path (APP) and a fresh database
// (FLEXDESK_DB, inherited by the app). Scenario: pick the Administrator, see the demo business
// units, take in one serial with a simulated barcode scanner, then scan it again (duplicate); a
// warehouse session at the scan station activates a confirmed 3-unit order by scanning (and is
// refused a wrong SKU and an unavailable serial); an accountant marks overdue payments paid, one
// and then two at once, sees the demo billing group's monthly total, runs the month-end invoicing
// (which invoices the payments the scans created), and saves an invoice as a PDF into the desk's
// documents folder.
// Prints one line per step and, last, exactly one line `N passed, M failed`; exits 1 on failure.
import { remote } from 'webdriverio';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'shots');
mkdirSync(shots, { recursive: true });

const APP = process.env.APP;
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const DB = process.env.FLEXDESK_DB;
const TODAY = process.env.FLEXDESK_TODAY; // the app's pinned calendar (run.sh sets it)
const UI_TIMEOUT = 20_000; // one screen change, generous for a debug build on a busy machine
const START_TIMEOUT = 60_000; // first window of a cold debug build

const $t = (id) => `[data-testid="${id}"]`;
const results = [];
let browser;

function finish() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// A hard ceiling for the whole run, so a hung driver never blocks CI.
const ceiling = setTimeout(() => {
  console.log('FAIL - the test did not finish within 285 s');
  results.push({ name: 'finish in time', ok: false });
  finish();
}, 285_000);

/** Run the steps in order; after the first failure the remaining ones count as failed (not run). */
async function steps(list) {
  let broken = false;
  for (const [name, fn] of list) {
    if (broken) {
      console.log(`FAIL - ${name} (not run: an earlier step failed)`);
      results.push({ name, ok: false });
      continue;
    }
    const t = performance.now();
    try {
      const note = await fn();
      console.log(`ok   - ${name}${note ? ` (${note})` : ''} [${Math.round(performance.now() - t)} ms]`);
      results.push({ name, ok: true });
    } catch (e) {
      broken = true;
      console.log(`FAIL - ${name}: ${e?.message ?? e}`);
      results.push({ name, ok: false });
      await explainFailure();
    }
  }
}

/** On failure: the page's error banner (if any) and a screenshot of the window. */
async function explainFailure() {
  if (!browser) return;
  try {
    const banner = await browser.$($t('error-banner'));
    if (await banner.isExisting()) console.log(`       error-banner: ${await banner.getText()}`);
    await browser.pause(700);
    await browser.saveScreenshot(join(shots, 'desktop-failure.png'));
    console.log(`       screenshot: e2e/shots/desktop-failure.png`);
  } catch {
    /* the window may be gone */
  }
}

/** Type like a barcode scanner: characters and Enter, into whatever has focus (the page, not an input). */
async function scan(serial) {
  await browser.execute(() => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  });
  const focused = await browser.execute(() => document.activeElement?.tagName ?? null);
  if (focused && !['BODY', 'HTML'].includes(focused)) throw new Error(`focus is on ${focused}, not the page`);
  // One action per character: sent as one sequence, a doubled character ("WW", "00") can arrive
  // once through WebKitWebDriver, while a real scanner sends every key.
  for (const ch of serial) await browser.keys(ch);
  await browser.keys('Enter');
}

/** The intake rows that mention `serial`, with their outcome. */
async function rowsFor(serial) {
  const rows = await browser.$$($t('intake-row'));
  const out = [];
  for (const row of rows) {
    const text = await row.getText();
    if (text.includes(serial)) out.push(await row.getAttribute('data-outcome'));
  }
  return out;
}

/** A desk command through the window's own bridge (for setting up test data), as `who` in the chosen unit. */
async function rpc(command, payload, ctx = {}) {
  const out = await browser.executeAsync((command, payload, ctx, done) => {
    window.__TAURI__.core
      .invoke('rpc', { command, ctx, payload })
      .then((res) => done({ ok: true, res }), (err) => done({ ok: false, err }));
  }, command, payload, ctx);
  if (!out.ok) throw new Error(`${command}: ${JSON.stringify(out.err)}`);
  return out.res;
}

/** On the start screen: pick the named person and type the PIN the demo shows beside them. */
async function signInAs(name) {
  await browser.$($t('user-picker')).waitForDisplayed();
  let pin = null;
  for (const row of await browser.$$(`${$t('user-picker')} li`)) {
    const option = await row.$($t('user-option'));
    if ((await option.getText()).trim() !== name) continue;
    pin = (await (await row.$(`${$t('demo-pin')} .mono`)).getText()).trim();
    await option.click();
    break;
  }
  if (!pin) throw new Error(`no demo PIN shown for ${name}`);
  await browser.$($t('pin-input')).setValue(pin);
  await browser.$($t('pin-submit')).click();
  await browser.$($t('bu-switcher')).waitForDisplayed();
  const who = await browser.$($t('current-user')).getText();
  if (who.trim() !== name) throw new Error(`current user is ${who}, expected ${name}`);
}

/** Switch to another person from the top bar: sign out, then in with their PIN. */
async function become(name) {
  await browser.$($t('switch-user')).click();
  await signInAs(name);
}

/** The scan-station lines that mention `serial`, with their outcome. */
async function scanOutcomes(serial) {
  const out = [];
  for (const row of await browser.$$($t('scan-row'))) {
    if ((await row.getText()).includes(serial)) out.push(await row.getAttribute('data-outcome'));
  }
  return out;
}

async function waitOutcome(serial, outcome) {
  await browser.waitUntil(async () => (await scanOutcomes(serial)).includes(outcome), {
    timeoutMsg: `no scan-row with data-outcome=${outcome} for ${serial}`,
  });
}

async function waitText(id, want) {
  const el = await browser.$($t(id));
  await browser.waitUntil(async () => (await el.getText()).trim() === want, {
    timeoutMsg: `${id} did not read "${want}"`,
  });
}

async function rowCount(id) {
  return (await browser.$$($t(id))).length;
}

// A random tag, not the date: the serials this run scans are its own.
const serial = `E2E${randomBytes(3).toString('hex').toUpperCase()}`;
const good = [1, 2, 3].map((n) => `${serial}G${n}`);
// Doubled characters on purpose: scanners send them, and they must all arrive.
const wrong = `${serial}WW00`;
const blocked = `${serial}U`;
let ctx;
let orderNumber;

await steps([
  ['start the app (WebDriver session)', async () => {
    if (!APP) throw new Error('APP is not set (run e2e/run.sh)');
    browser = await remote({
      hostname: '127.0.0.1',
      port: PORT,
      logLevel: 'error',
      connectionRetryTimeout: 90_000,
      connectionRetryCount: 0, // a retry would start a second app
      waitforTimeout: UI_TIMEOUT,
      capabilities: { 'tauri:options': { application: APP } }, // no browserName: WebKitWebDriver refuses it
    });
    return `session ${browser.sessionId.slice(0, 8)}`;
  }],
  ['the user picker offers the Administrator', async () => {
    await browser.$($t('user-picker')).waitForDisplayed({ timeout: START_TIMEOUT });
    const names = [];
    for (const o of await browser.$$($t('user-option'))) names.push(await o.getText());
    if (!names.some((n) => n.trim() === 'Administrator')) throw new Error(`user-option texts: ${JSON.stringify(names)}`);
    return names.join(', ');
  }],
  ['the Administrator signs in with the demo PIN shown beside their name', async () => {
    await signInAs('Administrator');
  }],
  ['the top bar says the calendar is pinned to FLEXDESK_TODAY', async () => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(TODAY ?? '')) throw new Error(`FLEXDESK_TODAY is ${TODAY} (run e2e/run.sh)`);
    const pinned = await browser.$($t('pinned-day'));
    await pinned.waitForDisplayed();
    const shown = (await pinned.getText()).trim();
    // Written in the selected unit's locale (the demo's first unit is Dutch: "18 nov 2026").
    const locale = (await pinned.getAttribute('data-locale')) || undefined;
    if (locale !== 'nl-NL') throw new Error(`the first demo unit writes dates as ${locale}, expected nl-NL`);
    const want = await browser.execute((d, l) => `Pinned to ${new Date(`${d}T12:00:00`).toLocaleDateString(l, { year: 'numeric', month: 'short', day: 'numeric' })}`, TODAY, locale);
    if (shown !== want) throw new Error(`the top bar reads "${shown}", expected "${want}"`);
    return shown;
  }],
  ['the business-unit switcher lists the demo business units', async () => {
    const sw = await browser.$($t('bu-switcher'));
    await browser.waitUntil(async () => (await sw.$$('option')).length >= 2, {
      timeoutMsg: 'fewer than 2 business units in bu-switcher',
    });
    const names = [];
    for (const o of await sw.$$('option')) names.push(await o.getText());
    if (names.some((n) => !n.trim())) throw new Error(`empty business unit name in ${JSON.stringify(names)}`);
    return names.join(', ');
  }],
  ['open Intake', async () => {
    await browser.$($t('nav-intake')).click();
    await browser.$($t('intake-sku')).waitForDisplayed();
    const title = await browser.$($t('screen-title'));
    return (await title.isExisting()) ? `screen "${await title.getText()}"` : '';
  }],
  ['choose a SKU', async () => {
    const sku = await browser.$($t('intake-sku'));
    const tag = (await sku.getTagName()).toLowerCase();
    if (tag === 'select') {
      let value;
      await browser.waitUntil(async () => {
        for (const o of await sku.$$('option')) {
          const v = await o.getAttribute('value');
          if (v) { value = v; return true; }
        }
        return false;
      }, { timeoutMsg: 'intake-sku has no SKU to choose' });
      await sku.selectByAttribute('value', value);
      return value;
    }
    // A searchable input: type the start of a SKU and take the first suggestion, if any.
    await sku.setValue('');
    await sku.click();
    await browser.keys(['ArrowDown', 'Enter']);
    return `input: ${await sku.getValue()}`;
  }],
  ['scan a new serial: added, count 1', async () => {
    await scan(serial);
    await browser.waitUntil(async () => (await rowsFor(serial)).includes('added'), {
      timeoutMsg: `no intake-row with data-outcome=added for ${serial}`,
    });
    const count = await browser.$($t('intake-count'));
    await browser.waitUntil(async () => (await count.getText()).trim() === '1', {
      timeoutMsg: 'intake-count did not become 1',
    });
    return serial;
  }],
  ['scan the same serial again: duplicate, count stays 1', async () => {
    await scan(serial);
    await browser.waitUntil(async () => (await rowsFor(serial)).includes('duplicate'), {
      timeoutMsg: `no intake-row with data-outcome=duplicate for ${serial}`,
    });
    const count = (await browser.$($t('intake-count')).getText()).trim();
    if (count !== '1') throw new Error(`intake-count is ${count}, expected 1`);
  }],
  ['screenshot', async () => {
    await browser.pause(700); // screenshots lag the DOM
    const file = join(shots, 'desktop-intake.png');
    await browser.saveScreenshot(file);
    return 'e2e/shots/desktop-intake.png';
  }],
  ['scan station data: a confirmed 3-unit order, matching assets, one of another SKU, one unavailable', async () => {
    const boot = await rpc('app.bootstrap', {});
    const admin = boot.people.find((u) => u.name === 'Administrator');
    const buId = await browser.$($t('bu-switcher')).getValue();
    ctx = { userId: admin.id, buId };
    // The demo business loads behind the window on a first start: wait for laptops, customers
    // and overdue payments.
    let laptops = [];
    let customer;
    await browser.waitUntil(async () => {
      laptops = (await rpc('catalog.listVariants', { status: 'active', category: 'Laptops', limit: '50' }, ctx)).items;
      customer = (await rpc('customers.list', { status: 'active', limit: '20' }, ctx)).items.find((c) => c.lastBillingAddress);
      const overdue = await rpc('payments.totals', { overdue: true }, ctx);
      return laptops.length >= 2 && customer && overdue.overdueCount >= 3;
    }, { timeout: 90_000, interval: 1000, timeoutMsg: 'the demo business did not finish loading' });
    const a = laptops.find((v) => v.pricing.length > 0);
    const b = laptops.find((v) => v.variantSku !== a.variantSku);
    for (const sn of [...good, blocked]) await rpc('assets.create', { serialNumber: sn, sku: a.variantSku }, ctx);
    await rpc('assets.create', { serialNumber: wrong, sku: b.variantSku }, ctx);
    await rpc('assets.update', { serialNumber: blocked, status: 'unavailable' }, ctx);
    const placed = await rpc('orders.create', {
      customerId: customer.customerId,
      items: [{ sku: a.variantSku, quantity: 3, contractLength: a.pricing[0].contractLength }],
      extensionDetails: {},
      upgradeDetails: {},
      customFields: null,
    }, ctx);
    await rpc('orders.confirm', { id: placed.order.orderId }, ctx);
    orderNumber = placed.order.orderNumber;
    return `${orderNumber}: 3 × ${a.variantSku}`;
  }],
  ['Sam Warehouse opens the order at the scan station: 0 / 3', async () => {
    await become('Sam Warehouse');
    await browser.$($t('nav-scan')).click();
    const input = await browser.$($t('scan-order-input'));
    await input.waitForDisplayed();
    await input.setValue(orderNumber);
    await browser.keys(['Enter']);
    await waitText('scan-order-progress', '0 / 3');
  }],
  ['scan a serial of another SKU: wrong SKU, progress stays 0 / 3', async () => {
    await scan(wrong);
    await waitOutcome(wrong, 'sku_mismatch');
    await waitText('scan-order-progress', '0 / 3');
  }],
  ['scan an unavailable serial: not available', async () => {
    await scan(blocked);
    await waitOutcome(blocked, 'not_available');
  }],
  ['scan three matching serials: activated, progress 3 / 3', async () => {
    for (const [i, sn] of good.entries()) {
      await scan(sn);
      await waitOutcome(sn, 'activated');
      await waitText('scan-order-progress', `${i + 1} / 3`);
    }
    const rows = await rowCount('scan-row');
    if (rows !== 5) throw new Error(`the log has ${rows} lines, expected 5`);
    await browser.pause(700);
    await browser.saveScreenshot(join(shots, 'desktop-scan.png'));
    const order = await rpc('orders.get', { id: orderNumber }, ctx);
    if (order.status !== 'fulfilled') throw new Error(`order is ${order.status}`);
    return 'e2e/shots/desktop-scan.png';
  }],
  ['Alex Accounts marks one overdue payment paid; the totals change', async () => {
    await become('Alex Accounts');
    await browser.$($t('nav-payments')).click();
    await browser.$($t('payments-tab-overdue')).click();
    await browser.$($t('payments-row')).waitForDisplayed();
    const total = await browser.$($t('payments-total'));
    await browser.waitUntil(async () => /payment/.test(await total.getText()), { timeoutMsg: 'no totals' });
    const before = await total.getText();
    const rows = await rowCount('payments-row');
    const first = await browser.$($t('payments-row'));
    await (await first.$($t('payments-mark-paid'))).click();
    await browser.$($t('pay-reference')).setValue('DESKTOP-1');
    await browser.$($t('pay-confirm')).click();
    await browser.waitUntil(async () => (await rowCount('payments-row')) === rows - 1 && (await total.getText()) !== before, {
      timeoutMsg: `the overdue list still has ${rows} rows or the totals did not change`,
    });
    return `${rows} → ${rows - 1} overdue`;
  }],
  ['and two more at once (bulk)', async () => {
    const total = await browser.$($t('payments-total'));
    const before = await total.getText();
    const rows = await rowCount('payments-row');
    const boxes = await browser.$$($t('payments-select'));
    await boxes[0].click();
    await boxes[1].click();
    const bulk = await browser.$($t('payments-mark-paid-bulk'));
    await browser.waitUntil(async () => (await bulk.getText()).includes('Mark 2 paid'), { timeoutMsg: 'bulk button does not offer 2' });
    await bulk.click();
    await browser.$($t('pay-reference')).setValue('DESKTOP-2');
    await browser.$($t('pay-confirm')).click();
    await browser.waitUntil(async () => (await rowCount('payments-row')) === rows - 2 && (await total.getText()) !== before, {
      timeoutMsg: 'the two payments were not marked paid',
    });
    await browser.pause(700);
    await browser.saveScreenshot(join(shots, 'desktop-payments.png'));
    return 'e2e/shots/desktop-payments.png';
  }],
  ['Billing groups lists the demo group; its detail shows the monthly total', async () => {
    await browser.$($t('nav-billing')).click();
    let row;
    await browser.waitUntil(async () => {
      for (const r of await browser.$$($t('billing-group-row'))) {
        if ((await r.getText()).includes('Noordkade')) { row = r; return true; }
      }
      return false;
    }, { timeoutMsg: 'no billing-group-row for Noordkade Architecten (demo data)' });
    await (await row.$('a.rowlink')).click();
    const total = await browser.$($t('billing-monthly-total'));
    await total.waitForDisplayed();
    await browser.waitUntil(async () => /€\s?\d/.test(await total.getText()), { timeoutMsg: 'billing-monthly-total shows no amount' });
    const count = (await browser.$($t('billing-active-count')).getText()).trim();
    if (count !== '3') throw new Error(`billing-active-count is ${count}, expected 3`);
    return `${await total.getText()} for ${count} laptops`;
  }],
  ['the month-end run invoices what the scans made due, with progress', async () => {
    await browser.$($t('nav-invoices')).click();
    const pending = await browser.$($t('monthend-pending'));
    await pending.waitForDisplayed();
    // The three activations bill from today: their first payments wait for an invoice.
    await browser.waitUntil(async () => Number((await pending.getText()).trim()) >= 3, {
      timeoutMsg: 'monthend-pending does not count the three new payments',
    });
    const n = Number((await pending.getText()).trim());
    await browser.$($t('monthend-run')).click();
    const progress = await browser.$($t('monthend-progress'));
    await browser.waitUntil(async () => (await progress.getAttribute('data-remaining')) === '0', {
      timeout: 60_000,
      timeoutMsg: 'the month-end run did not finish',
    });
    const text = (await progress.getText()).trim();
    if (!text.startsWith(`${n} / ${n} invoiced`)) throw new Error(`monthend-progress reads "${text}"`);
    await waitText('monthend-pending', '0');
    const order = await rpc('orders.get', { id: orderNumber }, ctx);
    const mine = await rpc('payments.list', { customerId: order.customer.customerId, limit: '100' }, ctx);
    const open = mine.items.filter((p) => p.dueDate <= TODAY && !p.invoiceNumber && p.status !== 'cancelled');
    if (open.length) throw new Error(`${open.length} payments due up to today are still without an invoice`);
    return text;
  }],
  ['open the newest invoice and Save PDF: the file in Documents/FlexDesk is the invoice', async () => {
    const row = await browser.$('[data-testid="invoice-row"][data-kind="invoice"]');
    await row.waitForDisplayed();
    const link = await row.$('a.rowlink');
    const number = (await link.getText()).trim();
    await link.click();
    await browser.waitUntil(async () => (await browser.$($t('screen-title')).getText()).includes(number), {
      timeoutMsg: `the invoice ${number} did not open`,
    });
    await browser.$($t('invoice-preview')).waitForDisplayed();
    await browser.$($t('invoice-save')).click();
    const banner = await browser.$($t('success-banner'));
    const saved = /Saved to (\S+\.pdf)\./;
    await browser.waitUntil(async () => (await banner.isExisting()) && saved.test(await banner.getText()), {
      timeoutMsg: 'no "Saved to ….pdf." banner',
    });
    const path = (await banner.getText()).match(saved)[1];
    const docs = process.env.FLEXDESK_E2E_DOCUMENTS;
    if (docs && !path.startsWith(join(docs, 'FlexDesk'))) throw new Error(`saved to ${path}, not into ${docs}/FlexDesk`);
    const bytes = readFileSync(path);
    if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error(`${path} is not a PDF`);
    // The PDF's text is compressed; the file name carries the invoice number.
    if (!path.includes(number)) throw new Error(`${path} does not name invoice ${number}`);
    await browser.pause(700);
    await browser.saveScreenshot(join(shots, 'desktop-invoice.png'));
    return `${path} (${bytes.length} bytes)`;
  }],
  ['the app used the database named by FLEXDESK_DB (and the temporary data directory)', async () => {
    if (!DB) throw new Error('FLEXDESK_DB is not set');
    if (!existsSync(DB)) throw new Error(`${DB} was not created`);
    // run.sh also points XDG_DATA_HOME at its temporary folder: the app's data directory is there.
    const dataDir = process.env.XDG_DATA_HOME && join(process.env.XDG_DATA_HOME, 'io.flexdesk.desk');
    if (dataDir && !existsSync(dataDir)) throw new Error(`the app's data directory is not in ${process.env.XDG_DATA_HOME}`);
    return DB;
  }],
]);

if (browser) {
  try {
    await browser.deleteSession();
  } catch (e) {
    console.log(`(deleteSession: ${e?.message ?? e})`);
  }
}
clearTimeout(ceiling);
finish();
