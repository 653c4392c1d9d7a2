// The analysis page's call graph in a real browser (Debian's Chromium,
// headless, driven by playwright-core), every request to another origin
// than the server's refused and counted as a failure.
//
// Environment:
//   CPROFILER_URL  base URL of a running `cprofiler serve` (required)
//   OUT_DIR        where the screenshots go (required)
//   CPU_ID         a CPU profile of the workload (required)
//   BIG_ID         a large heap profile (required): its graph must draw in
//                  under MAX_DRAW_MS once its data arrived
//   CPU_DOT        `cprofiler top --format dot` of the CPU profile (go tool
//                  pprof -dot; required)
//   CPU_DOT_12     the same with --nodecount 12 (required)
//   CHROMIUM       the browser (default /usr/bin/chromium)
// Exits 0 when every check passes, 1 with "FAIL: ..." if not.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { check, expectReady, navigated, pass, requiredEnv, withServerOnly } from './harness.mjs';

const BASE = requiredEnv('CPROFILER_URL').replace(/\/$/, '');
const OUT_DIR = requiredEnv('OUT_DIR');
const CPU_ID = requiredEnv('CPU_ID');
const BIG_ID = requiredEnv('BIG_ID');
const CPU_DOT = readFileSync(requiredEnv('CPU_DOT'), 'utf8');
const CPU_DOT_12 = readFileSync(requiredEnv('CPU_DOT_12'), 'utf8');
const BIG_TIMEOUT_MS = 120000;
const MAX_DRAW_MS = 1000;

// The nodes (names, in order: from each box's tooltip "NAME (CUM)") and the
// edges ("from->to" by node id, in order) of a dot text; tag boxes left out.
function parseDot(text) {
  const nodes = [];
  const edges = [];
  for (const line of text.split('\n')) {
    let m = /^N(\d+) \[label=".*" id="node\1" fontsize=\d+ shape=box tooltip="(.*) \([^()]*\)" color=/.exec(line);
    if (m) {
      nodes.push(m[2].replaceAll('\\"', '"').replaceAll('\\\\', '\\'));
      continue;
    }
    m = /^N(\d+) -> N(\d+) \[/.exec(line);
    if (m) edges.push(`${m[1]}->${m[2]}`);
  }
  return { nodes, edges };
}

// What the page drew: node names in order, edges by node id, and the boxes.
function drawn(page) {
  return page.evaluate(() => {
    const a = window.cprofAnalysis();
    const svg = document.querySelector('#graph svg');
    const rects = [...svg.querySelectorAll('.cg-node rect')].map((r) => r.getBBox()).map((b) => [b.x, b.y, b.width, b.height]);
    const paths = [...svg.querySelectorAll('.cg-edge .cg-line')].map((p) => p.getAttribute('d'));
    return {
      names: window.cprofGraphNames(),
      edges: a.graph.edges.map((e) => `${e.from}->${e.to}`),
      drawnEdges: svg.querySelectorAll('.cg-edge').length,
      arrows: svg.querySelectorAll('.cg-edge .cg-arrow').length,
      paths,
      rects,
      total: a.flame.v,
      timing: window.cprofGraphTiming(),
    };
  });
}

// No two boxes overlap.
function overlapping(rects) {
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const [ax, ay, aw, ah] = rects[i];
      const [bx, by, bw, bh] = rects[j];
      if (ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah) return [i, j];
    }
  }
  return null;
}

async function graphOfCpu(page) {
  const want = parseDot(CPU_DOT);
  check(want.nodes.length >= 20, `the dot text has ${want.nodes.length} nodes`);
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu&view=graph`);
  await expectReady(page, 'the CPU profile as a graph');
  check(await page.locator('#graph-card').isVisible(), 'no Call graph card');
  check(await page.locator('#flame-card').isHidden(), 'the flame graph shows beside the call graph');
  check(await page.locator('#view-tabs button[data-view="graph"].active').isVisible(), 'the Call graph tab is not the active one');
  const d = await drawn(page);
  check(JSON.stringify(d.names) === JSON.stringify(want.nodes),
    `the graph draws ${d.names.length} nodes ${JSON.stringify(d.names.slice(0, 5))}…, go tool pprof -dot ${want.nodes.length} ${JSON.stringify(want.nodes.slice(0, 5))}…`);
  check(JSON.stringify(d.edges) === JSON.stringify(want.edges), `the graph's edges ${d.edges.join(' ')} are not dot's ${want.edges.join(' ')}`);
  check(d.drawnEdges === want.edges.length && d.arrows === want.edges.length, `${d.drawnEdges} edges and ${d.arrows} arrowheads drawn for ${want.edges.length}`);
  check(d.paths.every((p) => /^M[-\d.]+,[-\d.]+ [CL]/.test(p)), 'an edge without a path');
  check(d.rects.length === want.nodes.length && d.rects.every(([, , w, h]) => w > 0 && h > 0), 'a node without a box');
  const overlap = overlapping(d.rects);
  check(!overlap, `the boxes of ${overlap && d.names[overlap[0]]} and ${overlap && d.names[overlap[1]]} overlap`);
  pass(`the CPU profile's graph draws go tool pprof -dot's ${want.nodes.length} nodes and ${want.edges.length} edges, in its order, no boxes overlapping (layout ${d.timing.layoutMs.toFixed(1)} ms, drawing ${d.timing.drawMs.toFixed(1)} ms)`);
  await page.locator('#graph-card').screenshot({ path: path.join(OUT_DIR, 'analysis-graph.png') });
  console.log(`screenshot: ${path.join(OUT_DIR, 'analysis-graph.png')}`);

  // Fit: the whole graph in view.
  await page.click('#graph-zoom-fit');
  const fit = await page.evaluate(() => {
    const wrap = document.getElementById('graph');
    const svg = wrap.querySelector('svg');
    return { w: svg.clientWidth, h: svg.clientHeight, ww: wrap.clientWidth, wh: wrap.clientHeight };
  });
  check(fit.w <= fit.ww && fit.h <= fit.wh, `Fit leaves the graph at ${fit.w}x${fit.h} in ${fit.ww}x${fit.wh}`);
  await page.locator('#graph-card').screenshot({ path: path.join(OUT_DIR, 'analysis-graph-fit.png') });
  pass(`Fit shows the whole graph (${fit.w}x${fit.h} px)`);

  // Hovering a node highlights its edges, and only them.
  // (a function of the workload's own with a caller and a callee)
  const edgesOf = (k) => d.edges.filter((e) => e.split('->').includes(String(k + 1))).length;
  const k = d.names.findIndex((name, i) => name.startsWith('main.') && edgesOf(i) >= 2);
  check(k >= 0, 'no function of the workload with two edges in the graph');
  const touching = edgesOf(k);
  const node = page.locator(`#graph .cg-node[data-index="${k}"]`);
  await node.hover();
  const hovered = await page.evaluate(() => ({
    edges: document.querySelectorAll('#graph .cg-edge.hl').length,
    hovering: document.querySelector('#graph svg').classList.contains('hovering'),
    tooltip: document.getElementById('tooltip').hidden ? '' : document.getElementById('tooltip').textContent,
  }));
  check(hovered.hovering && hovered.edges === touching, `hovering ${d.names[k]} highlights ${hovered.edges} edges, it has ${touching}`);
  check(hovered.tooltip.includes(d.names[k]), `the tooltip of ${d.names[k]} reads ${hovered.tooltip}`);
  pass(`hovering ${d.names[k]} highlights its ${touching} edges`);

  // A click focuses on it: focus=^NAME$ in the URL, the totals narrowed.
  const before = page.url();
  await node.click();
  await navigated(page, before, `focus on ${d.names[k]}`);
  const url = new URL(page.url());
  const focus = url.searchParams.get('focus');
  check(focus && new RegExp(focus).test(d.names[k]) && focus.startsWith('^') && focus.endsWith('$'), `a click on ${d.names[k]} set focus=${focus}`);
  check(url.searchParams.get('view') === 'graph', 'the focus left the graph view');
  const focused = await drawn(page);
  check(focused.total > 0 && focused.total < d.total, `focus on ${d.names[k]}: total ${focused.total} of ${d.total}`);
  check(focused.names.includes(d.names[k]), `the focused graph has no ${d.names[k]}`);
  check(await page.locator('#focus').inputValue() === focus, 'the Focus input does not show the focus');
  pass(`a click on ${d.names[k]} focuses on it (${focus}): ${focused.total} of ${d.total}, ${focused.names.length} nodes`);

  // The view is the URL: the tabs switch it, a reload keeps it.
  await page.reload();
  await expectReady(page, 'the focused graph reloaded');
  check(await page.locator('#graph-card').isVisible(), 'a reload lost the graph view');
  check(JSON.stringify((await drawn(page)).names) === JSON.stringify(focused.names), 'a reload drew another graph');
  let at = page.url();
  await page.click('#view-tabs button[data-view="flame"]');
  await navigated(page, at, 'the flame graph tab');
  check(!new URL(page.url()).searchParams.has('view') && await page.locator('#flame-card').isVisible() && await page.locator('#graph-card').isHidden(),
    `the Flame graph tab shows ${page.url()}`);
  at = page.url();
  await page.click('#view-tabs button[data-view="graph"]');
  await navigated(page, at, 'the call graph tab');
  check(new URL(page.url()).searchParams.get('view') === 'graph' && await page.locator('#graph-card').isVisible(), 'the Call graph tab did not show the graph');
  pass('view=graph and focus in the URL come back on a reload; the tabs switch views');

  // nodecount: pprof's -nodecount.
  const want12 = parseDot(CPU_DOT_12);
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu&view=graph&nodecount=12`);
  await expectReady(page, 'the graph of 12 nodes');
  const d12 = await drawn(page);
  check(JSON.stringify(d12.names) === JSON.stringify(want12.nodes) && JSON.stringify(d12.edges) === JSON.stringify(want12.edges),
    `nodecount=12 draws ${d12.names.length} nodes and ${d12.edges.length} edges, dot ${want12.nodes.length} and ${want12.edges.length}`);
  pass(`nodecount=12 draws go tool pprof -dot -nodecount=12's ${want12.nodes.length} nodes and ${want12.edges.length} edges`);
}

// With the network off, the page draws the graph again from what it holds.
async function offline(context, page) {
  await page.goto(`${BASE}/api/pprof/ui/${CPU_ID}/?si=cpu&view=graph`);
  await expectReady(page, 'the CPU profile as a graph');
  await context.setOffline(true);
  try {
    const result = await page.evaluate(() => {
      const t = window.cprofRenderGraph(window.cprofAnalysis().graph);
      return { t, names: window.cprofGraphNames().length, boxes: document.querySelectorAll('#graph .cg-node').length };
    });
    check(result.names > 0 && result.boxes === result.names, `offline: ${result.boxes} boxes for ${result.names} nodes`);
    pass(`offline, the graph draws again (${result.boxes} nodes in ${(result.t.layoutMs + result.t.drawMs).toFixed(1)} ms)`);
  } finally {
    await context.setOffline(false);
  }
}

// The large heap profile: its data's arrival, then the layout and drawing.
async function bigProfile(page) {
  const started = Date.now();
  await page.goto(`${BASE}/api/pprof/ui/${BIG_ID}/?si=inuse_space&view=graph`);
  await expectReady(page, 'the large heap profile as a graph', BIG_TIMEOUT_MS);
  const loaded = Date.now() - started;
  const d = await drawn(page);
  const fetchMs = await page.evaluate(() => {
    const r = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/analysis'));
    return r.length ? r[r.length - 1].duration : -1;
  });
  const ms = d.timing.layoutMs + d.timing.drawMs;
  console.log(`large heap profile: /api/analysis?graph=1 took ${fetchMs.toFixed(0)} ms, the page ${loaded} ms; ` +
    `the graph (${d.timing.nodes} nodes, ${d.timing.edges} edges) laid out in ${d.timing.layoutMs.toFixed(1)} ms and drawn in ${d.timing.drawMs.toFixed(1)} ms`);
  check(d.timing.nodes > 0 && d.names.length === d.timing.nodes, `the large profile's graph has ${d.timing.nodes} nodes`);
  check(ms < MAX_DRAW_MS, `the large profile's graph took ${ms.toFixed(0)} ms to lay out and draw (at most ${MAX_DRAW_MS})`);
  // Again, five times: the slowest.
  const times = await page.evaluate(() => {
    const g = window.cprofAnalysis().graph;
    return Array.from({ length: 5 }, () => {
      const t = window.cprofRenderGraph(g);
      return t.layoutMs + t.drawMs;
    });
  });
  const slowest = Math.max(...times);
  check(slowest < MAX_DRAW_MS, `a redraw of the large profile's graph took ${slowest.toFixed(0)} ms`);
  pass(`the large heap profile's graph draws in ${ms.toFixed(0)} ms (5 redraws: at most ${slowest.toFixed(0)} ms; target < ${MAX_DRAW_MS} ms)`);
  await page.locator('#graph-card').screenshot({ path: path.join(OUT_DIR, 'analysis-graph-large.png') });

  // More than pprof's 80 nodes: 250 asked, drawn in the page (the data
  // fetched first, then timed alone).
  const wide = await page.evaluate(async (id) => {
    const r = await fetch(`/api/analysis?id=${encodeURIComponent(id)}&si=inuse_space&graph=1&nodecount=250`);
    const g = (await r.json()).graph;
    const t = window.cprofRenderGraph(g);
    return { ...t, drawn: document.querySelectorAll('#graph .cg-node').length };
  }, BIG_ID);
  const wideMs = wide.layoutMs + wide.drawMs;
  console.log(`large heap profile, nodecount=250: ${wide.nodes} nodes, ${wide.edges} edges laid out in ${wide.layoutMs.toFixed(1)} ms and drawn in ${wide.drawMs.toFixed(1)} ms`);
  check(wide.drawn === wide.nodes && wide.nodes > 80, `nodecount=250 drew ${wide.drawn} of ${wide.nodes} nodes`);
  check(wideMs < MAX_DRAW_MS, `the large profile's graph of ${wide.nodes} nodes took ${wideMs.toFixed(0)} ms`);
  pass(`the large heap profile's graph of ${wide.nodes} nodes (nodecount=250) draws in ${wideMs.toFixed(0)} ms`);
}

await withServerOnly(BASE, async (page, context) => {
  await graphOfCpu(page);
  await offline(context, page);
  await bigProfile(page);
});
