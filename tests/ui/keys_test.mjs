// The analysis page's keys and shareable state in a real browser (Debian's
// Chromium, headless, driven by playwright-core), over an archive of the
// fixture cpu.pb.gz (tests/e2e/ui_keys_test.sh makes it).
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   CPU_ID         the CPU profile's ID (required)
//   FROM, TO       the archive's day, RFC 3339 (required: the overview's range)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import path from 'node:path';
import {
  TIMEOUT_MS, check, expectReady as ready, pass, requiredEnv as env, withPage,
} from './harness.mjs';

const BASE = env('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = env('OUT_DIR');
const CPU_ID = env('CPU_ID');
const FROM = env('FROM');
const TO = env('TO');

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const flameState = (page) => page.evaluate(() => window.cprofFlameState());
const params = (page) => new URL(page.url()).searchParams;
const focused = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || '');

// The path down the flame tree's largest children to the first frame with
// a sibling: [names...], and that sibling's name.
function pathToSiblings(tree) {
  const path = [];
  let node = tree;
  while (node.c?.length) {
    if (node.c.length > 1 && path.length > 0) return { path: [...path, node.c[0].n], sibling: node.c[1].n };
    node = node.c[0];
    path.push(node.n);
  }
  return null;
}

async function main() {
  const profile = `${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu`;
  await withPage({ height: 1000, failure: 'keys-failure.png' }, async (page) => {
    await page.goto(profile);
    await ready(page);
    const tree = await page.evaluate(() => window.cprofAnalysis().flame);
    const walk = pathToSiblings(tree);
    check(walk, 'the flame tree has no frame with a sibling below the root');

    // "/" focuses the search; typing searches (in the URL); Esc clears it.
    await page.keyboard.press('/');
    check(await focused(page) === 'search', `"/" focused ${await focused(page)}`);
    await page.keyboard.type('sha256');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('search') === 'sha256', null, { timeout: TIMEOUT_MS });
    check((await page.locator('#match-info').innerText()).includes('frame'), 'the search matched nothing');
    await page.keyboard.press('Escape');
    check(await page.inputValue('#search') === '', 'Esc left the search');
    check(!params(page).has('search'), `after Esc the URL is ${page.url()}`);
    check(await focused(page) !== 'search', 'Esc left the focus in the search');
    pass('"/" focuses the search, its text goes to the URL, Esc clears it');

    // The arrows: the first one selects the root, down the largest child.
    await page.keyboard.press('ArrowDown');
    check(same((await flameState(page)).selected, []), `the first arrow selected ${JSON.stringify((await flameState(page)).selected)}`);
    for (let i = 0; i < walk.path.length; i++) await page.keyboard.press('ArrowDown');
    check(same((await flameState(page)).selected, walk.path), `down ${walk.path.length} times: ${JSON.stringify((await flameState(page)).selected)}, want ${JSON.stringify(walk.path)}`);
    check(await page.locator('#flame').getAttribute('data-selected') === walk.path.at(-1), 'the selected frame is not drawn');
    await page.keyboard.press('ArrowRight');
    const right = [...walk.path.slice(0, -1), walk.sibling];
    check(same((await flameState(page)).selected, right), `right: ${JSON.stringify((await flameState(page)).selected)}, want ${JSON.stringify(right)}`);
    await page.keyboard.press('ArrowLeft');
    check(same((await flameState(page)).selected, walk.path), 'left did not come back');
    await page.keyboard.press('ArrowUp');
    check(same((await flameState(page)).selected, walk.path.slice(0, -1)), 'up did not select the parent');
    // The selected frame is in the URL; a reload selects it again.
    check(same(params(page).getAll('frame'), walk.path.slice(0, -1)), `the URL does not name the selected frame: ${page.url()}`);
    await page.reload();
    await ready(page);
    check(same((await flameState(page)).selected, walk.path.slice(0, -1)), `after a reload the selection is ${JSON.stringify((await flameState(page)).selected)}`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    pass(`arrows: down the largest children to ${walk.path.at(-1)}, right to its sibling ${walk.sibling}, left back, up to the parent; the selection is in the URL and comes back from it`);

    // Enter zooms to the selected frame; the URL names it; a reload keeps it.
    await page.keyboard.press('ArrowRight');
    const zoomTo = (await flameState(page)).selected;
    await page.keyboard.press('Enter');
    let state = await flameState(page);
    check(same(state.zoomed, zoomTo) && same(state.zoom, zoomTo), `Enter zoomed to ${JSON.stringify(state.zoomed)}, want ${JSON.stringify(zoomTo)}`);
    check(same(params(page).getAll('zoom'), zoomTo), `the URL is ${page.url()}`);
    check(await page.isEnabled('#reset-zoom'), 'Reset zoom is disabled while zoomed');
    await page.locator('#flame-card').screenshot({ path: path.join(OUT_DIR, 'keys-zoomed.png') });
    const zoomedUrl = page.url();
    await page.reload();
    await ready(page);
    state = await flameState(page);
    check(same(state.zoomed, zoomTo), `after a reload the zoom is ${JSON.stringify(state.zoomed)}`);
    check(await page.isEnabled('#reset-zoom'), 'after a reload Reset zoom is disabled');
    check(page.url() === zoomedUrl, `the reload changed the URL to ${page.url()}`);
    pass(`Enter zooms to ${zoomTo.at(-1)}; the URL (${zoomTo.length} zoom names) reproduces it`);

    // Esc resets the zoom.
    await page.keyboard.press('Escape');
    state = await flameState(page);
    check(state.zoomed.length === 0 && !params(page).has('zoom') && !params(page).has('frame') && state.selected === null,
      `Esc left zoom ${JSON.stringify(state.zoomed)}, selection ${JSON.stringify(state.selected)}, ${page.url()}`);
    check(!await page.isEnabled('#reset-zoom'), 'Reset zoom is enabled after Esc');
    pass('Esc resets the zoom and the selection');

    // A top table row (its search) and a sort: in the URL, and back after a reload.
    const row = page.locator('#top tbody tr').nth(1);
    const name = await row.getAttribute('data-name');
    // (on its flat cell: the middle of a row may be one of its actions)
    await row.locator('td').first().click();
    await page.locator('#top thead th', { hasText: /^cum$/ }).click();
    check(params(page).get('sort') === 'cum.desc', `sorted by cum, the URL is ${page.url()}`);
    const search = params(page).get('search');
    check(search && search.startsWith('^') && search.endsWith('$'), `the row's search in the URL is ${search}`);
    await page.reload();
    await ready(page);
    check(await page.inputValue('#search') === search, 'after a reload the search is gone');
    check(await page.locator('#top tbody tr.selected').getAttribute('data-name') === name, 'after a reload the row is not selected');
    check(await page.locator('#top thead th[aria-sort="descending"]').innerText() === 'cum', 'after a reload the table is not sorted by cum');
    check((await page.locator('#match-info').innerText()).includes('frame'), 'after a reload the search highlights nothing');
    pass(`a row's search (${name}) and the sort by cum are in the URL and come back from it`);
    await page.keyboard.press('Escape');
    check(!params(page).has('search') && params(page).get('sort') === 'cum.desc', `Esc: ${page.url()}`);

    // Esc in a filter input only leaves it; with nothing to reset, Esc closes the sandwich.
    await page.goto(`${profile}&sandwich=${encodeURIComponent(name)}`);
    await ready(page);
    check(await page.locator('#sandwich-card').isVisible(), 'no sandwich card');
    await page.locator('#focus').click();
    await page.keyboard.press('Escape');
    check(await page.locator('#sandwich-card').isVisible() && await focused(page) !== 'focus', 'Esc in the focus input closed the sandwich or kept the focus');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !new URL(location.href).searchParams.has('sandwich'), null, { timeout: TIMEOUT_MS });
    await ready(page);
    check(await page.locator('#sandwich-card').isHidden(), 'Esc did not close the sandwich');
    pass('Esc in a filter input leaves it; then Esc closes the sandwich (URL too)');

    // The overview: "/" focuses the legend's box to find a group.
    await page.goto(`${BASE}/?st=profile_cpu&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`);
    await ready(page);
    await page.keyboard.press('/');
    check((await focused(page)).includes('legend-find'), `on the overview "/" focused ${await focused(page)}`);
    pass('overview: "/" focuses the box to find a group');
  });
}

main();
