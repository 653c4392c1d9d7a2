// web/callgraph.js's layered layout (layoutGraph), in node: on small graphs
// whose layout is known (a chain, a crossing the ordering must undo, a
// cycle, a self call, two parts) and on random graphs of pprof's 80 nodes,
// with and without cycles: every edge points down its ranks (up when the
// cycle breaking reversed it), at least minlen ranks; no two boxes overlap;
// each path runs from its caller's box to its callee's; the time is
// printed. Run by ctest as "js: callgraph": node tests/web/callgraph_test.mjs.
import { readFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
// web/ has no package.json: import callgraph.js's text as an ES module.
const source = readFileSync(new URL('../../web/callgraph.js', here), 'utf8');
const { layoutGraph, isotonic } =
  await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);

let failed = 0;
let checked = 0;
function check(ok, what) {
  checked++;
  if (!ok) {
    failed++;
    console.error(`FAIL ${what}`);
  }
}

const box = (w = 80, h = 30) => ({ w, h });
const edge = (from, to, minlen = 1, weight = 10) => ({ from, to, minlen, weight });

// The invariants of any layout of `nodes` and `edges`.
function checkLayout(what, nodes, edges, layout) {
  const { x, y, rank, paths, reversed, loops } = layout;
  const near = (a, b) => Math.abs(a - b) < 0.01;
  edges.forEach((e, i) => {
    const name = `${what}: edge ${e.from}->${e.to}`;
    if (e.from === e.to) {
      check(loops[i], `${name} is a self call but not a loop`);
      return;
    }
    const [top, bottom] = reversed[i] ? [e.to, e.from] : [e.from, e.to];
    check(rank[bottom] - rank[top] >= 1, `${name} spans ranks ${rank[top]}..${rank[bottom]}`);
    check(reversed[i] || rank[e.to] - rank[e.from] >= e.minlen, `${name} spans fewer than its minlen ${e.minlen} ranks`);
    const { points } = paths[i];
    const [first, last] = [points[0], points[points.length - 1]];
    const [start, end] = reversed[i] ? [last, first] : [first, last];
    // From the bottom of the upper box to the top of the lower box.
    check(near(start.y, y[top] + nodes[top].h / 2) && Math.abs(start.x - x[top]) <= nodes[top].w / 2,
      `${name} does not leave its box (${start.x}, ${start.y})`);
    check(near(end.y, y[bottom] - nodes[bottom].h / 2) && Math.abs(end.x - x[bottom]) <= nodes[bottom].w / 2,
      `${name} does not reach its box (${end.x}, ${end.y})`);
    for (let k = 1; k < points.length; k++) {
      check(points[k].y >= points[k - 1].y === !reversed[i] || near(points[k].y, points[k - 1].y), `${name} turns back`);
    }
  });
  for (let a = 0; a < nodes.length; a++) {
    check(x[a] - nodes[a].w / 2 >= 0 && y[a] - nodes[a].h / 2 >= 0, `${what}: node ${a} outside the drawing`);
    check(x[a] + nodes[a].w / 2 <= layout.width && y[a] + nodes[a].h / 2 <= layout.height, `${what}: node ${a} beyond the drawing's size`);
    for (let b = a + 1; b < nodes.length; b++) {
      const apart = Math.abs(x[a] - x[b]) >= (nodes[a].w + nodes[b].w) / 2 || Math.abs(y[a] - y[b]) >= (nodes[a].h + nodes[b].h) / 2;
      check(apart, `${what}: the boxes of ${a} and ${b} overlap`);
    }
  }
  // Each rank's order is its left-to-right order.
  for (const list of layout.order) {
    for (let k = 1; k < list.length; k++) check(x[list[k - 1]] < x[list[k]], `${what}: rank order is not x order`);
  }
}

// A chain: one rank each, straight down.
{
  const nodes = [box(), box(120, 40), box()];
  const edges = [edge(0, 1), edge(1, 2)];
  const layout = layoutGraph(nodes, edges);
  checkLayout('chain', nodes, edges, layout);
  check(JSON.stringify(layout.rank) === '[0,1,2]', `chain ranks ${layout.rank}`);
  check(Math.abs(layout.x[0] - layout.x[2]) < 1, `the chain is not straight: ${layout.x}`);
}

// A crossing the ordering must undo: 0->3 and 1->2, 0 and 1 first.
{
  const nodes = [box(), box(), box(), box()];
  const edges = [edge(0, 3), edge(1, 2), edge(0, 4 - 1)];
  const layout = layoutGraph(nodes, edges);
  checkLayout('crossing', nodes, edges, layout);
  check(layout.crossings === 0, `a removable crossing left: ${layout.crossings}`);
  check((layout.x[0] < layout.x[1]) === (layout.x[3] < layout.x[2]), 'the edges cross');
}

// minlen, and a long edge through virtual nodes (straight, as its callee
// is under its caller).
{
  const nodes = [box(), box(), box(), box()];
  const edges = [edge(0, 1, 2), edge(1, 2), edge(0, 2), edge(2, 3)];
  const layout = layoutGraph(nodes, edges);
  checkLayout('minlen', nodes, edges, layout);
  check(layout.rank[1] === 2 && layout.rank[2] === 3, `minlen=2 ranks ${layout.rank}`);
  check(layout.paths[2].points.length === 2 + 2 * 2, `the edge 0->2 over 3 ranks has ${layout.paths[2].points.length} points`);
}

// A cycle (recursion) and a self call: one edge reversed, the loop apart.
{
  const nodes = [box(), box(), box(), box()];
  const edges = [edge(0, 1), edge(1, 2), edge(2, 3), edge(3, 1), edge(2, 2)];
  const layout = layoutGraph(nodes, edges);
  checkLayout('cycle', nodes, edges, layout);
  check(layout.reversed.filter(Boolean).length === 1 && layout.reversed[3], `reversed ${layout.reversed}`);
  check(layout.loops[4] && !layout.loops[0], `loops ${layout.loops}`);
}

// Two parts side by side, the first node's first.
{
  const nodes = [box(), box(), box(), box()];
  const edges = [edge(0, 1), edge(2, 3)];
  const layout = layoutGraph(nodes, edges);
  checkLayout('parts', nodes, edges, layout);
  check(layout.x[0] < layout.x[2] && layout.rank[2] === 0, `parts at ${layout.x}`);
}

// isotonic: pool adjacent violators.
{
  const got = isotonic([1, 3, 2, 4], [1, 1, 1, 1]);
  check(JSON.stringify(got) === '[1,2.5,2.5,4]', `isotonic ${got}`);
  const weighted = isotonic([5, 1], [3, 1]);
  check(JSON.stringify(weighted) === '[4,4]', `weighted isotonic ${weighted}`);
}

// Random graphs of 80 nodes, as pprof's default node count draws: callers
// before callees, then with edges back (recursion) and self calls.
let seed = 7;
const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
let slowest = 0;
for (let g = 0; g < 12; g++) {
  const n = 80;
  const nodes = Array.from({ length: n }, () => box(50 + random() * 150, 24 + random() * 70));
  const edges = [];
  for (let v = 1; v < n; v++) {
    const callers = 1 + Math.floor(random() * 2.5);
    for (let k = 0; k < callers; k++) edges.push(edge(Math.floor(random() * v), v, random() < 0.1 ? 2 : 1, 1 + Math.floor(random() * 100)));
  }
  if (g % 2) {
    for (let k = 0; k < 12; k++) edges.push(edge(Math.floor(random() * n), Math.floor(random() * n)));
  }
  const started = performance.now();
  const layout = layoutGraph(nodes, edges);
  const ms = performance.now() - started;
  slowest = Math.max(slowest, ms);
  checkLayout(`random graph ${g}`, nodes, edges, layout);
  if (g % 2 === 0) check(!layout.reversed.some(Boolean), `random graph ${g}: an edge of a DAG reversed`);
}
check(slowest < 1000, `laying out 80 nodes took ${slowest.toFixed(0)} ms`);

if (checked === 0) failed++;
console.log(`${checked - failed} of ${checked} layout checks pass; 80 random nodes laid out in at most ${slowest.toFixed(0)} ms`);
process.exit(failed ? 1 : 0);
