// The overview's chart of 1,000 apps in a real browser (Debian's Chromium,
// headless, driven by playwright-core): the legend's top 10 groups readable,
// the others a click away (tests/e2e/ui_fleet_others_test.sh makes the
// archive: app-0 .. app-999, and spike-0 .. spike-2 whose single profiles
// are ten times any other).
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   FROM, TO       the day's range, RFC 3339 (required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import path from 'node:path';
import {
  check, expectReady as settled, pass, requiredEnv as env, withPage,
} from './harness.mjs';

const BASE = env('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = env('OUT_DIR');
const FROM = env('FROM');
const TO = env('TO');
const HEAP = 'heap_inuse_space';
const GROUPS = 1003;
const TOP = 10;

const chart = (page) => page.locator(`section.chart[data-sample-type="${HEAP}"]`);

// The chart as drawn: its points by group, and where the top groups' and
// the others' points lie in the plot's height (0 its bottom, 1 its top).
async function drawn(page) {
  const { points, plot } = await page.evaluate((st) => ({
    points: window.cprofOverview.bubbles(st),
    plot: window.cprofOverview.plot(st),
  }), HEAP);
  check(plot && plot.bottom > plot.top, `no plot area: ${JSON.stringify(plot)}`);
  const legend = await chart(page).locator('.legend-entry').evaluateAll((es) => es.map((e) => e.textContent.trim()));
  const height = (p) => (plot.bottom - p.y) / (plot.bottom - plot.top);
  const top = points.filter((p) => legend.includes(p.group));
  const others = points.filter((p) => !legend.includes(p.group));
  return {
    legend,
    groups: new Set(points.map((p) => p.group)),
    top,
    others,
    topHighest: Math.max(...top.map(height)),
    topLowest: Math.min(...top.map(height)),
    othersHighest: others.length ? Math.max(...others.map(height)) : 0,
  };
}

async function main() {
  const overview = `${BASE}/?st=${HEAP}&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`;
  await withPage({ failure: 'fleet-others-failure.png' }, async (page) => {
    await page.goto(overview);
    await settled(page);
    check(await chart(page).getAttribute('data-view') === 'series', 'the chart draws bubbles, not series');
    const series = Number(await chart(page).getAttribute('data-series'));
    check(series === GROUPS, `${series} series, want ${GROUPS}`);

    // Others off (the default): only the top groups drawn, the axis theirs.
    let d = await drawn(page);
    check(d.legend.length === TOP, `the legend names ${d.legend.length} groups, want ${TOP}`);
    check(d.others.length === 0 && d.groups.size === TOP,
      `others off, yet ${d.groups.size} groups drawn (${d.others.length} points past the legend)`);
    check(d.legend.every((g) => g.startsWith('app-')), `a spike is in the top: ${d.legend}`);
    check(d.topHighest >= 0.5, `the top groups reach ${(100 * d.topHighest).toFixed(0)}% of the plot's height, want at least 50%`);
    check(d.topLowest > 0.05, `a top group's point lies at ${(100 * d.topLowest).toFixed(0)}% of the plot's height, flat on zero`);
    const toggle = chart(page).locator('.legend-others');
    check(await toggle.getAttribute('aria-pressed') === 'false', 'the others switch is not off');
    check((await toggle.innerText()).includes(`${GROUPS - TOP} others`), `the others switch says "${await toggle.innerText()}"`);
    check(!new URL(page.url()).searchParams.has('others'), `the URL is ${page.url()}`);
    pass(`others off: the top ${TOP} groups drawn, from ${(100 * d.topLowest).toFixed(0)}% to ${(100 * d.topHighest).toFixed(0)}% of the plot's height`);
    await chart(page).screenshot({ path: path.join(OUT_DIR, 'fleet-others-off.png') });

    // The switch draws the others, in grey beneath: the spikes set the axis.
    await toggle.click();
    await settled(page);
    check(new URL(page.url()).searchParams.get('others') === '1', `the URL is ${page.url()}`);
    d = await drawn(page);
    check(d.groups.size === GROUPS, `others on: ${d.groups.size} groups drawn, want ${GROUPS}`);
    check(['spike-0', 'spike-1', 'spike-2'].every((g) => d.groups.has(g)), 'the spikes are not drawn');
    check(d.othersHighest >= 0.5, `the highest other point is at ${(100 * d.othersHighest).toFixed(0)}%`);
    // (what the default spares: the top groups squeezed under the spikes)
    check(d.topHighest < 0.2, `others on, the top groups still reach ${(100 * d.topHighest).toFixed(0)}%`);
    check(await chart(page).locator('.legend-others').getAttribute('aria-pressed') === 'true', 'the switch is not on');
    pass(`others on: ${GROUPS} groups drawn, the top ones down to ${(100 * d.topHighest).toFixed(0)}% of the height under the spikes`);
    await chart(page).screenshot({ path: path.join(OUT_DIR, 'fleet-others-on.png') });

    await page.reload();
    await settled(page);
    check((await drawn(page)).groups.size === GROUPS, 'after a reload the others are off');
    await page.goBack();
    await settled(page);
    d = await drawn(page);
    check(d.groups.size === TOP && !new URL(page.url()).searchParams.has('others'), `back: ${d.groups.size} groups drawn, ${page.url()}`);
    pass('others=1 kept across a reload; back switches them off');
  });
}

main();
