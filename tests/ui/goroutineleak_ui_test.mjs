// The goroutine-leak profile in a real browser (Debian's Chromium, headless):
// the overview draws a goroutineleak chart whose bubbles count the leaked
// goroutines, and a click on one opens its analysis page with the stacks.
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   EXPECT_VALUES  the goroutineleak profiles' values (leaked goroutines),
//                  comma-separated, ascending (required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import {
  TIMEOUT_MS, check, expectReady, pass, requiredEnv, shot, withServerOnly,
} from './harness.mjs';

const BASE = requiredEnv('CPROFILER_URL').replace(/\/$/, '');
const VALUES = requiredEnv('EXPECT_VALUES');
const LEAK = 'goroutineleak';

await withServerOnly(BASE, async (page) => {
  await page.goto(`${BASE}/?st=${LEAK}`);
  await expectReady(page, 'overview');
  const chart = page.locator(`section.chart[data-sample-type="${LEAK}"]`);
  check(await chart.count() === 1, 'the overview has no goroutineleak chart');
  const canvas = await chart.locator('canvas').boundingBox();
  const points = await page.evaluate((st) => window.cprofOverview.bubbles(st), LEAK);
  check(points.length >= 2, `the goroutineleak chart draws ${points.length} bubble(s)`);
  const values = points.map((p) => p.value).sort((a, b) => a - b).join(',');
  check(values === VALUES, `bubble values ${values}, not the leaked goroutines ${VALUES}`);
  pass(`overview: ${points.length} goroutineleak bubbles, the leaked goroutines (${VALUES})`);
  await shot(page, 'goroutineleak-overview.png', { fullPage: true });

  const newest = points.sort((a, b) => a.time - b.time)[points.length - 1];
  await page.mouse.click(canvas.x + newest.x, canvas.y + newest.y);
  await page.waitForURL(/\/api\/pprof\/ui\/[^/]+\/\?si=goroutineleak/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'analysis page');
  const names = await page.evaluate(() => window.cprofFlameNames());
  check(names.includes('main.workloadGoroutine'),
    `the flame graph does not show main.workloadGoroutine (drew: ${names.slice(0, 20).join(', ')})`);
  check(await page.locator('#si').inputValue() === 'goroutine', 'the sample index is not goroutine');
  const total = Number(await page.locator('#flame').getAttribute('data-total'));
  check(total > 0 && total <= newest.value, `the flame graph's total is ${total}, the bubble's ${newest.value}`);
  pass(`a bubble opens the stacks: main.workloadGoroutine in the flame graph (${total} goroutines with a stack)`);
  await shot(page, 'goroutineleak-analysis.png', { fullPage: true });
});
