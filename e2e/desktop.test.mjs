// End-to-end test of the real FlexDesk desktop window, driven through tauri-driver (WebDriver).
// Started by run.sh, which provides the driver, the app path (APP) and a fresh database
// (FLEXDESK_DB, inherited by the app). Scenario: pick the Administrator, see the demo business
// units, take in one serial with a simulated barcode scanner, then scan it again (duplicate).
// Prints one line per step and, last, exactly one line `N passed, M failed`; exits 1 on failure.
import { remote } from 'webdriverio';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'shots');
mkdirSync(shots, { recursive: true });

const APP = process.env.APP;
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const DB = process.env.FLEXDESK_DB;
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
  console.log('FAIL - the test did not finish within 240 s');
  results.push({ name: 'finish in time', ok: false });
  finish();
}, 240_000);

/** Run the steps in order; after the first failure the remaining ones count as failed (not run). */
async function steps(list) {
  let broken = false;
  for (const [name, fn] of list) {
    if (broken) {
      console.log(`FAIL - ${name} (not run: an earlier step failed)`);
      results.push({ name, ok: false });
      continue;
    }
    const t = Date.now();
    try {
      const note = await fn();
      console.log(`ok   - ${name}${note ? ` (${note})` : ''} [${Date.now() - t} ms]`);
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
  await browser.keys([...serial, 'Enter']);
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

const serial = `E2E${Date.now().toString(36).toUpperCase()}`;

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
  ['pick the Administrator', async () => {
    const options = await browser.$$($t('user-option'));
    for (const o of options) {
      if ((await o.getText()).trim() === 'Administrator') {
        await o.click();
        break;
      }
    }
    await browser.$($t('bu-switcher')).waitForDisplayed();
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
