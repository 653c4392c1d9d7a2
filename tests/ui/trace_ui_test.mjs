// The trace page in a real browser (Debian's Chromium, headless, driven by
// playwright-core), over an archived trace of the Go 1.23 traceservice
// (tests/e2e/ui_trace_test.sh makes it): the timeline draws the P lanes,
// zooming narrows the visible range, a click on a slice shows its goroutine,
// a goroutine's lane is added (from the slice clicked and from its group's
// row), drawn under the P lanes, asked for again on zoom and removed, and the
// tasks table lists the service's task types.
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   TRACE_ID       the archived trace's ID (required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import {
  TIMEOUT_MS, check, expectReady, pass, requiredEnv as env, shot, withServerOnly,
} from './harness.mjs';

const BASE = env('CPROFILER_URL').replace(/\/$/, '');
const TRACE_ID = env('TRACE_ID');

const state = (page) => page.evaluate(() => window.cprofTrace());

await withServerOnly(BASE, async (page) => {
  // The analysis page of a trace links to the trace page.
  await page.goto(`${BASE}/api/pprof/ui/${TRACE_ID}/`);
  await expectReady(page, 'the analysis page of the trace');
  await page.getByRole('link', { name: 'Open the trace' }).click();
  await page.waitForURL(`**/api/trace/ui/${TRACE_ID}`, { timeout: TIMEOUT_MS });
  await expectReady(page, 'the trace page');
  pass('the analysis page of a trace opens the trace page');

  const before = await state(page);
  check(before.slices >= 10, `only ${before.slices} run slices drawn`);
  const lanes = new Set(before.hits.map((h) => h.y));
  check(lanes.size >= 2, `slices on ${lanes.size} P lane(s)`);
  await shot(page.locator('#timeline-card'), 'trace-timeline.png');
  pass(`the timeline draws ${before.slices} run slices on ${lanes.size} P lanes`);

  // Zoom in (W on the focused canvas, and the wheel): the range narrows,
  // and the server is asked again for the window.
  await page.locator('#timeline').focus();
  for (let i = 0; i < 6; i++) await page.keyboard.press('w');
  const box = await page.locator('#timeline').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 60);
  await page.mouse.wheel(0, -300);
  const spanBefore = before.range.end - before.range.start;
  await page.waitForFunction((span) => {
    const r = window.cprofTrace().range;
    return r.end - r.start < span * 0.4;
  }, spanBefore, { timeout: TIMEOUT_MS });
  const timelineAsked = page.waitForResponse((r) => r.url().includes('/timeline?start='), { timeout: TIMEOUT_MS });
  await timelineAsked.catch(() => {});
  const zoomed = await state(page);
  pass(`zooming narrowed the range from ${spanBefore} to ${zoomed.range.end - zoomed.range.start} ns`);

  // A click on the widest slice of a worker that blocks or yields with a
  // stack (not a coroutine's switch), ended inside the window, shows its
  // goroutine.
  const workers = ['main.spinner', 'main.taskRunner', 'main.mutexWaiter', 'main.allocator'];
  await page.waitForFunction((names) => {
    const t = window.cprofTrace();
    return t.hits.some((h) => names.includes(h.name) && h.end < t.range.end);
  }, workers, { timeout: TIMEOUT_MS });
  const { hits, range } = await state(page);
  const widest = hits.filter((h) => workers.includes(h.name) && h.end < range.end)
    .reduce((a, b) => (b.w > a.w ? b : a));
  await page.mouse.click(box.x + widest.x, box.y + widest.y);
  await page.waitForFunction((g) => window.cprofTrace().picked?.g === g, widest.g, { timeout: TIMEOUT_MS });
  const pickText = await page.locator('#timeline-pick').innerText();
  check(pickText.includes(`G${widest.g} `), `the pick says "${pickText}", not G${widest.g}`);
  await page.locator(`#group tr[data-goroutine="${widest.g}"]`).waitFor({ timeout: TIMEOUT_MS });
  // Its state changes in the window, with stacks: the one that ended the
  // slice open, showing a frame.
  await page.locator('#timeline-pick details.goroutine-event').first().waitFor({ timeout: TIMEOUT_MS });
  const opened = page.locator('#timeline-pick details.goroutine-event[open] pre');
  check(await opened.count() === 1, `${await opened.count()} open stacks, want the slice's end`);
  const frames = await opened.innerText();
  check(/:\d+/.test(frames), `the stack that ended the slice shows no frame: ${frames}`);
  await shot(page, 'trace-picked.png', { fullPage: true });
  pass(`a click on a slice shows its goroutine: ${pickText}`);

  // "show lane" adds the goroutine's lane: asked of the server, drawn under
  // the P lanes with its states, the slice clicked among them as running.
  const laneOf = (t, g) => t.lanes.find((l) => l.g === g);
  const asksLane = () => page.waitForResponse((r) => r.url().includes('/timeline?start=') &&
    r.url().includes(`goroutines=${widest.g}`), { timeout: TIMEOUT_MS });
  let asked = asksLane();
  await page.locator('#timeline-pick .show-lane').click();
  await asked;
  await page.waitForFunction((g) => window.cprofTrace().lanes.some((l) => l.g === g && l.spans > 0),
    widest.g, { timeout: TIMEOUT_MS });
  const withLane = await state(page);
  const lane = laneOf(withLane, widest.g);
  check(withLane.lanes.length === 1, `${withLane.lanes.length} goroutine lanes, want 1`);
  check(lane.y > Math.max(...withLane.hits.map((h) => h.y)), `the lane (y ${lane.y}) is not under the P lanes`);
  check(lane.name === widest.name, `the lane is of ${lane.name}, not ${widest.name}`);
  check(lane.states.includes('running'), `the lane's states ${lane.states} lack running`);
  check(await page.locator(`#timeline-lanes .lane-chip[data-goroutine="${widest.g}"]`).count() === 1,
    'no chip for the lane');
  await shot(page.locator('#timeline-card'), 'trace-goroutine-lane.png');
  pass(`"show lane" draws G${widest.g}'s lane: ${lane.spans} spans, ${lane.states.join(', ')}`);

  // Zoom out: the server is asked again for the window, with the lane.
  asked = asksLane();
  const spanWithLane = withLane.range.end - withLane.range.start;
  await page.locator('#timeline').focus();
  await page.keyboard.press('s');
  const reasked = await asked;
  check(reasked.ok(), `the timeline with the lane: HTTP ${reasked.status()}`);
  const body = await reasked.json();
  check(body.lanes.length === 1 && body.lanes[0].id === widest.g && body.lanes[0].spans.length > 0,
    `the zoomed window's lanes: ${JSON.stringify(body.lanes).slice(0, 200)}`);
  await page.waitForFunction((span) => {
    const r = window.cprofTrace().range;
    return r.end - r.start > span * 1.1;
  }, spanWithLane, { timeout: TIMEOUT_MS });
  check(laneOf(await state(page), widest.g)?.spans > 0, 'the lane is gone after the zoom');
  pass('zooming asks for the goroutine lane again');

  // Removed by its chip; added back from the group's row.
  await page.locator(`#timeline-lanes .lane-chip[data-goroutine="${widest.g}"]`).click();
  await page.waitForFunction(() => window.cprofTrace().lanes.length === 0, null, { timeout: TIMEOUT_MS });
  asked = asksLane();
  await page.locator(`#group tr[data-goroutine="${widest.g}"] .show-lane`).click();
  await asked;
  await page.waitForFunction((g) => window.cprofTrace().lanes.some((l) => l.g === g && l.spans > 0),
    widest.g, { timeout: TIMEOUT_MS });
  pass('a lane is removed by its chip and added from the group\'s row');

  // The tasks table lists the service's task and region types.
  for (const type of ['order', 'refund', 'lookup', 'charge']) {
    check(await page.locator(`#tasks tr[data-type="${type}"]`).count() === 1, `no ${type} in the tasks table`);
  }
  pass('the tasks table lists order, refund, lookup and charge');

  // The slowest "order" task opens in the timeline: the view is about it.
  const tasks = await page.evaluate(() => fetch(`${location.pathname.replace('/ui/', '/')}/tasks`).then((r) => r.json()));
  const order = tasks.tasks.find((t) => t.name === 'order');
  check(order.slowest.length > 0, 'no finished order task');
  const slow = order.slowest[0];
  await page.locator('#tasks tr[data-type="order"] .slowest button').first().click();
  await page.waitForFunction(({ start, end }) => {
    const r = window.cprofTrace().range;
    return r.start <= start && r.end >= end && r.end - r.start < (end - start) * 1.5;
  }, { start: slow.start_ns, end: slow.end_ns }, { timeout: TIMEOUT_MS });
  // The window's own slices, read again from the server, are drawn.
  await page.waitForFunction(() => window.cprofTrace().slices > 0, null, { timeout: TIMEOUT_MS });
  await shot(page.locator('#timeline-card'), 'trace-slowest-task.png');
  pass(`the slowest order task (${slow.end_ns - slow.start_ns} ns) opens in the timeline`);
});
