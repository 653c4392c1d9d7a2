// The analysis page's source panel and Peek card in a real browser (Debian's
// Chromium, headless, driven by playwright-core), every request to another
// origin than the server's refused and counted as a failure; with them the
// keys' zoom and Esc and the call graph view, where they meet.
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve --source-path`
//                  whose source path holds the workload's main.go (required)
//   OUT_DIR        where the screenshots go (required)
//   CPU_ID         a CPU profile of the workload (required)
//   PEEK_FUNC      a function with callers and callees (crypto/sha256.Sum256)
//   PEEK_TEXT      `go tool pprof -peek ^PEEK_FUNC$` of the profile (required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import path from 'node:path';
import { check, expectReady, navigated, pass, requiredEnv, shot, TIMEOUT_MS, withServerOnly } from './harness.mjs';

const BASE = requiredEnv('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = requiredEnv('OUT_DIR');
const CPU_ID = requiredEnv('CPU_ID');
const PEEK_FUNC = process.env.PEEK_FUNC || 'crypto/sha256.Sum256';
const PEEK_TEXT = requiredEnv('PEEK_TEXT');
const SOURCE_FUNC = 'main.workloadCPU';

// The source panel's rows: [{n, flat, cum, text}].
function sourceRows(page) {
  return page.locator('#source-body table.source tbody tr').evaluateAll((rows) => rows.map((tr) => ({
    n: Number(tr.dataset.line),
    flat: tr.children[1].textContent,
    cum: tr.children[2].textContent,
    text: tr.children[3].textContent,
    hot: tr.classList.contains('hot'),
  })));
}

async function source(page) {
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu`);
  await expectReady(page, 'the CPU profile');
  check(await page.locator('#source-card').isHidden(), 'a source panel before any frame was clicked');
  const box = await page.evaluate((name) => window.cprofFrameBox(name), SOURCE_FUNC);
  check(box && box.w > 4, `no frame of ${SOURCE_FUNC} wide enough to click: ${JSON.stringify(box)}`);
  const canvas = await page.locator('#flame').boundingBox();
  const before = page.url();
  await page.mouse.click(canvas.x + box.x + box.w / 2, canvas.y + box.y + box.h / 2);
  await page.waitForFunction((url) => location.href !== url, before, { timeout: TIMEOUT_MS });
  check(new URL(page.url()).searchParams.get('source') === SOURCE_FUNC, `the click on ${SOURCE_FUNC} made ${page.url()}`);
  await page.waitForFunction(() => document.querySelectorAll('#source-body table.source tbody tr').length > 0, null, { timeout: TIMEOUT_MS });
  check(await page.locator('#source-card').isVisible(), 'no source panel after a click on a frame');
  check(await page.locator('main').evaluate((m) => m.classList.contains('with-source')), 'the panel is not beside the flame graph');
  // Beside: the panel's left edge right of the flame graph's, on its rows.
  const flameCard = await page.locator('#flame-card').boundingBox();
  const sourceCard = await page.locator('#source-card').boundingBox();
  check(sourceCard.x >= flameCard.x + flameCard.width - 1 && Math.abs(sourceCard.y - flameCard.y) < 2,
    `the source panel is not beside the flame graph: ${JSON.stringify({ flameCard, sourceCard })}`);
  // The flame graph kept its zoom on the clicked frame, selected it, and
  // the URL names it (zoom=, the frame's path).
  check(!(await page.locator('#reset-zoom').isDisabled()), 'the click did not zoom (or the page reloaded)');
  const clicked = await page.evaluate(() => window.cprofFlameState());
  check(clicked.zoomed.at(-1) === SOURCE_FUNC && clicked.selected?.at(-1) === SOURCE_FUNC,
    `the click zoomed to ${JSON.stringify(clicked.zoomed)}, selected ${JSON.stringify(clicked.selected)}`);
  check(JSON.stringify(new URL(page.url()).searchParams.getAll('zoom')) === JSON.stringify(clicked.zoomed), `the URL's zoom is not the click's: ${page.url()}`);
  // The lines are the API's list, with values on the hot ones.
  const rows = await sourceRows(page);
  const want = await page.evaluate(async ({ id, name }) => {
    const r = await fetch(`/api/analysis?id=${id}&si=cpu&maxnodes=1&source=${encodeURIComponent(name)}`);
    return (await r.json()).list.functions[0].files[0];
  }, { id: CPU_ID, name: SOURCE_FUNC });
  check(want.error === '', `the server did not read ${SOURCE_FUNC}'s source: ${want.error}`);
  check(rows.length === want.lines.length, `the panel shows ${rows.length} lines, the API lists ${want.lines.length}`);
  rows.forEach((row, i) => {
    const line = want.lines[i];
    check(row.n === line.n && row.flat === line.flat_formatted && row.cum === line.cum_formatted && row.text === line.text,
      `line ${i}: the panel shows ${JSON.stringify(row)}, the API ${JSON.stringify(line)}`);
    check(row.hot === (line.flat !== 0 || line.cum !== 0), `line ${row.n}: hot ${row.hot}, values ${line.flat}/${line.cum}`);
  });
  check(rows.some((r) => r.text.includes('func workloadCPU()')), 'the panel does not show func workloadCPU()');
  const hot = rows.filter((r) => r.hot);
  check(hot.length > 0 && hot.some((r) => r.text.includes('sha256.Sum256(buf)')), `no hot line calls Sum256: ${JSON.stringify(hot)}`);
  pass(`a click on the ${SOURCE_FUNC} frame shows its ${rows.length} lines beside the flame graph, ${hot.length} hot: ${hot.map((r) => `${r.n}: ${r.cum}`).join(', ')}`);
  // The flame graph and the panel beside it.
  const shotFile = path.join(OUT_DIR, 'analysis-source.png');
  const bottom = Math.max(flameCard.y + flameCard.height, sourceCard.y + Math.min(sourceCard.height, 640));
  const scrollY = await page.evaluate(() => window.scrollY);
  await page.screenshot({
    path: shotFile,
    fullPage: true,
    clip: { x: flameCard.x, y: flameCard.y + scrollY, width: sourceCard.x + sourceCard.width - flameCard.x, height: bottom - flameCard.y },
  });
  console.log(`screenshot: ${shotFile}`);

  // The state is the URL: a reload shows the panel again, zoomed as it was
  // (the zoom restored is no click: the URL and the history stay).
  const zoomedUrl = page.url();
  const entries = await page.evaluate(() => history.length);
  await page.reload();
  await expectReady(page, 'source from the URL');
  check(await page.locator('#source-card').isVisible(), 'a reload lost the source panel');
  check((await sourceRows(page)).length === rows.length, 'a reload shows other lines');
  check(JSON.stringify((await page.evaluate(() => window.cprofFlameState())).zoomed) === JSON.stringify(clicked.zoomed), 'a reload lost the zoom');
  check(page.url() === zoomedUrl && await page.evaluate(() => history.length) === entries, `the reload changed the URL or the history: ${page.url()}`);
  pass('source=FUNC and the zoom in the URL come back on a reload');

  // Esc: the zoom (and the selection) first, then the source panel.
  await page.keyboard.press('Escape');
  check((await page.evaluate(() => window.cprofFlameState())).zoomed.length === 0, 'the first Esc did not reset the zoom');
  check(await page.locator('#source-card').isVisible(), 'the first Esc closed the source panel before the zoom');
  await page.keyboard.press('Escape');
  check(await page.locator('#source-card').isHidden() && !new URL(page.url()).searchParams.has('source'), `the second Esc left the panel: ${page.url()}`);
  check(await page.locator('#flame-card').isVisible() && !(await page.locator('main').evaluate((m) => m.classList.contains('with-source'))), 'the flame graph is not back across the page');
  pass('Esc resets the zoom, then closes the source panel');

  // In the call graph view (no flame graph): a row's Source action opens
  // the panel beside the call graph; Close closes it.
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu&view=graph`);
  await expectReady(page, 'the call graph');
  check(await page.locator('#graph-card').isVisible() && await page.locator('#flame-card').isHidden(), 'view=graph shows no call graph');
  const row = page.locator(`#top tbody tr[data-name="${SOURCE_FUNC}"]`);
  check(await row.count() === 1, `no top table row for ${SOURCE_FUNC}`);
  await row.hover();
  await row.locator('.row-action[data-action="source"]').click();
  await page.waitForFunction(() => document.querySelectorAll('#source-body table.source tbody tr').length > 0, null, { timeout: TIMEOUT_MS });
  const params = new URL(page.url()).searchParams;
  check(params.get('source') === SOURCE_FUNC && params.get('view') === 'graph', `the Source action made ${page.url()}`);
  check((await sourceRows(page)).length === rows.length, 'the Source action shows other lines than the click');
  const graphCard = await page.locator('#graph-card').boundingBox();
  const besideGraph = await page.locator('#source-card').boundingBox();
  check(besideGraph.x >= graphCard.x + graphCard.width - 1 && Math.abs(besideGraph.y - graphCard.y) < 2,
    `the source panel is not beside the call graph: ${JSON.stringify({ graphCard, besideGraph })}`);
  pass("in the call graph view a row's Source action opens the panel beside the call graph");

  // Close; and there Esc closes the panel too.
  await page.click('#source-close');
  check(await page.locator('#source-card').isHidden() && !new URL(page.url()).searchParams.has('source'), 'Close left the panel');
  await row.hover();
  await row.locator('.row-action[data-action="source"]').click();
  await page.locator('#source-card').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  await page.locator('#graph').hover();
  await page.keyboard.press('Escape');
  check(await page.locator('#source-card').isHidden() && new URL(page.url()).searchParams.get('view') === 'graph', `Esc in the call graph view: ${page.url()}`);
  pass('Close closes the source panel; in the call graph view Esc does');
}

async function peek(page) {
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu`);
  await expectReady(page, 'the CPU profile');
  check(await page.locator('#peek-card').isHidden(), 'a Peek card before any was asked for');
  const row = page.locator(`#top tbody tr[data-name="${PEEK_FUNC}"]`);
  check(await row.count() === 1, `no top table row for ${PEEK_FUNC}`);
  await row.hover();
  let before = page.url();
  await row.locator('.row-action[data-action="peek"]').click();
  await navigated(page, before, 'peek');
  const re = new URL(page.url()).searchParams.get('peek');
  check(re === `^${PEEK_FUNC.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, `the Peek action of ${PEEK_FUNC} opened peek=${re}`);
  check(await page.locator('#peek-card').isVisible(), 'no Peek card');
  // The card's text is pprof's; each row is a line of it.
  const text = await page.locator('#peek-text').textContent();
  check(text.replace(/\n+$/, '') === PEEK_TEXT.replace(/\n+$/, ''), `the Peek card's text is not go tool pprof -peek's:\n${text}\n---\n${PEEK_TEXT}`);
  const table = await page.locator('#peek-table tbody.entry tr').evaluateAll((trs) => trs.map((tr) => ({
    kind: tr.className, cells: [...tr.children].map((td) => td.firstChild?.textContent ?? ''),
  })));
  const pprofLines = PEEK_TEXT.split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
  const callers = table.filter((r) => r.kind === 'caller');
  const callees = table.filter((r) => r.kind === 'callee');
  check(callers.length > 0 && callees.length > 0, `the Peek card shows ${callers.length} callers, ${callees.length} callees`);
  for (const r of [...callers, ...callees]) {
    const line = `${r.cells[5]} ${r.cells[6]} | ${r.cells[7]}`;
    check(pprofLines.includes(line), `the Peek card row "${line}" is no line of pprof's peek`);
  }
  const node = table.find((r) => r.kind === 'node');
  check(node && node.cells[7] === PEEK_FUNC, `the Peek card's function row: ${JSON.stringify(node)}`);
  check(pprofLines.includes(`${node.cells.slice(0, 5).join(' ')} | ${PEEK_FUNC}`), `the function row ${node.cells.join(' ')} is not pprof's`);
  pass(`a row's Peek action shows ${PEEK_FUNC}'s ${callers.length} callers and ${callees.length} callees as go tool pprof -peek: ${callers.map((r) => r.cells[7]).join(', ')}`);
  await shot(page.locator('#peek-card'), 'analysis-peek.png');

  // A caller's name peeks at it.
  const caller = callers[0].cells[7];
  before = page.url();
  await page.locator('#peek-table tr.caller td.name a').first().click();
  await navigated(page, before, `peek at ${caller}`);
  const peeked = (await page.evaluate(() => window.cprofAnalysis())).peek;
  check(peeked.entries.length === 1 && peeked.entries[0].name === caller, `a click on ${caller} peeked at ${peeked.entries.map((e) => e.name)}`);
  check(peeked.entries[0].callees.some((e) => e.name === PEEK_FUNC), `${caller}'s peek has no callee ${PEEK_FUNC}`);
  pass(`a click on the caller ${caller} peeks at it (${PEEK_FUNC} among its callees)`);

  // From the source panel: its Peek button; both in the URL.
  const url = new URL(page.url());
  url.searchParams.delete('peek');
  url.searchParams.set('source', SOURCE_FUNC);
  await page.goto(url.href);
  await expectReady(page, 'source from the URL');
  check(await page.locator('#source-card').isVisible() && await page.locator('#peek-card').isHidden(), 'source= did not open the panel alone');
  before = page.url();
  await page.click('#source-peek');
  await navigated(page, before, 'peek from the source panel');
  const both = new URL(page.url()).searchParams;
  check(both.get('source') === SOURCE_FUNC && both.get('peek') === '^main\\.workloadCPU$', `the source panel's Peek made ${page.url()}`);
  check(await page.locator('#peek-card').isVisible() && await page.locator('#source-card').isVisible(), 'not both the Peek card and the source panel');
  const mine = (await page.evaluate(() => window.cprofAnalysis())).peek.entries[0];
  check(mine.name === SOURCE_FUNC && mine.callees.some((e) => e.name === PEEK_FUNC), `the peek of ${SOURCE_FUNC}: ${JSON.stringify(mine).slice(0, 300)}`);
  pass(`the source panel's Peek button peeks at ${SOURCE_FUNC}; peek= and source= both come back from the URL`);
  before = page.url();
  await page.click('#peek-close');
  await navigated(page, before, 'peek closed');
  check(await page.locator('#peek-card').isHidden() && !new URL(page.url()).searchParams.has('peek'), 'Close left the Peek card');
}

await withServerOnly(BASE, async (page, context) => {
  await source(page);
  await peek(page);
});
