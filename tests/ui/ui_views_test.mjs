// The analysis page's Labels (with its "Group by": tagroot) and Sandwich
// views in a real browser (Debian's
// Chromium, headless, driven by playwright-core), every request to another
// origin than the server's refused and counted as a failure.
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   CPU_ID         a CPU profile of the workload run with -labels (required)
//   HEAP_ID        a heap profile of the same (required)
//   SANDWICH_FUNC  a function of the CPU profile with callers and callees
//                  (runtime.mallocgc)
//   TAGS_TEXT      `cprofiler top --format tags` of the CPU profile (go tool
//                  pprof -tags; required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import path from 'node:path';
import { check, expectReady, navigated, pass, requiredEnv, shot, withServerOnly } from './harness.mjs';

const BASE = requiredEnv('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = requiredEnv('OUT_DIR');
const CPU_ID = requiredEnv('CPU_ID');
const HEAP_ID = requiredEnv('HEAP_ID');
const SANDWICH_FUNC = process.env.SANDWICH_FUNC || 'runtime.mallocgc';
const TAGS_TEXT = requiredEnv('TAGS_TEXT');
const ENDPOINTS = ['/api/users', '/api/orders', '/api/health'];

// The Labels card's values of `key`: [{name, amount, share}] in its order.
function labelValues(page, key) {
  return page.locator(`.label-key[data-key="${key}"] .label-value`).evaluateAll((buttons) => buttons.map((b) => ({
    name: b.dataset.value,
    amount: b.querySelector('.amount').textContent,
    share: b.querySelector('.share').textContent,
  })));
}

async function labels(page) {
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu`);
  await expectReady(page, 'the CPU profile');
  check(await page.locator('#labels-card').isVisible(), 'no Labels card');
  const values = await labelValues(page, 'endpoint');
  const names = values.map((v) => v.name);
  for (const ep of ENDPOINTS) check(names.includes(ep), `the Labels card lists endpoint values ${names.join(', ')}: no ${ep}`);
  // Each line as pprof -tags prints it: "AMOUNT (SHARE): VALUE", in its order.
  const pprofLines = TAGS_TEXT.split('\n').map((l) => l.trim().replace(/\(\s+/, '('));
  const endpointLines = pprofLines.filter((l) => ENDPOINTS.some((ep) => l.endsWith(`: ${ep}`)));
  const shown = values.filter((v) => ENDPOINTS.includes(v.name)).map((v) => `${v.amount} (${v.share}): ${v.name}`);
  check(JSON.stringify(shown) === JSON.stringify(endpointLines),
    `the Labels card shows ${JSON.stringify(shown)}, pprof -tags prints ${JSON.stringify(endpointLines)}`);
  pass(`the Labels card lists the endpoints as pprof -tags does: ${shown.join(' · ')}`);
  await shot(page.locator('#labels-card'), 'analysis-labels.png');

  // A click focuses on a value (tagfocus in the URL), the totals follow.
  const total = (await page.evaluate(() => window.cprofAnalysis())).flame.v;
  let before = page.url();
  await page.locator('.label-key[data-key="endpoint"] .label-value[data-value="/api/users"]').click();
  await navigated(page, before, 'tagfocus');
  const focused = new URL(page.url()).searchParams.get('tagfocus');
  check(focused === 'endpoint=^/api/users$', `a click on /api/users set tagfocus=${focused}`);
  let analysis = await page.evaluate(() => window.cprofAnalysis());
  check(analysis.flame.v > 0 && analysis.flame.v < total, `tagfocus on /api/users: ${analysis.flame.v} of ${total}`);
  check(JSON.stringify((await labelValues(page, 'endpoint')).map((v) => v.name)) === '["/api/users"]',
    'under tagfocus the Labels card lists another endpoint than /api/users');
  check(analysis.top.active_filters.some((f) => f.startsWith('tagfocus=')), 'the top table does not name the tagfocus filter');
  check(await page.locator('.tag-filter[data-filter="tagfocus"]').isVisible(), 'no chip for the tagfocus filter');
  pass(`a click on /api/users focuses on it (${analysis.flame.v} of ${total})`);
  await page.screenshot({ path: path.join(OUT_DIR, 'analysis-labels-focused.png'), fullPage: true });

  // Its chip removes it; Alt+click ignores a value.
  before = page.url();
  await page.locator('.tag-filter[data-filter="tagfocus"]').click();
  await navigated(page, before, 'tagfocus removed');
  check(!new URL(page.url()).searchParams.has('tagfocus'), 'the chip did not remove tagfocus');
  before = page.url();
  await page.locator('.label-key[data-key="endpoint"] .label-value[data-value="/api/health"]').click({ modifiers: ['Alt'] });
  await navigated(page, before, 'tagignore');
  check(new URL(page.url()).searchParams.get('tagignore') === 'endpoint=^/api/health$', `Alt+click set ${page.url()}`);
  const left = (await labelValues(page, 'endpoint')).map((v) => v.name);
  check(!left.includes('/api/health') && left.includes('/api/users'), `under tagignore of /api/health: ${left.join(', ')}`);
  pass('the filter chip removes tagfocus; Alt+click ignores /api/health');
}

// "Group by" endpoint (tagroot): the flame graph's roots are the endpoint
// values, each at the amount the Labels card gives it (the samples without
// the label under <unknown>); the top table has a row per value; the URL,
// the pprof command and a reload keep it.
async function groupBy(page) {
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu`);
  await expectReady(page, 'the CPU profile');
  const options = await page.locator('#tagroot option').evaluateAll((os) => os.map((o) => o.value));
  check(options[0] === '' && options.includes('endpoint'), `the Group by options are ${options}`);
  const before = page.url();
  await page.selectOption('#tagroot', 'endpoint');
  await navigated(page, before, 'group by endpoint');
  check(new URL(page.url()).searchParams.get('tagroot') === 'endpoint', `the URL is ${page.url()}`);
  const grouped = async (what) => {
    const analysis = await page.evaluate(() => window.cprofAnalysis());
    const roots = (analysis.flame.c ?? []).map((c) => ({ name: c.n, value: c.v }));
    const amounts = new Map(analysis.tags.keys.find((k) => k.key === 'endpoint').values.map((v) => [v.name, v.value]));
    for (const ep of ENDPOINTS) {
      const root = roots.find((r) => r.name === ep);
      check(root, `${what}: no root frame ${ep} among ${roots.map((r) => r.name).join(', ')}`);
      check(root.value === amounts.get(ep), `${what}: the root ${ep} is ${root.value}, its label's amount ${amounts.get(ep)}`);
    }
    check(roots.every((r) => amounts.has(r.name) || r.name === '<unknown>'), `${what}: a root is no endpoint: ${roots.map((r) => r.name)}`);
    const labelled = [...amounts.values()].reduce((a, b) => a + b, 0);
    const unknown = roots.find((r) => r.name === '<unknown>')?.value ?? 0;
    check(labelled + unknown === analysis.flame.v, `${what}: the roots sum to ${labelled + unknown}, the total is ${analysis.flame.v}`);
    const rows = analysis.top.rows.map((r) => r.name);
    check(ENDPOINTS.every((ep) => rows.includes(ep)), `${what}: the top table has no row per endpoint`);
    const drawn = await page.evaluate(() => window.cprofFlameNames());
    check(ENDPOINTS.every((ep) => drawn.includes(ep)), `${what}: the flame graph draws ${drawn.slice(0, 8)}…, not every endpoint`);
    check(await page.inputValue('#tagroot') === 'endpoint', `${what}: Group by shows ${await page.inputValue('#tagroot')}`);
    check((await page.inputValue('#command')).includes("-tagroot='endpoint'"), `${what}: the pprof command is ${await page.inputValue('#command')}`);
    return roots;
  };
  const roots = await grouped('grouped');
  pass(`grouped by endpoint, the flame graph's roots are ${roots.map((r) => `${r.name} ${r.value}`).join(', ')}`);
  await shot(page.locator('#flame-card'), 'analysis-group-by.png');
  await page.reload();
  await expectReady(page, 'group by endpoint, reloaded');
  await grouped('reloaded');
  const back = page.url();
  await page.selectOption('#tagroot', '');
  await navigated(page, back, 'group by none');
  check(!new URL(page.url()).searchParams.has('tagroot'), `ungrouped, the URL is ${page.url()}`);
  const plain = (await page.evaluate(() => window.cprofAnalysis())).flame.c.map((c) => c.n);
  check(!plain.some((n) => ENDPOINTS.includes(n)), `ungrouped, the roots are still endpoints: ${plain}`);
  pass('tagroot=endpoint comes back from the URL; "none" ungroups');
}

async function sandwich(page) {
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu`);
  await expectReady(page, 'the CPU profile');
  check(await page.locator('#sandwich-card').isHidden(), 'a Sandwich card before any was asked for');
  // A top table row's Sandwich action: the first row's function.
  const first = (await page.evaluate(() => window.cprofAnalysis())).top.rows[0];
  const row = page.locator('#top tbody tr').first();
  await row.hover();
  let before = page.url();
  await row.locator('.row-action[data-action="sandwich"]').click();
  await navigated(page, before, 'sandwich');
  check(new URL(page.url()).searchParams.get('sandwich') === first.name, `the Sandwich action of ${first.name} opened ${page.url()}`);
  check(await page.locator('#sandwich-card').isVisible(), 'no Sandwich card');
  const joined = (await page.evaluate(() => window.cprofAnalysis())).sandwich;
  check(joined.function === first.name && joined.cum === first.cum && joined.callers.v === first.cum && joined.callees.v === first.cum,
    `the sandwich's join is not ${first.name}'s cum ${first.cum}: ${joined.function} ${joined.cum} ${joined.callers.v} ${joined.callees.v}`);
  pass(`a top table row's Sandwich action opens ${first.name}'s, at its cum ${joined.cum_formatted}`);

  // SANDWICH_FUNC's, from the URL (the top table may have dropped its row:
  // pprof's node fraction).
  const url = new URL(page.url());
  url.searchParams.set('sandwich', SANDWICH_FUNC);
  await page.goto(url.href);
  await expectReady(page, `the sandwich of ${SANDWICH_FUNC}`);
  const analysis = await page.evaluate(() => window.cprofAnalysis());
  const s = analysis.sandwich;
  const cum = analysis.top.rows.find((r) => r.name === SANDWICH_FUNC)?.cum ?? s.cum;
  check(s.function === SANDWICH_FUNC && s.cum > 0 && s.cum === cum && s.callers.v === cum && s.callees.v === cum,
    `the sandwich's join is not ${SANDWICH_FUNC}'s cum ${cum}: ${s.function} ${s.cum} ${s.callers.v} ${s.callees.v}`);
  const drawn = await page.evaluate(() => window.cprofSandwichNames());
  const callers = drawn.callers.filter((n) => n !== SANDWICH_FUNC);
  const callees = drawn.callees.filter((n) => n !== SANDWICH_FUNC);
  check(drawn.callers.includes(SANDWICH_FUNC) && drawn.callees.includes(SANDWICH_FUNC), 'the function is not drawn at the join');
  check(callers.length > 0, `no callers drawn for ${SANDWICH_FUNC}`);
  check(!s.callees.c || callees.length > 0, `no callees drawn for ${SANDWICH_FUNC}, which has some`);
  // Inverted: the callers' root is on the canvas's last row.
  const heights = await page.evaluate(() => ['sandwich-callers', 'sandwich-callees'].map((id) => document.getElementById(id).clientHeight));
  check(heights.every((h) => h > 0), `a sandwich canvas is empty: ${heights}`);
  pass(`the sandwich of ${SANDWICH_FUNC} (cum ${s.cum_formatted}): callers ${callers.slice(0, 4).join(', ')}…; callees ${callees.slice(0, 4).join(', ') || '(none)'}`);
  await shot(page.locator('#sandwich-card'), 'analysis-sandwich.png');

  // The state is the URL: reloaded with a tag filter too, both hold.
  url.searchParams.set('tagfocus', 'endpoint=^/api/orders$');
  await page.goto(url.href);
  await expectReady(page, 'sandwich and tagfocus from the URL');
  const narrowed = (await page.evaluate(() => window.cprofAnalysis())).sandwich;
  check(await page.locator('#sandwich-card').isVisible() && narrowed.function === SANDWICH_FUNC, 'a reload lost the sandwich');
  check(narrowed.cum < s.cum, `tagfocus did not narrow the sandwich: ${narrowed.cum} of ${s.cum}`);
  pass('sandwich=FUNC and tagfocus in the URL come back on a reload');

  // Close; then pick a frame of the flame graph for its sandwich.
  before = page.url();
  await page.click('#sandwich-close');
  await navigated(page, before, 'sandwich closed');
  check(!new URL(page.url()).searchParams.has('sandwich') && await page.locator('#sandwich-card').isHidden(), 'Close left the sandwich');
  const box = await page.locator('#flame').boundingBox();
  await page.mouse.click(box.x + 5, box.y + 18 + 9); // the root's first child, in the second row
  const pick = page.locator('#sandwich-pick');
  check(await pick.isVisible(), 'a click on a frame offers no sandwich');
  const picked = await pick.getAttribute('data-name');
  before = page.url();
  await pick.click();
  await navigated(page, before, 'sandwich of a frame');
  check(new URL(page.url()).searchParams.get('sandwich') === picked, `the frame's sandwich opened ${page.url()}, not ${picked}`);
  check((await page.evaluate(() => window.cprofAnalysis())).sandwich.cum > 0, `the sandwich of ${picked} is empty`);
  pass(`a click on the frame ${picked} offers its sandwich`);

  // A heap profile: a sandwich of its first function draws too.
  await page.goto(`${BASE}/api/pprof/ui/${HEAP_ID}/?si=alloc_space`);
  await expectReady(page, 'the heap profile');
  const top = (await page.evaluate(() => window.cprofAnalysis())).top.rows[0];
  await page.goto(`${BASE}/api/pprof/ui/${HEAP_ID}/?si=alloc_space&sandwich=${encodeURIComponent(top.name)}`);
  await expectReady(page, 'the heap sandwich');
  const heap = await page.evaluate(() => ({ s: window.cprofAnalysis().sandwich, drawn: window.cprofSandwichNames() }));
  check(heap.s.cum === top.cum && heap.s.callers.v === top.cum && heap.s.callees.v === top.cum,
    `the heap sandwich of ${top.name}: cum ${heap.s.cum}, not ${top.cum}`);
  // (a goroutine's function has no callers: `go f()`)
  for (const side of ['callers', 'callees']) {
    check(!heap.s[side].c || heap.drawn[side].length > 1, `the heap sandwich of ${top.name} draws no ${side}: ${heap.drawn[side]}`);
  }
  pass(`the heap profile's sandwich of ${top.name} draws at its cum ${heap.s.cum_formatted}`);
}

await withServerOnly(BASE, async (page, context) => {
  await labels(page);
  await groupBy(page);
  await sandwich(page);
});
