// The targets page in a real browser (Debian's Chromium, headless, driven
// by playwright-core): a failing target first, with its error; an up one
// after it. tests/e2e/ui_test.sh scrapes the archive behind it.
//
// Environment: CPROFILER_URL, OUT_DIR (required), DOWN_HOST and UP_HOST
// (the two targets), CHROMIUM (default /usr/bin/chromium).

import path from 'node:path';
import { requiredEnv as env, withPage } from './harness.mjs';

const BASE = env('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = env('OUT_DIR');
const DOWN = env('DOWN_HOST');
const UP = env('UP_HOST');

await withPage({ failure: 'targets-failure.png', pageErrors: false }, async (page) => {
  await page.goto(`${BASE}/`);
  await page.click('a[href="/targets"]');
  await page.waitForFunction(() => ['ready', 'error', 'empty'].includes(document.body.dataset.state), null, { timeout: 20000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') throw new Error(`the targets page shows "${state}"`);
  const rows = page.locator('#active-rows tr');
  if (await rows.count() !== 2) throw new Error(`${await rows.count()} targets listed, want 2`);
  const first = await rows.nth(0).innerText();
  if (await rows.nth(0).getAttribute('data-health') !== 'down' || !first.includes(DOWN) || !/connect/i.test(first)) {
    throw new Error(`the first row is not the failing target with its error: ${first}`);
  }
  const second = await rows.nth(1).innerText();
  if (await rows.nth(1).getAttribute('data-health') !== 'up' || !second.includes(UP)) {
    throw new Error(`the second row is not the up target: ${second}`);
  }
  console.log(`ok: the targets page lists ${DOWN} first, down, with its error; ${UP} up`);
  await page.screenshot({ path: path.join(OUT_DIR, 'targets.png') });
});
