// What the browser tests of tests/ui share: Debian's Chromium (headless,
// driven by playwright-core) launched and closed, every request to another
// origin than the server's refused, page errors collected, the checks and
// their "ok: ..." lines, waiting for a page to settle, screenshots. The
// tests/e2e/ui_*_test.sh scripts run the tests from this directory (its
// node_modules: install_playwright in tests/e2e/lib.sh).
//
// Environment: CHROMIUM (default /usr/bin/chromium); OUT_DIR, where shot()
// and a failure's screenshot go.

import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT_MS = 20000;

// The environment variable `name`; exits 1 with "FAIL: set NAME" if it is
// unset or empty.
export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`FAIL: set ${name} (see the header of ${path.basename(process.argv[1])})`);
    process.exit(1);
  }
  return value;
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export function pass(message) {
  console.log(`ok: ${message}`);
}

// Page errors (uncaught exceptions) of `page`, collected as they happen.
export function collectPageErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

// Every request of `context` that `allowed(url)` refuses is aborted and
// listed in the array returned.
export async function refuseRequests(context, allowed) {
  const refused = [];
  await context.route('**/*', (route) => {
    const requested = route.request().url();
    if (allowed(requested)) return route.continue();
    refused.push(requested);
    return route.abort();
  });
  return refused;
}

// Waits until the page has loaded its data (body[data-state] ready, error
// or empty) and returns that state.
export async function settled(page, timeout = TIMEOUT_MS) {
  await page.waitForFunction(() => ['ready', 'error', 'empty'].includes(document.body.dataset.state),
    null, { timeout });
  return page.evaluate(() => document.body.dataset.state);
}

// Waits until the page has loaded its data and fails unless it is ready
// (the notice's text in the message, after `what`).
export async function expectReady(page, what, timeout = TIMEOUT_MS) {
  const state = await settled(page, timeout);
  if (state !== 'ready') {
    const notice = await page.locator('#notice').innerText().catch(() => '');
    throw new Error(`${what ? `${what}: ` : ''}the page shows state "${state}": ${notice.replace(/\s+/g, ' ').trim()}`);
  }
}

// Waits for the page to load the view a click navigated to (away from the
// URL `before`).
export async function navigated(page, before, what) {
  await page.waitForFunction((url) => location.href !== url, before, { timeout: TIMEOUT_MS });
  await expectReady(page, what);
}

// A screenshot of `target` (a page or a locator) as OUT_DIR/name.
export async function shot(target, name, options = {}) {
  const file = path.join(requiredEnv('OUT_DIR'), name);
  await target.screenshot({ path: file, ...options });
  console.log(`screenshot: ${file}`);
}

// Runs `run(page, context)` in a fresh light-scheme page of 1400x900 whose
// requests to other origins than `base`'s are refused; then no page error
// and no refused request. A failure prints "FAIL: ..." and sets the exit
// status to 1. The browser is closed in the end.
export async function withServerOnly(base, run) {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    const origin = new URL(base).origin;
    const fetched = await refuseRequests(context, (url) => new URL(url).origin === origin);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await run(page, context);
    check(errors.length === 0, `page errors: ${errors.join('; ')}`);
    check(fetched.length === 0, `the page asked other origins for ${fetched.join(', ')}`);
    pass('no page errors; no request beyond the server');
  } catch (err) {
    console.error(`FAIL: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

// Runs `run(page)` in a fresh page of 1400 x `height` (no sandbox); then,
// with `pageErrors`, no page error. A failure takes a screenshot as
// OUT_DIR/failure, prints "FAIL: ..." and sets the exit status to 1. The
// browser is closed in the end.
export async function withPage({ height = 900, failure, pageErrors = true }, run) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height } });
  const errors = collectPageErrors(page);
  try {
    await run(page);
    if (pageErrors) check(errors.length === 0, `page errors: ${errors.join('; ')}`);
  } catch (err) {
    await page.screenshot({ path: path.join(requiredEnv('OUT_DIR'), failure) }).catch(() => {});
    console.error(`FAIL: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
