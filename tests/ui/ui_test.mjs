// End-to-end test of cprofiler's web UI in a real browser (Debian's Chromium,
// headless, driven by playwright-core).
//
// Environment:
//   CPROFILER_URL     base URL of a running `cprofiler serve` (required)
//   OUT_DIR           where the screenshots go (required)
//   EXPECT_FUNC       a function the heap flame graph must show (main.workloadHeap)
//   EXPECT_TOP_FIRST  the first row name of `go tool pprof -top -sample_index=inuse_space`
//                     of the newest heap profile (required)
//   CHROMIUM          the browser (default /usr/bin/chromium)
// The archive must hold at least two heap profiles, one cpu profile and
// exactly two mutex profiles from the last hour. Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import {
  CHROMIUM, TIMEOUT_MS, check, collectPageErrors, expectReady, pass, requiredEnv, settled, shot,
} from './harness.mjs';

const BASE = requiredEnv('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = requiredEnv('OUT_DIR');
const EXPECT_FUNC = process.env.EXPECT_FUNC || 'main.workloadHeap';
const EXPECT_TOP_FIRST = requiredEnv('EXPECT_TOP_FIRST');
const HEAP = 'heap_inuse_space';
const CPU = 'profile_cpu';
const FLAME_NODES = 50000;

const screenshot = (page, name) => shot(page, name, { fullPage: true });

// Screenshots in the light and the dark colour scheme.
async function screenshots(page, stem) {
  await screenshot(page, `${stem}-light.png`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(200); // the canvases redraw on the scheme change
  await screenshot(page, `${stem}-dark.png`);
  await page.emulateMedia({ colorScheme: 'light' });
}

async function openOverview(page) {
  await page.goto(`${BASE}/`);
  await expectReady(page, 'overview');
}

// Bubbles of a chart in page coordinates, oldest first.
async function bubblesOf(page, sampleType) {
  const canvas = page.locator(`section.chart[data-sample-type="${sampleType}"] canvas`);
  const box = await canvas.boundingBox();
  check(box, `no chart canvas for ${sampleType}`);
  const points = await page.evaluate((st) => window.cprofOverview.bubbles(st), sampleType);
  return { box, points: points.sort((a, b) => a.time - b.time).map((p) => ({ ...p, x: box.x + p.x, y: box.y + p.y })) };
}

async function bubbleCount(page, sampleType) {
  const chart = page.locator(`section.chart[data-sample-type="${sampleType}"]`);
  check(await chart.count() === 1, `the overview has no chart for ${sampleType}`);
  return Number(await chart.getAttribute('data-bubbles'));
}

async function topRowNames(page) {
  return page.locator('#top tbody tr td.name').allInnerTexts();
}

async function flameNames(page) {
  return page.evaluate(() => window.cprofFlameNames());
}

async function flameTotal(page) {
  return Number(await page.locator('#flame').getAttribute('data-total'));
}

// ---- the checks ------------------------------------------------------------

async function overviewShowsBubbles(page) {
  await openOverview(page);
  for (const st of [HEAP, CPU]) {
    const count = await bubbleCount(page, st);
    check(count > 0, `the ${st} chart draws no bubbles`);
    pass(`overview: ${count} bubble(s) for ${st}`);
  }
  await screenshots(page, 'overview');
}

async function bubbleClickOpensAnalysis(page) {
  const { points } = await bubblesOf(page, HEAP);
  const newest = points[points.length - 1];
  await page.mouse.move(newest.x, newest.y);
  await page.mouse.click(newest.x, newest.y);
  await page.waitForURL(/\/api\/pprof\/ui\/[^/]+\/\?si=inuse_space/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'analysis page');
  check(page.url().includes(encodeURIComponent(newest.id)) || page.url().includes(newest.id),
    `the click opened ${page.url()}, not profile ${newest.id}`);
  pass(`a click on a heap bubble opens ${new URL(page.url()).pathname}`);

  const names = await flameNames(page);
  check(names.includes(EXPECT_FUNC), `the flame graph does not show ${EXPECT_FUNC} (drew: ${names.slice(0, 20).join(', ')}…)`);
  pass(`the flame graph shows ${EXPECT_FUNC} (${names.length} distinct frames drawn)`);

  const rows = await topRowNames(page);
  check(rows[0] === EXPECT_TOP_FIRST, `the top table's first row is "${rows[0]}", go tool pprof -top says "${EXPECT_TOP_FIRST}"`);
  pass(`the top table's first row is go tool pprof's: ${rows[0]}`);
  await screenshots(page, 'analysis');
}

// On the newest cpu profile (the workload burns cpu in several goroutines, so
// no function is on every sample): focus on the busiest function that is not
// on every sample, which must shrink both views.
async function focusChangesTableAndFlame(page) {
  await openOverview(page);
  const { points } = await bubblesOf(page, CPU);
  const newest = points[points.length - 1];
  await page.mouse.click(newest.x, newest.y);
  await page.waitForURL(/\/api\/pprof\/ui\/[^/]+\/\?si=cpu/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'cpu analysis page');
  await screenshots(page, 'analysis-cpu');
  const analysis = await page.evaluate(() => window.cprofAnalysis());
  const total = analysis.flame.v;
  const candidates = analysis.top.rows.filter((r) => r.cum > 0 && r.cum < total);
  check(candidates.length > 0, 'every function of the cpu profile is on every sample: no focus target');
  const target = candidates.reduce((a, b) => (b.cum > a.cum ? b : a)).name;
  const rowsBefore = await topRowNames(page);
  const namesBefore = new Set(await flameNames(page));
  const totalBefore = await flameTotal(page);

  const regexp = `^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  await page.fill('#focus', regexp);
  await page.press('#focus', 'Enter');
  await page.waitForURL(/[?&]focus=/, { timeout: TIMEOUT_MS });
  await page.waitForFunction((before) => Number(document.querySelector('#flame').dataset.total) !== before
    || document.body.dataset.state !== 'ready', totalBefore, { timeout: TIMEOUT_MS });
  await expectReady(page, `focus=${regexp}`);

  const rowsAfter = await topRowNames(page);
  const namesAfter = new Set(await flameNames(page));
  const totalAfter = await flameTotal(page);
  check(JSON.stringify(rowsAfter) !== JSON.stringify(rowsBefore), `focus=${regexp} left the top table unchanged`);
  check(rowsAfter.includes(target), `focus=${regexp}: ${target} is not in the top table`);
  check(totalAfter < totalBefore, `focus=${regexp}: the flame graph's total stayed ${totalBefore}`);
  check(namesAfter.has(target), `focus=${regexp}: the flame graph does not draw ${target}`);
  check([...namesBefore].some((n) => !namesAfter.has(n)), `focus=${regexp}: the flame graph draws the same frames`);
  pass(`focus=${regexp} changes the top table (${rowsBefore.length} -> ${rowsAfter.length} rows) and the flame graph (total ${totalBefore} -> ${totalAfter})`);
}

async function dragSelectOpensMerge(page) {
  await openOverview(page);
  const { box, points } = await bubblesOf(page, HEAP);
  const y = box.y + box.height / 2;
  const x0 = Math.max(box.x + 2, points[0].x - 10);
  const x1 = Math.min(box.x + box.width - 2, points[points.length - 1].x + 10);
  await page.mouse.move(x0, y);
  await page.mouse.down();
  await page.mouse.move(x1, y, { steps: 12 });
  await page.mouse.up();
  await page.waitForURL(/\/analysis\?sample_type=heap_inuse_space&start_time=[^&]+&end_time=/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'merged view');
  const analysis = await page.evaluate(() => window.cprofAnalysis());
  check(analysis.count === points.length, `the merged view holds ${analysis.count} profiles, the range held ${points.length}`);
  const names = await flameNames(page);
  check(names.includes(EXPECT_FUNC), `the merged flame graph does not show ${EXPECT_FUNC}`);
  pass(`a drag across the heap chart opens the merge of its ${analysis.count} profiles`);
}

async function twoPicksOpenDiff(page) {
  await openOverview(page);
  const { points } = await bubblesOf(page, HEAP);
  check(points.length >= 2, `the heap chart has ${points.length} bubble(s); a diff needs two`);
  const [older, newer] = points.slice(-2);
  await page.keyboard.down('Shift');
  await page.mouse.click(older.x, older.y);
  await page.mouse.click(newer.x, newer.y);
  await page.keyboard.up('Shift');
  await page.waitForURL(/\/analysis\?id=[^&]+&base=[^&]+&si=inuse_space/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'diff view');
  const url = new URL(page.url());
  check(url.searchParams.get('id') === newer.id && url.searchParams.get('base') === older.id,
    `the diff compares ${url.searchParams.get('id')} to ${url.searchParams.get('base')}, not the two picked`);
  check(await page.evaluate(() => document.body.dataset.mode) === 'diff', 'the page is not in diff mode');
  check(await page.locator('#diff-legend').isVisible(), 'the diff legend is not shown');
  const names = await flameNames(page);
  check(names.includes(EXPECT_FUNC), `the diff flame graph does not show ${EXPECT_FUNC}`);
  pass('shift-clicking two heap bubbles opens their diff (newer against older)');
  // Its HTML report link: the same diff, as one self-contained page.
  const report = new URL(await page.locator('#report').getAttribute('href'), page.url());
  check(report.pathname === '/api/report.html' && report.searchParams.get('id') === newer.id &&
    report.searchParams.get('base') === older.id && report.searchParams.get('si') === 'inuse_space',
    `the HTML report link is ${report}`);
  const html = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
  }, report.href);
  check(html.status === 200 && html.type.startsWith('text/html') && html.body.includes('"base":{'),
    `the HTML report link answers ${html.status} ${html.type}`);
  pass('the diff view links its HTML report (the same diff, 200 text/html)');
  await screenshot(page, 'diff-light.png');
}

// mutex_delay is cumulative: its chart draws interval values (the first
// snapshot is a baseline, not drawn), a switch shows the values since process
// start, and a bubble opens its interval, one click from since-start.
async function cumulativeChartShowsIntervals(page) {
  const st = 'mutex_delay';
  const metas = await page.evaluate(async (sampleType) => {
    const end = new Date(Date.now() + 60e3).toISOString();
    const start = new Date(Date.now() - 3600e3).toISOString();
    const r = await fetch(`/api/profile_meta/${sampleType}?start_time=${start}&end_time=${end}`);
    return (await r.json()).flatMap((t) => t.ProfileMetas);
  }, st);
  check(metas.length === 2, `want 2 ${st} snapshots, the API lists ${metas.length}`);
  const [first, second] = metas;
  check(first.DeltaValue === undefined && second.DeltaValue === second.Value - first.Value,
    `DeltaValues ${first.DeltaValue}, ${second.DeltaValue} for Values ${first.Value}, ${second.Value}`);

  await page.goto(`${BASE}/?st=${st}&range=1h`);
  await expectReady(page, `${st} overview`);
  const chart = page.locator(`section.chart[data-sample-type="${st}"]`);
  check(await chart.getAttribute('data-values') === 'interval', `the ${st} chart does not draw intervals`);
  let { points } = await bubblesOf(page, st);
  check(points.length === 1 && points[0].id === second.ProfileID && points[0].value === second.DeltaValue,
    `the interval chart draws ${JSON.stringify(points.map((p) => [p.id, p.value]))}, want the second snapshot at ${second.DeltaValue}`);
  check(/1 baseline/.test(await chart.locator('.sub').innerText()), 'the chart does not say the baseline is not shown');
  pass(`${st} chart: one interval bubble at ${second.DeltaValue} (the baseline not drawn)`);
  await screenshots(page, 'overview-interval');

  await chart.locator('button[data-values="cumulative"]').click();
  await page.waitForURL(/values=cumulative/, { timeout: TIMEOUT_MS });
  await expectReady(page, `${st} since start`);
  check(await chart.getAttribute('data-values') === 'cumulative', 'the switch did not change the chart');
  ({ points } = await bubblesOf(page, st));
  check(JSON.stringify(points.map((p) => p.value)) === JSON.stringify([first.Value, second.Value]),
    `since start draws ${JSON.stringify(points.map((p) => p.value))}, want the Values`);
  pass(`"Since start" draws both snapshots at their Values`);
  await chart.locator('button[data-values="interval"]').click();
  await page.waitForURL((url) => !url.search.includes('values=cumulative'), { timeout: TIMEOUT_MS });
  await expectReady(page, `${st} per interval`);

  ({ points } = await bubblesOf(page, st));
  await page.mouse.click(points[0].x, points[0].y);
  await page.waitForURL(/\/api\/pprof\/ui\/[^/]+\/\?si=delay&interval=1/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'interval analysis');
  let analysis = await page.evaluate(() => window.cprofAnalysis());
  check(analysis.interval === true && analysis.total === second.DeltaValue,
    `the interval page shows total ${analysis.total} (interval ${analysis.interval}), want ${second.DeltaValue}`);
  const download = await page.locator('#download').getAttribute('href');
  const command = await page.locator('#command').inputValue();
  check(download.includes('interval=1') && command.includes('interval=1'),
    `the download (${download}) or the pprof command (${command}) is not the interval's`);
  pass(`a ${st} bubble opens its interval (total ${analysis.total_formatted}); download and pprof command match`);
  await screenshots(page, 'analysis-interval');

  await page.locator('#values-toggle').click();
  await page.waitForURL(/interval=0/, { timeout: TIMEOUT_MS });
  await expectReady(page, 'since-start analysis');
  analysis = await page.evaluate(() => window.cprofAnalysis());
  check(analysis.interval === false && analysis.total === second.Value,
    `since start shows total ${analysis.total}, want ${second.Value}`);
  pass(`one click shows the snapshot since process start (total ${analysis.total_formatted})`);
}

// A well-formed ID that is not (or no longer) in the archive: a real heap
// profile's ID with another content hash, as if it had been pruned.
async function missingProfileUrl(page) {
  await openOverview(page);
  const { points } = await bubblesOf(page, HEAP);
  const missing = points[0].id.replace(/[0-9a-f]+$/, (hash) => '0'.repeat(hash.length));
  check(missing !== points[0].id, `cannot derive a missing ID from ${points[0].id}`);
  return `${BASE}/api/pprof/ui/${encodeURIComponent(missing)}/?si=inuse_space`;
}

async function missingProfileShowsError(page) {
  await page.goto(await missingProfileUrl(page));
  const state = await settled(page);
  check(state === 'error', `a missing profile leaves the page in state "${state}"`);
  const text = await page.locator('.notice.error').innerText();
  check(/not found/i.test(text), `the error for a missing profile says "${text}"`);
  pass('a missing (pruned) profile shows "Profile not found"');
}

async function flameRenderTime(page) {
  await page.goto(await missingProfileUrl(page)); // any analysis page loads the renderer
  await settled(page);
  const result = await page.evaluate((count) => {
    // A random recursive tree (deterministic), leaf values 1..1000.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const nodes = [{ n: 'root', v: 0, s: 0, c: [] }];
    for (let k = 1; k < count; k++) {
      const node = { n: `pkg${k % 97}.function${k}`, v: 0, s: 0, c: [] };
      nodes[Math.floor(random() * k)].c.push(node);
      nodes.push(node);
    }
    for (let k = nodes.length - 1; k >= 0; k--) {
      const node = nodes[k];
      if (node.c.length === 0) node.s = 1 + Math.floor(random() * 1000);
      node.c.sort((a, b) => b.v - a.v);
      node.v = node.s + node.c.reduce((sum, c) => sum + c.v, 0);
    }
    document.getElementById('flame-card').hidden = false;
    const ms = window.cprofRenderFlame(nodes[0]);
    return { ms, frames: Number(document.getElementById('flame').dataset.frames) };
  }, FLAME_NODES);
  console.log(`flame graph render time: ${result.ms.toFixed(1)} ms for ${FLAME_NODES} nodes (${result.frames} frames wide enough to draw)`);
  check(result.ms < 5000, `rendering ${FLAME_NODES} nodes took ${result.ms.toFixed(0)} ms`);
}

// ---- main ------------------------------------------------------------------

const CHECKS = [
  overviewShowsBubbles,
  bubbleClickOpensAnalysis,
  focusChangesTableAndFlame,
  dragSelectOpensMerge,
  twoPicksOpenDiff,
  cumulativeChartShowsIntervals,
  missingProfileShowsError,
  flameRenderTime,
];

await mkdir(OUT_DIR, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
const pageErrors = collectPageErrors(page);
let failed = false;
for (const run of CHECKS) {
  try {
    await run(page);
    check(pageErrors.length === 0, `JavaScript errors: ${pageErrors.join('; ')}`);
  } catch (err) {
    failed = true;
    console.error(`FAIL: ${run.name}: ${err.message.split('\n')[0]}`);
    await screenshot(page, `failure-${run.name}.png`).catch(() => {});
    break;
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
