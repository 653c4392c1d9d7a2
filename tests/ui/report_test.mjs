// The self-contained HTML reports in a real browser (Debian's Chromium,
// headless, playwright-core) with networking off: every request the page
// makes other than for its own file fails the test.
//
// Usage: node report_test.mjs REPORT.html EXPECT_FUNC DIFF(0|1) SCREENSHOT.png
// Checks: the page gets ready; the flame graph draws EXPECT_FUNC; a search
// for it reports matching frames; a click on a frame zooms (Reset zoom
// enabled) and Reset zoom unzooms; the top table has rows and, for a diff,
// its Δ column and the diff legend. Exits 0 when every check passes, 1 with
// "FAIL: ..." if not.

import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, TIMEOUT_MS, check, collectPageErrors, refuseRequests } from './harness.mjs';

const [file, expectFunc, diff, shot] = process.argv.slice(2);

const browser = await chromium.launch({ executablePath: CHROMIUM });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  await context.setOffline(true);
  const url = pathToFileURL(file).href;
  const fetched = await refuseRequests(context, (requested) => requested === url);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: TIMEOUT_MS })
    .catch(() => { throw new Error(`the report never got ready: ${errors.join('; ')}`); });
  check(errors.length === 0, `page errors: ${errors.join('; ')}`);

  const names = await page.evaluate(() => window.cprofFlameNames());
  check(names.includes(expectFunc), `the flame graph does not draw ${expectFunc} (drew ${names.slice(0, 15).join(', ')}…)`);
  console.log(`ok: the flame graph draws ${names.length} distinct frames, ${expectFunc} among them`);

  await page.fill('#search', expectFunc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const info = await page.locator('#match-info').innerText();
  check(/^[1-9][0-9]* frames? · [0-9.]+% of total$/.test(info), `search for ${expectFunc}: "${info}"`);
  console.log(`ok: search for ${expectFunc}: ${info}`);

  const box = await page.locator('#flame').boundingBox();
  check(await page.locator('#reset-zoom').isDisabled(), 'Reset zoom enabled before any zoom');
  await page.mouse.click(box.x + 5, box.y + 18 + 9); // the root's first child, in the second row
  check(await page.locator('#reset-zoom').isEnabled(), 'a click on a frame did not zoom');
  await page.click('#reset-zoom');
  check(await page.locator('#reset-zoom').isDisabled(), 'Reset zoom did not unzoom');
  console.log('ok: a click on a frame zooms; Reset zoom unzooms');

  const rows = await page.locator('#top tbody tr').count();
  check(rows > 0, 'the top table is empty');
  if (diff === '1') {
    check(await page.locator('#diff-legend').isVisible(), 'a diff report without the diff legend');
    const headers = await page.locator('#top thead th').allInnerTexts();
    check(headers.some((h) => h.includes('Δ flat')), `a diff report's table has no Δ column: ${headers.join(' | ')}`);
  }
  console.log(`ok: the top table has ${rows} rows${diff === '1' ? ', a Δ column and the diff legend' : ''}`);
  check(fetched.length === 0, `the page asked the network for ${fetched.join(', ')}`);
  console.log('ok: no request beyond the file itself');
  await page.screenshot({ path: shot, fullPage: true });
} catch (err) {
  console.error(`FAIL: ${err.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
