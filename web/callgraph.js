// pprof's call graph (the graph field of /api/analysis?graph=1: the nodes
// and edges `go tool pprof -dot` draws, with dot's font sizes and colours)
// drawn as SVG with a layered layout of our own, as Graphviz's dot lays out
// such graphs (Sugiyama's method), with no library and no network:
//   0. each connected part laid out on its own, the parts side by side;
//   1. cycles broken: a depth-first search from the roots reverses each
//      edge back to a node on its stack (recursion; self calls are loops);
//   2. ranks: the longest path from the roots, an edge spanning at least
//      its minlen ranks; a root is then pulled down next to its callees;
//   3. an edge spanning several ranks is cut by a virtual node on each rank
//      it crosses;
//   4. the order within each rank: barycenter sweeps down and up, each
//      followed by dot's transpose (neighbours swapped while that removes
//      crossings), keeping the order with the fewest crossings (counted
//      with a Fenwick tree);
//   5. x: each rank in turn placed as near the weighted mean of its
//      neighbours as its order and gaps allow (a weighted isotonic
//      regression, pool adjacent violators), sweeps down and up;
//   6. edges: cubic curves through their virtual nodes, an arrowhead at the
//      callee, dashed when residual, their width and colour dot's.
//
// layoutGraph is the layout alone (pure: tests/web/callgraph_test.mjs runs
// it in node); CallGraph draws a graph in a container and handles hover
// (a node's edges highlighted) and click (options.onFocus(name)).

const RANK_SEP = 54; // px between ranks: room for the edge labels
const NODE_SEP = 14; // px between two boxes of a rank
const VIRTUAL_SEP = 8; // px beside a virtual node
const PAD_X = 7;
const PAD_Y = 4;
const LINE_HEIGHT = 1.18; // of the font size
const MARGIN = 16;
const PART_SEP = 36; // px between the graph's connected parts
const ORDER_SWEEPS = 24;
const PLACE_SWEEPS = 10;

// ---- the layout --------------------------------------------------------------

// nodes: [{w, h}] (box sizes); edges: [{from, to, weight, minlen}] with node
// indexes. Returns {x, y (box centres), rank, order (node indexes per rank,
// left to right), paths (per edge: its points from the caller's box to the
// callee's, and the kinds of the steps between them), reversed, loops,
// crossings, width, height}. Each connected part of the graph is laid out
// on its own, the parts side by side (the first node's part first).
export function layoutGraph(nodes, edges) {
  const parts = components(nodes.length, edges);
  const out = {
    x: new Array(nodes.length).fill(0),
    y: new Array(nodes.length).fill(0),
    rank: new Array(nodes.length).fill(0),
    order: [],
    paths: new Array(edges.length),
    reversed: new Array(edges.length).fill(false),
    loops: new Array(edges.length).fill(false),
    crossings: 0,
    width: 0,
    height: 0,
  };
  let left = 0;
  for (const members of parts) {
    const local = new Map(members.map((v, k) => [v, k]));
    const partEdges = [];
    const edgeIds = [];
    edges.forEach((e, i) => {
      if (!local.has(e.from)) return;
      partEdges.push({ ...e, from: local.get(e.from), to: local.get(e.to) });
      edgeIds.push(i);
    });
    const part = layoutPart(members.map((v) => nodes[v]), partEdges);
    const shift = left === 0 ? 0 : left - 2 * MARGIN + PART_SEP;
    members.forEach((v, k) => {
      out.x[v] = part.x[k] + shift;
      out.y[v] = part.y[k];
      out.rank[v] = part.rank[k];
    });
    part.order.forEach((list, r) => {
      (out.order[r] ??= []).push(...list.map((k) => members[k]));
    });
    edgeIds.forEach((i, j) => {
      const p = part.paths[j];
      out.paths[i] = { points: p.points.map(({ x, y }) => ({ x: x + shift, y })), steps: p.steps };
      out.reversed[i] = part.reversed[j];
      out.loops[i] = part.loops[j];
    });
    out.crossings += part.crossings;
    left = part.width + shift;
    out.width = left;
    out.height = Math.max(out.height, part.height);
  }
  return out;
}

// The weakly connected parts of a graph, each its nodes in order, the parts
// by their first node.
function components(n, edges) {
  const parent = Array.from({ length: n }, (_, v) => v);
  const find = (v) => {
    while (parent[v] !== v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (const e of edges) {
    const a = find(e.from);
    const b = find(e.to);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const parts = new Map();
  for (let v = 0; v < n; v++) {
    const root = find(v);
    if (!parts.has(root)) parts.set(root, []);
    parts.get(root).push(v);
  }
  return [...parts.values()];
}

// layoutGraph for one connected part.
function layoutPart(nodes, edges) {
  const n = nodes.length;
  const { reversed, loop } = breakCycles(n, edges);
  // The acyclic graph's edges: [tail, head, edge index].
  const dag = [];
  edges.forEach((e, i) => {
    if (loop[i]) return;
    dag.push(reversed[i] ? [e.to, e.from, i] : [e.from, e.to, i]);
  });
  const rank = assignRanks(n, edges, dag);

  // Virtual nodes: index n and up; chains[i] the nodes edge i passes.
  const rankOf = rank.slice();
  const width = nodes.map((v) => v.w);
  const height = nodes.map((v) => v.h);
  const chains = new Array(edges.length).fill(null);
  const segments = []; // [upper, lower, weight]
  for (const [t, h, i] of dag) {
    const chain = [t];
    for (let r = rank[t] + 1; r < rank[h]; r++) {
      const v = rankOf.length;
      rankOf.push(r);
      width.push(0);
      height.push(0);
      chain.push(v);
    }
    chain.push(h);
    chains[i] = chain;
    const w = Math.max(1, edges[i].weight || 1);
    for (let k = 0; k + 1 < chain.length; k++) segments.push([chain[k], chain[k + 1], w]);
  }
  const total = rankOf.length;
  const ranks = rankOf.length ? Math.max(...rankOf) + 1 : 0;
  const up = Array.from({ length: total }, () => []);
  const down = Array.from({ length: total }, () => []);
  for (const [a, b, w] of segments) {
    const virtualPair = (a >= n) + (b >= n);
    // Long edges straight: their inner segments pull hardest.
    const pull = Math.log2(1 + w) * (virtualPair === 2 ? 8 : virtualPair === 1 ? 2 : 1) + 0.1;
    down[a].push([b, pull]);
    up[b].push([a, pull]);
  }

  const order = orderRanks(total, ranks, rankOf, up, down);
  const crossings = countAllCrossings(order, down);
  const x = placeX(order, width, up, down, n);

  // y: each rank as tall as its tallest box.
  const rankHeight = new Array(ranks).fill(0);
  for (let v = 0; v < total; v++) rankHeight[rankOf[v]] = Math.max(rankHeight[rankOf[v]], height[v]);
  const rankTop = [];
  let top = MARGIN;
  for (let r = 0; r < ranks; r++) {
    rankTop.push(top);
    top += rankHeight[r] + RANK_SEP;
  }
  const y = rankOf.map((r) => rankTop[r] + rankHeight[r] / 2);

  // Ports: a box's edges leave its bottom (enter its top) spread by where
  // they go (come from), so they do not cross at the box.
  const portDown = new Map();
  const portUp = new Map();
  const spread = (v, list, ports) => {
    list.sort((a, b) => a[1] - b[1]);
    const room = Math.min(width[v] * 0.7, 10 * (list.length - 1));
    list.forEach(([key], k) => ports.set(key, list.length > 1 ? -room / 2 + (room * k) / (list.length - 1) : 0));
  };
  const outs = Array.from({ length: n }, () => []);
  const ins = Array.from({ length: n }, () => []);
  edges.forEach((e, i) => {
    const chain = chains[i];
    if (!chain) return;
    outs[chain[0]].push([i, x[chain[1]]]);
    ins[chain[chain.length - 1]].push([i, x[chain[chain.length - 2]]]);
  });
  for (let v = 0; v < n; v++) {
    spread(v, outs[v], portDown);
    spread(v, ins[v], portUp);
  }

  // Paths, from the caller to the callee: 'C' steps between ranks (a curve
  // with vertical ends), 'L' across a rank (a virtual node's straight run).
  const paths = edges.map((e, i) => {
    if (loop[i]) {
      const v = e.from;
      const right = x[v] + width[v] / 2;
      return { points: [{ x: right, y: y[v] - 6 }, { x: right, y: y[v] + 6 }], steps: ['O'] };
    }
    const chain = chains[i];
    const points = [];
    const steps = [];
    const t = chain[0];
    const h = chain[chain.length - 1];
    points.push({ x: x[t] + portDown.get(i), y: y[t] + height[t] / 2 });
    for (let k = 1; k < chain.length - 1; k++) {
      const v = chain[k];
      const r = rankOf[v];
      points.push({ x: x[v], y: rankTop[r] });
      steps.push('C');
      points.push({ x: x[v], y: rankTop[r] + rankHeight[r] });
      steps.push('L');
    }
    points.push({ x: x[h] + portUp.get(i), y: y[h] - height[h] / 2 });
    steps.push('C');
    if (reversed[i]) {
      points.reverse();
      steps.reverse();
    }
    return { points, steps };
  });

  let maxX = 0;
  for (let v = 0; v < total; v++) maxX = Math.max(maxX, x[v] + width[v] / 2);
  edges.forEach((e, i) => {
    if (loop[i]) maxX = Math.max(maxX, x[e.from] + width[e.from] / 2 + 40);
  });
  return {
    x: x.slice(0, n),
    y: y.slice(0, n),
    rank: rank.slice(0, n),
    order: order.map((list) => list.filter((v) => v < n)),
    paths,
    reversed,
    loops: loop,
    crossings,
    width: maxX + MARGIN,
    height: top - RANK_SEP + MARGIN,
  };
}

// A depth-first search from the roots (nodes no edge enters), in node order,
// then from any node not reached: an edge to a node on the search's stack
// is reversed. Self edges are loops, outside the layout.
function breakCycles(n, edges) {
  const reversed = new Array(edges.length).fill(false);
  const loop = edges.map((e) => e.from === e.to);
  const outs = Array.from({ length: n }, () => []);
  const indegree = new Array(n).fill(0);
  edges.forEach((e, i) => {
    if (loop[i]) return;
    outs[e.from].push(i);
    indegree[e.to]++;
  });
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const visit = (start) => {
    const stack = [[start, 0]];
    state[start] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k === outs[v].length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const i = outs[v][k];
      const w = edges[i].to;
      if (state[w] === 1) {
        reversed[i] = true;
      } else if (state[w] === 0) {
        state[w] = 1;
        stack.push([w, 0]);
      }
    }
  };
  for (let v = 0; v < n; v++) if (indegree[v] === 0 && state[v] === 0) visit(v);
  for (let v = 0; v < n; v++) if (state[v] === 0) visit(v);
  return { reversed, loop };
}

// Longest path from the roots over the acyclic edges (Kahn's order), each
// spanning at least its minlen ranks; then each root moved down to just
// above its nearest callee.
function assignRanks(n, edges, dag) {
  const outs = Array.from({ length: n }, () => []);
  const indegree = new Array(n).fill(0);
  for (const [t, h, i] of dag) {
    outs[t].push([h, Math.max(1, edges[i].minlen || 1)]);
    indegree[h]++;
  }
  const rank = new Array(n).fill(0);
  const queue = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  const roots = queue.slice();
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const [h, len] of outs[v]) {
      rank[h] = Math.max(rank[h], rank[v] + len);
      if (--indegree[h] === 0) queue.push(h);
    }
  }
  for (const v of roots) {
    if (outs[v].length === 0) continue;
    rank[v] = Math.max(rank[v], Math.min(...outs[v].map(([h, len]) => rank[h] - len)));
  }
  const first = Math.min(...rank);
  return rank.map((r) => r - first);
}

// The order of each rank: first as a depth-first walk from the roots meets
// the nodes, then barycenter sweeps; the best order seen is kept.
function orderRanks(total, ranks, rankOf, up, down) {
  const seen = new Uint8Array(total);
  const visitIndex = new Array(total).fill(0);
  let counter = 0;
  const walk = (start) => {
    const stack = [start];
    while (stack.length) {
      const v = stack.pop();
      if (seen[v]) continue;
      seen[v] = 1;
      visitIndex[v] = counter++;
      for (let k = down[v].length - 1; k >= 0; k--) stack.push(down[v][k][0]);
    }
  };
  for (let v = 0; v < total; v++) if (up[v].length === 0) walk(v);
  for (let v = 0; v < total; v++) walk(v);
  const order = Array.from({ length: ranks }, () => []);
  for (let v = 0; v < total; v++) order[rankOf[v]].push(v);
  for (const list of order) list.sort((a, b) => visitIndex[a] - visitIndex[b]);

  const pos = new Float64Array(total);
  const index = () => order.forEach((list) => list.forEach((v, k) => { pos[v] = k; }));
  index();
  let best = order.map((list) => list.slice());
  let bestCrossings = countAllCrossings(order, down);
  let stale = 0;
  for (let sweep = 0; sweep < ORDER_SWEEPS && bestCrossings > 0 && stale < 6; sweep++) {
    const downward = sweep % 2 === 0;
    const from = downward ? 1 : ranks - 2;
    const step = downward ? 1 : -1;
    for (let r = from; r >= 0 && r < ranks; r += step) {
      const list = order[r];
      const bc = new Map();
      for (const v of list) {
        const nbrs = downward ? up[v] : down[v];
        if (nbrs.length === 0) {
          bc.set(v, pos[v]);
          continue;
        }
        let sum = 0;
        for (const [u] of nbrs) sum += pos[u];
        bc.set(v, sum / nbrs.length);
      }
      // Stable: ties keep their order.
      list.sort((a, b) => bc.get(a) - bc.get(b) || pos[a] - pos[b]);
      list.forEach((v, k) => { pos[v] = k; });
    }
    transpose(order, pos, up, down);
    const c = countAllCrossings(order, down);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = order.map((list) => list.slice());
      stale = 0;
    } else {
      stale++;
    }
  }
  return best;
}

// dot's transpose step: neighbours of a rank swapped while that removes
// crossings with the ranks above and below.
function transpose(order, pos, up, down) {
  let improved = true;
  for (let round = 0; improved && round < 4; round++) {
    improved = false;
    for (const list of order) {
      for (let k = 0; k + 1 < list.length; k++) {
        const a = list[k];
        const b = list[k + 1];
        const keep = pairCrossings(a, b, up, pos) + pairCrossings(a, b, down, pos);
        const swap = pairCrossings(b, a, up, pos) + pairCrossings(b, a, down, pos);
        if (swap < keep) {
          list[k] = b;
          list[k + 1] = a;
          pos[a] = k + 1;
          pos[b] = k;
          improved = true;
        }
      }
    }
  }
}

// Crossings between the edges of `a` and of `b` (a left of b) toward one side.
function pairCrossings(a, b, side, pos) {
  let c = 0;
  for (const [u] of side[a]) for (const [w] of side[b]) if (pos[w] < pos[u]) c++;
  return c;
}

function countAllCrossings(order, down) {
  const pos = new Map();
  for (const list of order) list.forEach((v, k) => pos.set(v, k));
  let c = 0;
  for (let r = 0; r + 1 < order.length; r++) c += countCrossings(order[r], order[r + 1].length, down, pos);
  return c;
}

// Crossings between one rank and the next: the edges sorted by their upper
// end, then each counts the ones before it whose lower end is further right
// (a Fenwick tree over the lower rank's positions).
function countCrossings(upper, lowerSize, down, pos) {
  const ends = [];
  for (const v of upper) {
    const lows = down[v].map(([w]) => pos.get(w)).sort((a, b) => a - b);
    for (const p of lows) ends.push(p);
  }
  const tree = new Int32Array(lowerSize + 1);
  let crossings = 0;
  let inserted = 0;
  for (const p of ends) {
    let atMost = 0;
    for (let i = p + 1; i > 0; i -= i & -i) atMost += tree[i];
    crossings += inserted - atMost;
    for (let i = p + 1; i <= lowerSize; i += i & -i) tree[i]++;
    inserted++;
  }
  return crossings;
}

// x of every node: ranks packed, then placed toward their neighbours.
function placeX(order, width, up, down, n) {
  const x = new Float64Array(width.length);
  const gap = (a, b) => width[a] / 2 + width[b] / 2 + (a < n && b < n ? NODE_SEP : VIRTUAL_SEP);
  let widest = 0;
  for (const list of order) {
    let at = 0;
    list.forEach((v, k) => {
      if (k > 0) at += gap(list[k - 1], v);
      x[v] = at;
    });
    widest = Math.max(widest, at);
  }
  for (const list of order) {
    if (!list.length) continue;
    const shift = (widest - x[list[list.length - 1]]) / 2;
    for (const v of list) x[v] += shift;
  }
  const place = (list, side) => {
    const desired = [];
    const weights = [];
    for (const v of list) {
      const nbrs = side[v];
      let sum = 0;
      let wsum = 0;
      for (const [u, w] of nbrs) {
        sum += x[u] * w;
        wsum += w;
      }
      desired.push(wsum > 0 ? sum / wsum : x[v]);
      weights.push(wsum > 0 ? wsum : 0.05);
    }
    const offsets = [0];
    for (let k = 1; k < list.length; k++) offsets.push(offsets[k - 1] + gap(list[k - 1], list[k]));
    const y = isotonic(desired.map((d, k) => d - offsets[k]), weights);
    list.forEach((v, k) => { x[v] = y[k] + offsets[k]; });
  };
  for (let sweep = 0; sweep < PLACE_SWEEPS; sweep++) {
    for (let r = 1; r < order.length; r++) place(order[r], up);
    for (let r = order.length - 2; r >= 0; r--) place(order[r], down);
  }
  // Both sides at once, to settle.
  const both = down.map((d, v) => d.concat(up[v]));
  for (let sweep = 0; sweep < 2; sweep++) for (const list of order) place(list, both);
  let left = Infinity;
  for (let v = 0; v < x.length; v++) left = Math.min(left, x[v] - width[v] / 2);
  for (let v = 0; v < x.length; v++) x[v] += MARGIN - left;
  return x;
}

// The non-decreasing sequence nearest `targets` by weighted squares (pool
// adjacent violators).
export function isotonic(targets, weights) {
  const blocks = []; // [sum of w*t, sum of w, count]
  for (let k = 0; k < targets.length; k++) {
    blocks.push([weights[k] * targets[k], weights[k], 1]);
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a[0] / a[1] <= b[0] / b[1]) break;
      a[0] += b[0];
      a[1] += b[1];
      a[2] += b[2];
      blocks.pop();
    }
  }
  const out = [];
  for (const [s, w, count] of blocks) for (let k = 0; k < count; k++) out.push(s / w);
  return out;
}

// ---- drawing -----------------------------------------------------------------

const SVG_NS = 'http://www.w3.org/2000/svg';

// The SVG path of a layout path, ending `cut` px short of its last point
// (where the arrowhead is); returns {d, tip, dir, label} (the label's spot).
function pathData({ points, steps }, cut) {
  if (steps[0] === 'O') {
    const [a, b] = points;
    const tip = b;
    return {
      d: `M${a.x},${a.y} C${a.x + 34},${a.y - 22} ${b.x + 34 + cut},${b.y + 22} ${b.x + cut},${b.y}`,
      tip,
      dir: { x: -1, y: 0 },
      label: { x: a.x + 30, y: (a.y + b.y) / 2 },
    };
  }
  const last = points.length - 1;
  const end = points[last];
  const prev = points[last - 1];
  const sign = end.y >= prev.y ? 1 : -1;
  const tip = { x: end.x, y: end.y };
  const cutEnd = { x: end.x, y: end.y - sign * cut };
  let d = `M${points[0].x.toFixed(1)},${points[0].y.toFixed(1)}`;
  // The label sits on the middle curve.
  const curves = steps.map((s, k) => (s === 'C' ? k : -1)).filter((k) => k >= 0);
  const middle = curves[Math.floor((curves.length - 1) / 2)];
  let label = null;
  for (let k = 0; k < steps.length; k++) {
    const a = points[k];
    const b = k + 1 === last ? cutEnd : points[k + 1];
    if (steps[k] === 'L') {
      d += ` L${b.x.toFixed(1)},${b.y.toFixed(1)}`;
    } else {
      const my = (a.y + b.y) / 2;
      d += ` C${a.x.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
      if (k === middle) label = { x: (a.x + b.x) / 2, y: my };
    }
  }
  return { d, tip, dir: { x: 0, y: sign }, label };
}

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// A text width measurer: a canvas's, else an estimate (node, tests).
function textMeasurer() {
  const canvas = typeof document !== 'undefined' ? document.createElement('canvas') : null;
  const ctx = canvas?.getContext('2d');
  const cache = new Map();
  return (text, size) => {
    const key = `${size}|${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      if (ctx) {
        ctx.font = `${size}px ${FONT}`;
        w = ctx.measureText(text).width;
      } else {
        w = text.length * size * 0.6;
      }
      cache.set(key, w);
    }
    return w;
  };
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

// The boxes of a graph's nodes: their lines and sizes.
export function nodeBoxes(graph, measure = textMeasurer()) {
  return graph.nodes.map((node) => {
    const size = node.fontsize;
    const lines = [...node.lines, ...node.values];
    const w = Math.max(...lines.map((l) => measure(l, size))) + 2 * PAD_X;
    const h = lines.length * size * LINE_HEIGHT + 2 * PAD_Y;
    return { lines, size, w: Math.ceil(w), h: Math.ceil(h) };
  });
}

export class CallGraph {
  // container: the element the SVG goes in; options: tooltip (element) and
  // placeTooltip(tooltip, event) to show it at the pointer (dom.js's: this
  // module imports nothing, so that node runs its layout), onFocus(name)
  // for a click on a node.
  constructor(container, options = {}) {
    this.container = container;
    this.options = options;
    this.graph = null;
    this.layout = null;
    this.scale = 1;
    this.drawnNames = [];
    this.timing = null;
    this.measure = textMeasurer();
    this.edgesOf = [];
    container.addEventListener('mouseover', (event) => this.hover(event));
    container.addEventListener('mousemove', (event) => this.moveTooltip(event));
    container.addEventListener('mouseleave', () => this.unhover());
    container.addEventListener('click', (event) => {
      const node = event.target.closest?.('.cg-node');
      if (node && this.options.onFocus) this.options.onFocus(this.graph.nodes[Number(node.dataset.index)].name);
    });
  }

  // Lays out and draws `graph`; returns {layoutMs, drawMs, nodes, edges}.
  setGraph(graph) {
    const started = performance.now();
    this.graph = graph;
    const boxes = nodeBoxes(graph, this.measure);
    const index = new Map(graph.nodes.map((node, k) => [node.id, k]));
    const edges = graph.edges.map((e) => ({
      from: index.get(e.from),
      to: index.get(e.to),
      weight: e.layout_weight ?? 1,
      minlen: e.minlen ?? 1,
    }));
    this.boxes = boxes;
    this.layout = layoutGraph(boxes, edges);
    this.edgeIndex = edges;
    const laidOut = performance.now();
    this.scale = this.fitScale();
    this.render();
    this.container.getBoundingClientRect(); // the browser's layout, timed too
    const drawn = performance.now();
    this.timing = { layoutMs: laidOut - started, drawMs: drawn - laidOut, nodes: graph.nodes.length, edges: graph.edges.length };
    return this.timing;
  }

  // The scale that fits the graph's width in the container (at most 1, at
  // least 0.35: its text still legible), or with `whole` all of it (at
  // least 0.1).
  fitScale(whole = false) {
    const width = this.container.clientWidth - 20;
    if (!this.layout || width <= 0) return 1;
    if (!whole) return Math.max(0.35, Math.min(1, width / this.layout.width));
    const height = this.container.clientHeight - 20;
    return Math.max(0.1, Math.min(1, width / this.layout.width, height > 0 ? height / this.layout.height : 1));
  }

  // Zooms by `factor`; 0 fits the whole graph in the container.
  zoom(factor) {
    this.scale = factor === 0 ? this.fitScale(true) : Math.max(0.1, Math.min(3, this.scale * factor));
    const svg = this.container.querySelector('svg');
    if (svg) {
      svg.setAttribute('width', Math.ceil(this.layout.width * this.scale));
      svg.setAttribute('height', Math.ceil(this.layout.height * this.scale));
    }
  }

  render() {
    const { graph, layout, boxes } = this;
    if (!graph) return;
    const out = [];
    const W = Math.ceil(layout.width);
    const H = Math.ceil(layout.height);
    out.push(`<svg xmlns="${SVG_NS}" class="callgraph" viewBox="0 0 ${W} ${H}" width="${Math.ceil(W * this.scale)}" height="${Math.ceil(H * this.scale)}" role="img" aria-label="Call graph">`);
    // Edges first, under the boxes.
    this.edgesOf = graph.nodes.map(() => []);
    out.push('<g class="cg-edges">');
    graph.edges.forEach((e, i) => {
      const pen = e.penwidth || 1;
      const head = 7 + pen * 1.5;
      const { d, tip, dir, label } = pathData(layout.paths[i], head * 0.8);
      const color = e.color || '#888';
      const px = -dir.y;
      const py = dir.x;
      const half = 3.5 + pen;
      const bx = tip.x - dir.x * head;
      const by = tip.y - dir.y * head;
      const arrow = `M${tip.x.toFixed(1)},${tip.y.toFixed(1)} L${(bx + px * half).toFixed(1)},${(by + py * half).toFixed(1)} L${(bx - px * half).toFixed(1)},${(by - py * half).toFixed(1)} Z`;
      const text = `${e.formatted}${e.inline ? ' (inline)' : ''}`;
      out.push(`<g class="cg-edge${e.residual ? ' residual' : ''}" data-index="${i}">`,
        `<path class="cg-hit" d="${d}"/>`,
        `<path class="cg-line" d="${d}" stroke="${escapeXml(color)}" stroke-width="${pen}"${e.residual ? ' stroke-dasharray="3 3"' : ''}/>`,
        `<path class="cg-arrow" d="${arrow}" fill="${escapeXml(color)}"/>`,
        label ? `<text class="cg-label" x="${(label.x + 5).toFixed(1)}" y="${(label.y + 3).toFixed(1)}">${escapeXml(text)}</text>` : '',
        '</g>');
      this.edgesOf[this.edgeIndex[i].from]?.push(i);
      if (this.edgeIndex[i].to !== this.edgeIndex[i].from) this.edgesOf[this.edgeIndex[i].to]?.push(i);
    });
    out.push('</g><g class="cg-nodes">');
    graph.nodes.forEach((node, k) => {
      const box = boxes[k];
      const left = layout.x[k] - box.w / 2;
      const top = layout.y[k] - box.h / 2;
      out.push(`<g class="cg-node" data-index="${k}" data-name="${escapeXml(node.name)}">`,
        `<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${box.w}" height="${box.h}" rx="3" fill="${escapeXml(node.fillcolor)}" stroke="${escapeXml(node.color)}"/>`,
        `<text x="${layout.x[k].toFixed(1)}" font-size="${box.size}">`);
      box.lines.forEach((line, j) => {
        const baseline = top + PAD_Y + box.size * (LINE_HEIGHT * j + 0.95);
        out.push(`<tspan x="${layout.x[k].toFixed(1)}" y="${baseline.toFixed(1)}">${escapeXml(line)}</tspan>`);
      });
      out.push('</text></g>');
    });
    out.push('</g></svg>');
    this.container.innerHTML = out.join('');
    this.drawnNames = graph.nodes.map((node) => node.name);
  }

  hover(event) {
    const node = event.target.closest?.('.cg-node');
    const edge = event.target.closest?.('.cg-edge');
    const svg = this.container.querySelector('svg');
    if (!svg) return;
    for (const el of svg.querySelectorAll('.hl')) el.classList.remove('hl');
    if (node) {
      const k = Number(node.dataset.index);
      svg.classList.add('hovering');
      node.classList.add('hl');
      const edges = svg.querySelectorAll('.cg-edge');
      for (const i of this.edgesOf[k]) {
        edges[i].classList.add('hl');
        const e = this.edgeIndex[i];
        for (const other of [e.from, e.to]) svg.querySelectorAll('.cg-node')[other].classList.add('hl');
      }
      this.showTooltip(event, this.nodeTooltip(this.graph.nodes[k]));
    } else if (edge) {
      svg.classList.add('hovering');
      edge.classList.add('hl');
      const e = this.graph.edges[Number(edge.dataset.index)];
      this.showTooltip(event, this.edgeTooltip(e));
    } else {
      this.unhover();
    }
  }

  unhover() {
    const svg = this.container.querySelector('svg');
    svg?.classList.remove('hovering');
    if (svg) for (const el of svg.querySelectorAll('.hl')) el.classList.remove('hl');
    if (this.options.tooltip) this.options.tooltip.hidden = true;
  }

  nodeTooltip(node) {
    const total = this.graph.total || 1;
    const pct = (v) => `${((100 * v) / Math.abs(total)).toFixed(2)}%`;
    const rows = [['flat', `${node.flat_formatted} (${pct(node.flat)})`], ['cum', `${node.cum_formatted} (${pct(node.cum)})`]];
    const tags = (node.tags ?? []).map((t) => `${t.label.replaceAll('\\n', ' ')}: ${t.formatted}`);
    return [node.name, rows, tags.length ? tags : null, 'Click to focus on it'];
  }

  edgeTooltip(e) {
    return [e.tooltip, [['weight', e.formatted]], [e.residual ? 'residual: through nodes not shown' : null, e.inline ? 'inlined' : null].filter(Boolean), null];
  }

  showTooltip(event, [title, rows, notes, hint]) {
    const tooltip = this.options.tooltip;
    if (!tooltip) return;
    const make = (tag, className, text) => {
      const e = document.createElement(tag);
      if (className) e.className = className;
      e.textContent = text;
      return e;
    };
    const children = [make('b', '', title)];
    for (const [k, v] of rows) {
      const row = make('div', 'row', '');
      row.append(make('span', '', k), make('span', '', v));
      children.push(row);
    }
    if (notes?.length) children.push(make('div', 'labels cg-notes', notes.join('\n')));
    if (hint) children.push(make('div', 'hint-line', hint));
    tooltip.replaceChildren(...children);
    this.moveTooltip(event);
  }

  moveTooltip(event) {
    const tooltip = this.options.tooltip;
    if (!tooltip || !this.container.querySelector('svg.hovering')) return;
    this.options.placeTooltip(tooltip, event);
  }
}
