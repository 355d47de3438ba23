// Start-up timing of a Tauri app through tauri-driver: for each run, start the app, then poll the
// page until SELECTOR is visible ("usable window"). Reports, per run, the time from the app
// process's start (from /proc) to the first poll that saw the element. Used by
// scripts/measure-desktop.sh; prints one JSON line.
//   APP=... SELECTOR='[data-testid="user-picker"]' RUNS=5 TAURI_DRIVER_PORT=4454 node measure-startup.mjs
import { remote } from 'webdriverio';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const APP = process.env.APP;
const SELECTOR = process.env.SELECTOR;
const RUNS = Number(process.env.RUNS ?? 5);
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4454);
const CLK_TCK = 100; // Linux USER_HZ

const uptimeMs = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;

/** Process ids whose executable is `exe`. */
function pidsOf(exe) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/exe`) === exe) out.push(Number(d));
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

/** Process start, in ms since boot (field 22 of /proc/PID/stat). */
function startedMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[19]) / CLK_TCK) * 1000;
}

const runs = [];
for (let i = 0; i < RUNS; i++) {
  const before = new Set(pidsOf(APP));
  const browser = await remote({
    hostname: '127.0.0.1',
    port: PORT,
    logLevel: 'error',
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    capabilities: { 'tauri:options': { application: APP } },
  });
  try {
    const deadline = Date.now() + 60_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      seen = await browser.execute((sel) => {
        const el = document.querySelector(sel);
        return !!el && el.getBoundingClientRect().height > 0;
      }, SELECTOR);
      if (!seen) await new Promise((r) => setTimeout(r, 15));
    }
    const at = uptimeMs();
    if (!seen) throw new Error(`${SELECTOR} did not appear within 60 s`);
    const pid = pidsOf(APP).find((p) => !before.has(p));
    if (!pid) throw new Error('could not find the app process');
    runs.push(Math.round(at - startedMs(pid)));
  } finally {
    await browser.deleteSession();
  }
  await new Promise((r) => setTimeout(r, 1500)); // let the previous app and its web processes exit
}
// The first run is the first start (for FlexDesk on an empty database: it loads the demo
// business); the median is taken over the later runs.
const rest = runs.slice(1).sort((a, b) => a - b);
const median = rest.length ? rest[Math.floor((rest.length - 1) / 2)] : runs[0];
console.log(JSON.stringify({ app: APP, selector: SELECTOR, runs, first: runs[0], median }));
