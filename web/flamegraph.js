// A flame graph (icicle: the root on top; inverted, the root at the bottom)
// drawn on a canvas.
//
// Input: the API's flame tree, {n: name, v: total, s: self, c: [children]},
// children sorted by v descending. In a differential graph each node also
// carries b, the base profile's total for the same call path; widths follow v
// and colours the change of the node's share of the total (red: grew, blue:
// shrank).
//
// The tree is flattened once into typed arrays, one row of node indices per
// depth in x order, so drawing and hit testing never walk the tree again.
//
// One frame may be selected (outlined): a click selects the frame it zooms
// to, and moveSelection walks the tree from it (the keyboard's arrows:
// profile_view.js); activateSelection is a click on it. A frame is named in
// a URL by its path, the names from the root's child down (pathOf,
// indexOfPath).

import { el, placeTooltip } from './dom.js';
import { formatDelta, formatValue, percentage } from './format.js';

const ROW_HEIGHT = 18;
const MAX_DEPTH = 1000; // a canvas must stay under the browsers' size limits
const MIN_FRAME_PX = 0.5; // narrower frames are not drawn
const MIN_LABEL_PX = 28;
const FONT = '11px ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace';

export class FlameGraph {
  // canvas: the <canvas> (its width follows CSS, its height the tree depth).
  // options: unit, tooltip (element), onZoom(zoomed: boolean), inverted (the
  // root drawn at the bottom, its children above it: a callers graph),
  // onPick(name or null): the frame a click picked (null: the root);
  // onSelect(index or -1): the selected frame changed.
  constructor(canvas, options) {
    this.canvas = canvas;
    this.options = options;
    this.nodes = null;
    this.zoomIndex = 0;
    this.selected = -1;
    this.matched = null;
    this.drawnNames = new Set();
    this.hovered = -1;
    canvas.addEventListener('mousemove', (e) => this.onMove(e));
    canvas.addEventListener('mouseleave', () => this.setHovered(-1, null));
    canvas.addEventListener('click', (e) => this.onClick(e));
    new ResizeObserver(() => this.render()).observe(canvas.parentElement);
  }

  // Replaces the tree (diff: {baseTotal} for a differential graph, else null)
  // and draws it unzoomed, keeping the current search.
  setTree(tree, diff = null) {
    this.nodes = flatten(tree, diff !== null);
    this.diff = diff;
    if (diff) this.diffScale = maxShareChange(this.nodes, diff.baseTotal);
    this.zoomIndex = 0;
    this.selected = -1;
    this.hovered = -1;
    this.applySearch(this.searchPattern ?? null);
    this.options.onZoom?.(false);
    this.render();
  }

  get total() {
    return this.nodes ? this.nodes.value[0] : 0;
  }

  // Highlights the frames whose name matches `pattern` (a RegExp, or null to
  // clear). Returns {frames, share}: how many frames match and the fraction
  // of the total that runs through them (nested matches counted once).
  search(pattern) {
    const result = this.applySearch(pattern);
    this.render();
    return result;
  }

  applySearch(pattern) {
    this.searchPattern = pattern;
    const nodes = this.nodes;
    if (!nodes || !pattern) {
      this.matched = null;
      return { frames: 0, share: 0 };
    }
    const count = nodes.name.length;
    const matched = new Uint8Array(count);
    const covered = new Uint8Array(count); // a matching ancestor exists
    let frames = 0;
    let value = 0;
    const verdicts = new Map();
    for (let i = 1; i < count; i++) {
      const name = nodes.name[i];
      let hit = verdicts.get(name);
      if (hit === undefined) {
        hit = pattern.test(name);
        verdicts.set(name, hit);
      }
      const p = nodes.parent[i];
      covered[i] = covered[p] | matched[p];
      if (!hit) continue;
      matched[i] = 1;
      frames++;
      if (!covered[i]) value += nodes.value[i];
    }
    this.matched = matched;
    return { frames, share: nodes.value[0] > 0 ? value / nodes.value[0] : 0 };
  }

  resetZoom() {
    this.zoomTo(0);
    this.options.onPick?.(null);
  }

  get zoomed() {
    return this.zoomIndex !== 0;
  }

  // Selects frame `i` (-1: none) and draws it outlined.
  select(i) {
    if (i === this.selected) return;
    this.selected = i;
    this.options.onSelect?.(i);
    this.render();
  }

  // Moves the selection: 'up' to the parent, 'down' to the first (largest)
  // child, 'left' and 'right' to the sibling beside it. With none selected,
  // any move selects the zoomed frame. A frame outside the zoomed one's
  // subtree and its ancestors zooms out to its parent, so it stays drawn.
  // Returns whether the selection moved.
  moveSelection(direction) {
    const nodes = this.nodes;
    if (!nodes) return false;
    const from = this.selected;
    if (from < 0) {
      this.select(this.zoomIndex);
      return true;
    }
    let to = -1;
    if (direction === 'up') {
      to = nodes.parent[from];
    } else if (direction === 'down') {
      // (depth-first order: a node's first child comes right after it)
      to = from + 1 < nodes.name.length && nodes.parent[from + 1] === from ? from + 1 : -1;
    } else {
      const row = nodes.rows[nodes.depth[from]];
      const k = row.indexOf(from) + (direction === 'left' ? -1 : 1);
      to = k >= 0 && k < row.length && nodes.parent[row[k]] === nodes.parent[from] ? row[k] : -1;
    }
    if (to < 0) return false;
    if (!this.isAncestor(to, this.zoomIndex) && !this.isAncestor(this.zoomIndex, to)) {
      this.zoomTo(Math.max(nodes.parent[to], 0));
    }
    this.select(to);
    return true;
  }

  // A click on the selected frame: zooms to it (out to its parent when it
  // is the zoomed frame). Returns whether a frame was selected.
  activateSelection() {
    if (this.selected < 0) return false;
    this.pick(this.selected);
    return true;
  }

  // Whether `a` is `b` or one of its ancestors.
  isAncestor(a, b) {
    for (let i = b; i >= 0; i = this.nodes.parent[i]) if (i === a) return true;
    return false;
  }

  // The names from the root's child down to frame `i` ([] for the root).
  pathOf(i) {
    const path = [];
    for (let k = i; k > 0; k = this.nodes.parent[k]) path.push(this.nodes.name[k]);
    return path.reverse();
  }

  // The frame at `path` (pathOf's), or -1 when the tree has none there.
  indexOfPath(path) {
    const nodes = this.nodes;
    if (!nodes) return -1;
    let i = 0;
    for (const name of path) {
      let child = -1;
      for (let k = i + 1; k < nodes.name.length && nodes.depth[k] > nodes.depth[i]; k++) {
        if (nodes.parent[k] === i && nodes.name[k] === name) {
          child = k;
          break;
        }
      }
      if (child < 0) return -1;
      i = child;
    }
    return i;
  }

  zoomTo(index) {
    this.zoomIndex = index;
    this.options.onZoom?.(index !== 0);
    this.render();
  }

  // Draws the graph; returns the number of frames drawn.
  render() {
    const { canvas, nodes } = this;
    if (!nodes) return 0;
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.parentElement.clientWidth - 16;
    if (width <= 0) return 0;
    const rows = this.drawnRows();
    const height = rows * ROW_HEIGHT;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const charWidth = ctx.measureText('mmmmmmmmmm').width / 10;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const highlight = getComputedStyle(document.documentElement).getPropertyValue('--highlight').trim();

    const zoom = this.zoomIndex;
    const zx = nodes.x[zoom];
    const zw = nodes.value[zoom] || 1;
    const scale = width / zw;
    const zoomDepth = nodes.depth[zoom];
    this.drawnNames = new Set();
    let drawn = 0;
    for (let d = 0; d < rows; d++) {
      const y = this.rowTop(d, rows);
      for (const i of nodes.rows[d]) {
        const x0 = (nodes.x[i] - zx) * scale;
        const w = nodes.value[i] * scale;
        if (w < MIN_FRAME_PX || x0 + w <= 0 || x0 >= width) continue;
        const left = Math.max(x0, 0);
        const right = Math.min(x0 + w, width);
        const name = nodes.name[i];
        let fill = this.diff ? this.diffColor(i, dark) : nameColor(name, dark);
        let alpha = d < zoomDepth ? 0.55 : 1;
        if (this.matched) {
          if (this.matched[i]) fill = highlight;
          else alpha *= 0.35;
        }
        ctx.globalAlpha = alpha;
        ctx.fillStyle = fill;
        ctx.fillRect(left, y, Math.max(right - left - (w > 3 ? 1 : 0), 0.5), ROW_HEIGHT - 1);
        if (right - left >= MIN_LABEL_PX) {
          ctx.fillStyle = dark ? '#f2f4f7' : '#1b1f27';
          if (this.matched?.[i]) ctx.fillStyle = '#ffffff';
          ctx.fillText(fitLabel(name, right - left - 8, charWidth), left + 4, y + ROW_HEIGHT / 2);
        }
        ctx.globalAlpha = 1;
        if (i === this.selected) {
          ctx.strokeStyle = dark ? '#f2f4f7' : '#1b1f27';
          ctx.lineWidth = 2;
          ctx.strokeRect(left + 1, y + 1, Math.max(right - left - 2, 1), ROW_HEIGHT - 3);
        }
        this.drawnNames.add(name);
        drawn++;
      }
    }
    canvas.dataset.frames = String(drawn);
    canvas.dataset.selected = this.selected >= 0 ? nodes.name[this.selected] : '';
    canvas.dataset.total = String(nodes.value[0]);
    return drawn;
  }

  // Where the widest frame named `name` is drawn: {x, y, w, h} in CSS
  // pixels of the canvas, or null (for tests and tours).
  frameBox(name) {
    const nodes = this.nodes;
    if (!nodes) return null;
    let best = -1;
    for (let i = 0; i < nodes.name.length; i++) {
      if (nodes.name[i] === name && (best < 0 || nodes.value[i] > nodes.value[best])) best = i;
    }
    if (best < 0 || nodes.depth[best] >= this.drawnRows()) return null;
    const zw = nodes.value[this.zoomIndex] || 1;
    const scale = this.canvas.clientWidth / zw;
    return {
      x: (nodes.x[best] - nodes.x[this.zoomIndex]) * scale,
      y: this.rowTop(nodes.depth[best], this.drawnRows()),
      w: nodes.value[best] * scale,
      h: ROW_HEIGHT,
    };
  }

  drawnRows() {
    return Math.min(this.nodes.rows.length, MAX_DEPTH);
  }

  // The y of depth d's row (CSS pixels), of `rows` drawn.
  rowTop(d, rows) {
    return (this.options.inverted ? rows - 1 - d : d) * ROW_HEIGHT;
  }

  diffColor(i, dark) {
    const { value, base } = this.nodes;
    const change = value[i] / (value[0] || 1) - base[i] / (this.diff.baseTotal || 1);
    const t = Math.min(1, Math.abs(change) / this.diffScale) ** 0.6;
    const neutral = dark ? [70, 78, 92] : [222, 225, 231];
    const target = change > 0 ? [217, 69, 59] : [59, 122, 217];
    const mix = neutral.map((c, k) => Math.round(c + (target[k] - c) * t));
    return `rgb(${mix[0]},${mix[1]},${mix[2]})`;
  }

  // The node under a point of the canvas (CSS pixels), or -1.
  nodeAt(px, py) {
    const nodes = this.nodes;
    if (!nodes) return -1;
    const row0 = Math.floor(py / ROW_HEIGHT);
    const rows = this.drawnRows();
    const d = this.options.inverted ? rows - 1 - row0 : row0;
    if (row0 < 0 || d < 0 || d >= rows) return -1;
    const width = this.canvas.clientWidth;
    const zw = nodes.value[this.zoomIndex] || 1;
    const t = nodes.x[this.zoomIndex] + (px / width) * zw;
    const row = nodes.rows[d];
    let lo = 0;
    let hi = row.length - 1;
    while (lo <= hi) { // the last node starting at or before t
      const mid = (lo + hi) >> 1;
      if (nodes.x[row[mid]] <= t) lo = mid + 1;
      else hi = mid - 1;
    }
    const i = row[hi];
    if (i === undefined || t >= nodes.x[i] + nodes.value[i]) return -1;
    return nodes.value[i] * (width / zw) >= MIN_FRAME_PX ? i : -1;
  }

  onMove(event) {
    const rect = this.canvas.getBoundingClientRect();
    this.setHovered(this.nodeAt(event.clientX - rect.left, event.clientY - rect.top), event);
  }

  onClick(event) {
    const rect = this.canvas.getBoundingClientRect();
    const i = this.nodeAt(event.clientX - rect.left, event.clientY - rect.top);
    if (i >= 0) this.pick(i);
  }

  // What a click on frame `i` does: zooms to it (out to its parent when it
  // is the zoomed frame) and selects the frame zoomed to.
  pick(i) {
    const next = i === this.zoomIndex ? Math.max(this.nodes.parent[i], 0) : i;
    this.selected = next;
    this.options.onSelect?.(next);
    this.zoomTo(next);
    this.options.onPick?.(next === 0 ? null : this.nodes.name[next]);
  }

  setHovered(i, event) {
    this.hovered = i;
    const { tooltip, unit } = this.options;
    if (i < 0) {
      tooltip.hidden = true;
      return;
    }
    const { name, value, self, base } = this.nodes;
    const total = value[0] || 1;
    const rows = [
      ['total', `${formatValue(value[i], unit)} (${percentage(value[i], total).trim()})`],
      ['self', `${formatValue(self[i], unit)} (${percentage(self[i], total).trim()})`],
    ];
    if (this.zoomIndex !== 0) {
      rows.push(['of zoomed frame', percentage(value[i], value[this.zoomIndex] || 1).trim()]);
    }
    let change = null;
    if (this.diff) {
      const baseTotal = this.diff.baseTotal || 1;
      rows.push(['base total', `${formatValue(base[i], unit)} (${percentage(base[i], baseTotal).trim()})`]);
      rows.push(['delta', formatDelta(value[i] - base[i], unit)]);
      change = value[i] / total - base[i] / baseTotal;
    }
    tooltip.replaceChildren(
      el('b', {}, name[i]),
      ...rows.map(([k, v]) => el('div', { className: 'row' }, el('span', {}, k), el('span', {}, v))),
      change === null ? null : el('div', { className: `row ${change > 0 ? 'grow' : 'shrink'}` },
        el('span', {}, 'share of total'), el('span', {}, `${change > 0 ? '+' : ''}${(change * 100).toFixed(2)} pts`)),
    );
    placeTooltip(tooltip, event);
  }
}

// The tree as typed arrays in depth-first order: node 0 is the root; x is
// the offset of a node within the root's value.
function flatten(tree, withBase) {
  const name = [];
  const parent = [];
  const depth = [];
  const x = [];
  const value = [];
  const self = [];
  const base = [];
  const rows = [];
  const stack = [[tree, -1, 0, 0]];
  while (stack.length) {
    const [node, p, d, offset] = stack.pop();
    const i = name.length;
    name.push(node.n);
    parent.push(p);
    depth.push(d);
    x.push(offset);
    value.push(node.v);
    self.push(node.s ?? 0);
    if (withBase) base.push(node.b ?? 0);
    (rows[d] ??= []).push(i);
    const children = node.c ?? [];
    // Push in reverse so the first (largest) child is visited first and
    // every row lists its nodes left to right.
    let childOffset = offset + children.reduce((sum, c) => sum + c.v, 0);
    for (let k = children.length - 1; k >= 0; k--) {
      childOffset -= children[k].v;
      stack.push([children[k], i, d + 1, childOffset]);
    }
  }
  return {
    name,
    parent: Int32Array.from(parent),
    depth: Int32Array.from(depth),
    x: Float64Array.from(x),
    value: Float64Array.from(value),
    self: Float64Array.from(self),
    base: Float64Array.from(base),
    rows,
  };
}

// The largest change of any frame's share of the total, the scale of the
// diff colours (at least 1%, so noise stays pale).
function maxShareChange(nodes, baseTotal) {
  const total = nodes.value[0] || 1;
  let max = 0.01;
  for (let i = 1; i < nodes.name.length; i++) {
    max = Math.max(max, Math.abs(nodes.value[i] / total - nodes.base[i] / (baseTotal || 1)));
  }
  return max;
}

function fitLabel(name, px, charWidth) {
  const fits = Math.floor(px / charWidth);
  if (fits >= name.length) return name;
  return fits <= 1 ? '' : `${name.slice(0, fits - 1)}…`;
}

// A warm colour per package (hue) and per function (lightness), stable
// across renders and pages.
const colorCache = new Map();
function nameColor(name, dark) {
  const key = dark ? `d${name}` : name;
  let color = colorCache.get(key);
  if (color) return color;
  const pkg = packageOf(name);
  const hue = 8 + (hash(pkg) % 42); // red .. yellow-orange
  const lightness = (dark ? 44 : 62) + (hash(name) % 10) - 5;
  color = `hsl(${hue} ${dark ? 62 : 78}% ${lightness}%)`;
  colorCache.set(key, color);
  return color;
}

// "crypto/sha256.(*digest).Write" -> "crypto/sha256"
function packageOf(name) {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot > 0 ? name.slice(0, dot) : name;
}

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
