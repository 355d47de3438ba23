// The harness of the browser end-to-end test (browser.test.mjs runs the scenarios in scenarios/):
// the real server and the other `flexdesk serve` processes a step starts, the system Chromium
// driven by playwright-core, named steps and their checks, screenshots to e2e/shots/, and helpers
// that several scenarios use. Prints one final line `N passed, M failed`; exits non-zero on any
// failure.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = resolve(here, "..");
// The built UI: ui/dist, or FLEXDESK_UI_DIST (a build of its own, e.g. `vite build --outDir`).
export const dist = process.env.FLEXDESK_UI_DIST ?? join(uiDir, "dist");
export const shots = join(here, "shots");
export const bin = process.env.FLEXDESK_BIN ?? resolve(uiDir, "../target/debug/flexdesk");
export const chromePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
// Every server this test starts runs on a pinned calendar (FLEXDESK_TODAY, inherited by each
// process it spawns), so the demo business and every date it checks are the same on any day:
// the day given in the environment, or tests/pinned-today.
export const TODAY = (process.env.FLEXDESK_TODAY || readFileSync(resolve(uiDir, "../tests/pinned-today"), "utf8")).trim();
process.env.FLEXDESK_TODAY = TODAY;
export const TIMEOUT = 15_000;
/** The window's size for every step that does not set its own (and sets it back). */
export const VIEWPORT = { width: 1440, height: 960 };
// Names this run makes up (serials, SKUs, emails) carry a random tag, never the date: each call a
// new one. Durations and deadlines use the monotonic clock (performance.now).
const RUN = randomBytes(3).toString("hex").toUpperCase();
let made = 0;
export const uniq = () => `${RUN}${(made++).toString(36).toUpperCase()}`;

let passed = 0;
let failed = 0;
export let page;
let server;
export let browser;
const hubs = new Set(); // other `flexdesk serve` processes a step started (killed at the end too)
export const tmp = mkdtempSync(join(tmpdir(), "flexdesk-e2e-"));
/** Uncaught errors of the page, checked by the last step. */
export const consoleErrors = [];

export function finish(code) {
  for (const p of [server, ...hubs]) {
    try {
      p?.kill("SIGTERM");
    } catch {
      /* already gone */
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code);
}

/** One named check; the scenario stops at the first failure (later steps depend on it). */
export async function step(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Math.round(performance.now() - t0)} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e?.message ?? e).split("\n").slice(0, 6).join("\n     ")}`);
    if (page) await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
    if (browser) await browser.close().catch(() => {});
    finish(1);
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export const tid = (id) => page.getByTestId(id);

export async function shot(name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Click a button that opens a document in a new tab: the tab's blob URL and its first bytes. */
export async function openedDocument(button) {
  const [tab] = await Promise.all([page.waitForEvent("popup"), button.click()]);
  await tab.waitForURL(/^blob:/);
  const url = tab.url();
  const head = await page.evaluate(async (u) => {
    const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
    return String.fromCharCode(...bytes.slice(0, 5));
  }, url);
  await tab.close();
  return { url, head };
}

/** Click a button that downloads a file: its name and bytes. */
export async function downloaded(button) {
  const [dl] = await Promise.all([page.waitForEvent("download"), button.click()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

/** The first billing day (1–28) on or after `iso` (YYYY-MM-DD), as the core's billing groups count it. */
export function billingDate(iso, day) {
  const d = new Date(`${iso}T12:00:00Z`);
  if (d.getUTCDate() > day) d.setUTCMonth(d.getUTCMonth() + 1, day);
  else d.setUTCDate(day);
  return d.toISOString().slice(0, 10);
}

/** An amount as minor units, from a decimal string ("109.99" → 10999). */
export function cents(amount) {
  const [whole, frac = ""] = amount.split(".");
  return Number(whole) * 100 + Number((frac + "00").slice(0, 2)) * (amount.startsWith("-") ? -1 : 1);
}

/** A day as YYYY-MM-DD, `days` from the desk's (pinned) today. */
export function dayFromToday(days) {
  const d = new Date(`${TODAY}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export async function noErrorBanner() {
  const n = await tid("error-banner").count();
  if (n > 0) throw new Error(`error banner shown: ${await tid("error-banner").first().innerText()}`);
}

/** Start the real server and read the URL it prints as the last line of stdout. */
export function startServer() {
  return new Promise((resolveUrl, reject) => {
    const db = join(tmp, "desk.db");
    // A sync remote's key is sealed into a file of the test's folder, never put in the OS keyring.
    const env = { ...process.env, FLEXDESK_KEYRING: "off", FLEXDESK_SECRET_DIR: join(tmp, "secrets") };
    server = spawn(bin, ["--db", db, "serve", "--listen", "127.0.0.1:0", "--ui", dist, "--demo"], { stdio: ["ignore", "pipe", "pipe"], env });
    let stderr = "";
    server.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`server printed no URL within 120 s\n${stderr}`)), 120_000);
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\n${stderr}`));
    });
    createInterface({ input: server.stdout }).on("line", (line) => {
      const t = line.trim();
      if (/^https?:\/\//.test(t)) {
        clearTimeout(timer);
        resolveUrl(t.replace(/\/$/, ""));
      }
    });
  });
}

/** Run the flexdesk CLI on another database; the last line it prints. */
export function cli(args) {
  const out = execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return out.trim().split("\n").pop().trim();
}

/** Start a second `flexdesk serve` (a sync hub, with `extra` options) on its own database; its process and URL (the first line it prints). */
export function startHub(db, extra = []) {
  return new Promise((resolveHub, reject) => {
    const child = spawn(bin, ["--db", db, "serve", "--listen", "127.0.0.1:0", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
    hubs.add(child);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`hub printed no URL within 60 s\n${stderr}`)), 60_000);
    child.on("exit", (code) => {
      hubs.delete(child);
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}\n${stderr}`));
    });
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolveHub({ child, url: line.trim().replace(/\/$/, "") });
    });
  });
}

/** A hub on a database of its own (`extra`: its serve options) with a business unit and a key for syncing desks. */
export async function newHub(name, unitName, extra = []) {
  const db = join(tmp, `${name}.db`);
  const bu = cli(["--db", db, "bu", "create", "--name", unitName, "--currency", "EUR", "--code", "NL"]);
  const key = cli(["--db", db, "keys", "create", "--tenant", bu, "--purpose", "sync"]);
  assert(bu.startsWith("bu_") && key.length >= 16, `hub unit ${bu}, key ${key}`);
  const hub = await startHub(db, extra);
  return { ...hub, bu, key };
}

/** Settings → Sync: connect the unit to `hub` (its URL, unit and key) and wait for the card to say so. */
export async function connectTo(hub) {
  await page.getByTestId("sync-url").fill(hub.url);
  await page.getByTestId("sync-tenant").fill(hub.bu);
  await page.getByTestId("sync-key").fill(hub.key);
  await page.getByTestId("sync-pull-every").fill("3600");
  await page.getByTestId("sync-save").click();
  // The test hubs run on this computer: an administrator allows the address once asked.
  await page.getByTestId("sync-allow-address").check();
  await page.getByTestId("sync-save").click();
  await page.getByTestId("success-banner").filter({ hasText: `now syncs with ${hub.url}` }).waitFor();
}

/** Settings → Sync: remove the remote (the unit no longer syncs). */
export async function disconnect() {
  await page.getByTestId("sync-remove").click();
  await page.getByTestId("sync-remove-confirm").click();
  await page.getByTestId("success-banner").filter({ hasText: "Sync is off" }).waitFor();
}

/** Stop a process and wait until it is gone. */
export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await gone;
}

/** Session cookies of the people the tests act as over `rpc` (server and person → cookie). */
const sessions = new Map();

/** Sign in over HTTP as `userId` with the PIN the demo's start screen shows for them. */
async function sessionCookie(base, userId) {
  const key = `${base} ${userId}`;
  if (sessions.has(key)) return sessions.get(key);
  const post = (cmd, body) => fetch(`${base}/rpc/${cmd}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const boot = await (await post("app.bootstrap", {})).json();
  const person = boot.people.find((p) => p.id === userId);
  if (!person?.demoPin) throw new Error(`no demo PIN for ${userId}: ${JSON.stringify(boot.people)}`);
  const res = await post("session.signIn", { userId, secret: person.demoPin });
  if (!res.ok) throw new Error(`session.signIn: ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  sessions.set(key, cookie);
  return cookie;
}

/** A command straight to the core, for picking test data: as `ctx.userId` (signed in with their PIN) in `ctx.buId`. */
export async function rpc(base, command, payload, ctx = {}) {
  const send = async () => {
    const headers = { "Content-Type": "application/json" };
    if (ctx.userId) headers.Cookie = await sessionCookie(base, ctx.userId);
    if (ctx.buId) headers["X-FlexDesk-BU"] = ctx.buId;
    return fetch(`${base}/rpc/${command}`, { method: "POST", headers, body: JSON.stringify(payload ?? {}) });
  };
  let res = await send();
  if (res.status === 401 && ctx.userId) {
    // The server restarted (or the session locked): sign in again.
    sessions.delete(`${base} ${ctx.userId}`);
    res = await send();
  }
  const body = await res.json();
  if (!res.ok) throw new Error(`${command}: ${JSON.stringify(body)}`);
  return body;
}

/** The desk's bootstrap as its Administrator reads it (signed in: with the business units). */
export async function adminBoot(base) {
  const open = await rpc(base, "app.bootstrap", {});
  const admin = open.people.find((p) => p.name === "Administrator");
  return rpc(base, "app.bootstrap", {}, { userId: admin.id });
}

/** Chromium with a fresh profile each run (Playwright passes it to Chromium as --user-data-dir). */
export async function launchBrowser() {
  browser = await chromium.launchPersistentContext(join(tmp, "profile"), {
    executablePath: chromePath,
    headless: true,
    viewport: VIEWPORT,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
}

/** On the start screen: pick the named person and type the PIN the demo shows beside them. */
export async function signInAs(name) {
  const row = tid("user-picker").locator("li").filter({ has: tid("user-option").filter({ hasText: new RegExp(`^${name}$`) }) });
  const pin = (await row.getByTestId("demo-pin").locator(".mono").innerText()).trim();
  await row.getByTestId("user-option").click();
  await tid("pin-input").fill(pin);
  await tid("pin-input").press("Enter");
  await tid("bu-switcher").waitFor();
}

/** Switch user at the top bar to the named person (signing out, then in with their PIN). */
export async function become(name) {
  await tid("switch-user").click();
  await signInAs(name);
}

/** A keyboard-wedge scan: the characters and Enter, with nothing focused by the test. */
/**
 * A keyboard-wedge scanner's burst into whatever has the focus: the code's keys 5 ms apart by
 * their own time stamps, then Enter, sent through the DevTools protocol with those stamps so the
 * page's work on each key does not stretch the gaps (a scanner's keys reach the browser so).
 */
export async function scannerBurst(code) {
  const cdp = await page.context().newCDPSession(page);
  // Spacing only, never a calendar date: the stamps start at the page's own event clock.
  const t0 = await page.evaluate(() => (performance.timeOrigin + performance.now()) / 1000);
  const keys = [...code].map((ch) => ({ text: ch, key: ch, code: /\d/.test(ch) ? `Digit${ch}` : /[a-z]/i.test(ch) ? `Key${ch.toUpperCase()}` : "" }));
  keys.push({ text: "\r", key: "Enter", code: "Enter", windowsVirtualKeyCode: 13 });
  for (const [i, k] of keys.entries()) {
    const timestamp = t0 + i * 0.005;
    await cdp.send("Input.dispatchKeyEvent", { type: "keyDown", timestamp, ...k });
    await cdp.send("Input.dispatchKeyEvent", { type: "keyUp", timestamp: timestamp + 0.001, key: k.key, code: k.code });
  }
  await cdp.detach();
}

export async function wedge(code) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await page.keyboard.type(code);
  await page.keyboard.press("Enter");
}

/** After the last scenario: close the browser and print the count. */
export async function done() {
  await browser.close();
  finish(failed ? 1 : 0);
}

/** An error outside any step ends the run. */
export function crash(e) {
  console.log(`FAIL unexpected: ${e?.stack ?? e}`);
  failed++;
  finish(1);
}
