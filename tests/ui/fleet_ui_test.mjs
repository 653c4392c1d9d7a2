// The overview at fleet size, in a real browser (Debian's Chromium, headless,
// driven by playwright-core): an archive of 1,000 targets of 20 apps, a day
// of heap profiles (tests/e2e/ui_fleet_test.sh makes it).
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   FROM, TO       the day's range, RFC 3339 (required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import path from 'node:path';
import {
  TIMEOUT_MS, check, expectReady as settled, pass, requiredEnv as env, withPage,
} from './harness.mjs';

const BASE = env('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = env('OUT_DIR');
const FROM = env('FROM');
const TO = env('TO');
const HEAP = 'heap_inuse_space';
const LEGEND_MAX = 11; // the top 10 groups and "others"
const SETTLE_MS = 1000;

// Opens `url` and returns how long until the page settled, in ms.
async function open(page, url) {
  const start = Date.now();
  await page.goto(url);
  await settled(page);
  return Date.now() - start;
}

const chart = (page) => page.locator(`section.chart[data-sample-type="${HEAP}"]`);

async function main() {
  const overview = `${BASE}/?st=${HEAP}&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;
  await withPage({ failure: 'fleet-failure.png', pageErrors: false }, async (page) => {
    await open(page, overview); // the server's caches warm
    const ms = await open(page, overview);
    check(ms <= SETTLE_MS, `the overview settled ${ms} ms after navigation, want at most ${SETTLE_MS}`);
    pass(`the overview of a day of 1,000 targets settles ${ms} ms after navigation`);

    check(await chart(page).getAttribute('data-view') === 'series', 'the chart draws bubbles, not series');
    const series = Number(await chart(page).getAttribute('data-series'));
    check(series === 20, `group by _app: ${series} series, want 20`);
    const box = await chart(page).locator('canvas').boundingBox();
    check(box && box.y + box.height <= 900, `the chart ends at ${box?.y + box?.height} px, below the window`);
    const entries = await chart(page).locator('.legend-entry, .legend-others').count();
    check(entries <= LEGEND_MAX, `the legend has ${entries} entries, want at most ${LEGEND_MAX}`);
    const legendBox = await chart(page).locator('.legend').boundingBox();
    check(legendBox.height <= 80, `the legend is ${legendBox.height} px tall`);
    pass(`20 series by _app, the chart in the first screen, a legend of ${entries} entries`);
    await page.screenshot({ path: path.join(OUT_DIR, 'fleet-by-app.png') });

    // Group by a label: the URL keeps it, the series regroup.
    await page.selectOption('#group-by', 'env');
    await settled(page);
    check(new URL(page.url()).searchParams.get('group') === 'env', `the URL is ${page.url()}`);
    const byEnv = Number(await chart(page).getAttribute('data-series'));
    check(byEnv === 2, `group by env: ${byEnv} series, want 2`);
    await page.reload();
    await settled(page);
    check(await page.inputValue('#group-by') === 'env', 'after a reload the group is not env');
    pass('group by env: 2 series; the URL keeps it across a reload');
    await page.screenshot({ path: path.join(OUT_DIR, 'fleet-by-env.png') });

    // A point opens the analysis of its group's profiles in its bucket.
    const points = await page.evaluate((st) => window.cprofOverview.bubbles(st), HEAP);
    check(points.length > 0, 'no series points');
    points.sort((a, b) => a.time - b.time);
    const point = points[Math.floor(points.length / 2)];
    const at = await chart(page).locator('canvas').boundingBox();
    await page.mouse.click(at.x + point.x, at.y + point.y);
    await page.waitForURL(/\/analysis\?/, { timeout: TIMEOUT_MS });
    const params = new URL(page.url()).searchParams;
    // (dev's and prod's points of one bucket may overlap: either is right)
    const groups = points.filter((p) => p.time === point.time).map((p) => p.group);
    check(groups.includes(params.get('lbs[env]')), `the analysis is not of env=${groups}: ${page.url()}`);
    check(Date.parse(params.get('start_time')) === point.time, `the analysis starts at ${params.get('start_time')}`);
    await settled(page);
    const rows = await page.locator('#top tbody tr').count();
    check(rows > 0, 'the analysis page shows no top table');
    pass(`a point opens the analysis of env=${params.get('lbs[env]')} in its bucket (${rows} top rows)`);

    // A legend entry filters to its group: few enough profiles for bubbles.
    await page.goto(`${overview}&group=_app`);
    await settled(page);
    const first = chart(page).locator('.legend-entry').first();
    const app = (await first.innerText()).trim();
    await first.click();
    await settled(page);
    check(new URL(page.url()).searchParams.get('lbs[_app]') === app, `the URL is ${page.url()}`);
    check(await chart(page).getAttribute('data-view') === 'bubbles', 'one app still draws series');
    const targets = Number(await chart(page).locator('.target-list').getAttribute('data-targets'));
    check(targets === 50, `${app}'s target list names ${targets} targets, want 50`);
    check(await chart(page).locator('.target-row svg.sparkline').count() === 50, 'not every target has a sparkline');
    pass(`a legend entry filters to ${app}: ${await chart(page).getAttribute('data-bubbles')} bubbles, its 50 targets listed`);
    await page.screenshot({ path: path.join(OUT_DIR, 'fleet-one-app.png'), fullPage: true });

    // A target of the list: only its bubbles.
    const row = chart(page).locator('.target-row').first();
    const name = (await row.locator('.target-name').innerText()).trim();
    await row.click();
    await settled(page);
    const host = new URL(page.url()).searchParams.get('lbs[_host]');
    check(host && name.endsWith(host), `the URL is ${page.url()} after a click on ${name}`);
    const bubbles = Number(await chart(page).getAttribute('data-bubbles'));
    check(bubbles > 0 && bubbles <= 14, `${name} draws ${bubbles} bubbles`);
    pass(`a target of the list (${name}) shows its ${bubbles} bubbles`);
  });
}

main();
