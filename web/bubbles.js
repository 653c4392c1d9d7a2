// A bubble chart on a canvas: x = time, y = value, one bubble per profile
// (or, with the `lines` option, one point per group and time bucket, each
// group's points joined). Hover shows a tooltip, a click opens a bubble, a
// shift-click picks it, and a drag across the plot selects a time range.

import { el, placeTooltip } from './dom.js';
import { formatTime, formatValue, timeTicks, valueAxis } from './format.js';

const PAD = { left: 64, right: 18, top: 14, bottom: 28 };
const RADIUS = 5;
const HIT_SLOP = 4;
const DRAG_THRESHOLD = 5;

// A bubble: {time (ms), value, target (its name), group, meta (the
// profile_meta object; absent for a series point)}.
export class BubbleChart {
  // canvas: the <canvas> to draw on (sized by CSS).
  // options: unit (pprof unit of the values), colorOf(bubble) -> CSS colour,
  //   tooltip (a positioned element), onOpen(bubble), onPick(bubble),
  //   onRange(startMs, endMs, bubblesInside); lines (false): join each
  //   group's points, drawn small; describe(bubble) -> the tooltip's
  //   elements (default: the profile's).
  constructor(canvas, options) {
    this.canvas = canvas;
    this.options = options;
    this.bubbles = [];
    this.start = 0;
    this.end = 1;
    this.hovered = null;
    this.picked = null;
    this.drag = null;
    this.frameRequested = false;
    canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    canvas.addEventListener('pointerleave', () => this.setHovered(null, null));
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  setData(bubbles, start, end) {
    this.bubbles = bubbles;
    this.start = start;
    this.end = end;
    const max = bubbles.reduce((m, b) => Math.max(m, b.value), 0);
    this.axis = valueAxis(max, this.options.unit);
    this.draw();
  }

  // The bubble drawn with a ring, or null.
  setPicked(bubble) {
    this.picked = bubble;
    this.requestDraw();
  }

  // Where the bubbles are, in CSS pixels from the canvas' top-left corner.
  positions() {
    return this.bubbles.map((b) => ({
      x: this.xOf(b.time), y: this.yOf(b.value), id: b.meta?.ProfileID, group: b.group, time: b.time, value: b.value,
    }));
  }

  // The plot's area (inside the axes), in CSS pixels from the canvas'
  // top-left corner.
  plotBox() {
    return { left: PAD.left, right: this.width - PAD.right, top: PAD.top, bottom: this.height - PAD.bottom };
  }

  get width() { return this.canvas.clientWidth; }
  get height() { return this.canvas.clientHeight; }

  xOf(time) {
    const w = this.width - PAD.left - PAD.right;
    return PAD.left + ((time - this.start) / (this.end - this.start)) * w;
  }

  timeAt(x) {
    const w = this.width - PAD.left - PAD.right;
    const clamped = Math.min(Math.max(x, PAD.left), PAD.left + w);
    return this.start + ((clamped - PAD.left) / w) * (this.end - this.start);
  }

  yOf(value) {
    const h = this.height - PAD.top - PAD.bottom;
    return PAD.top + h - (value / this.axis.top) * h;
  }

  requestDraw() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  draw() {
    const { canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = this.width;
    const h = this.height;
    if (w === 0 || h === 0 || !this.axis) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim();
    this.drawAxes(ctx, w, h, color);
    this.drawSelection(ctx, h, color);
    this.drawBubbles(ctx, color);
  }

  drawAxes(ctx, w, h, color) {
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (const tick of this.axis.ticks) {
      const y = Math.round(this.yOf(tick.value)) + 0.5;
      ctx.strokeStyle = color('--grid');
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(w - PAD.right, y);
      ctx.stroke();
      ctx.fillStyle = color('--muted');
      ctx.fillText(tick.label, PAD.left - 8, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const maxTicks = Math.max(2, Math.floor((w - PAD.left - PAD.right) / 90));
    for (const tick of timeTicks(this.start, this.end, maxTicks)) {
      const x = Math.round(this.xOf(tick.time)) + 0.5;
      if (x < PAD.left + 16) continue; // would collide with the y axis' 0
      ctx.strokeStyle = color('--axis');
      ctx.beginPath();
      ctx.moveTo(x, h - PAD.bottom);
      ctx.lineTo(x, h - PAD.bottom + 4);
      ctx.stroke();
      ctx.fillStyle = color('--muted');
      ctx.fillText(tick.label, x, h - PAD.bottom + 7);
    }
    ctx.strokeStyle = color('--axis');
    ctx.beginPath();
    ctx.moveTo(PAD.left, h - PAD.bottom + 0.5);
    ctx.lineTo(w - PAD.right, h - PAD.bottom + 0.5);
    ctx.stroke();
  }

  drawSelection(ctx, h, color) {
    if (!this.drag?.active) return;
    const x0 = Math.min(this.drag.x0, this.drag.x1);
    const x1 = Math.max(this.drag.x0, this.drag.x1);
    ctx.fillStyle = color('--accent');
    ctx.globalAlpha = 0.14;
    ctx.fillRect(x0, PAD.top, x1 - x0, h - PAD.top - PAD.bottom);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color('--accent');
    ctx.strokeRect(x0 + 0.5, PAD.top + 0.5, x1 - x0 - 1, h - PAD.top - PAD.bottom - 1);
  }

  // Each group's points joined, in time order (the points come so).
  drawLines(ctx) {
    const byGroup = new Map();
    for (const b of this.bubbles) {
      if (!byGroup.has(b.group)) byGroup.set(b.group, []);
      byGroup.get(b.group).push(b);
    }
    ctx.lineWidth = 1.5;
    // Grey ones (past the legend) first, beneath the coloured ones.
    const groups = [...byGroup.values()].reverse();
    for (const points of groups) {
      ctx.strokeStyle = this.options.colorOf(points[0]);
      ctx.beginPath();
      points.forEach((b, i) => (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, this.xOf(b.time), this.yOf(b.value)));
      ctx.stroke();
    }
  }

  drawBubbles(ctx, color) {
    const radius = this.options.lines ? 2.5 : RADIUS;
    if (this.options.lines) this.drawLines(ctx);
    for (const b of this.bubbles) {
      const x = this.xOf(b.time);
      const y = this.yOf(b.value);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fillStyle = this.options.colorOf(b);
      ctx.globalAlpha = 0.55;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = ctx.fillStyle;
      ctx.lineWidth = 1.2;
      ctx.stroke();
    }
    for (const [b, ring] of [[this.hovered, 3], [this.picked, 5]]) {
      if (!b) continue;
      ctx.beginPath();
      ctx.arc(this.xOf(b.time), this.yOf(b.value), radius + ring, 0, 2 * Math.PI);
      ctx.strokeStyle = b === this.picked ? color('--highlight') : color('--text');
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }

  // The bubble under (x, y), nearest first, or null.
  bubbleAt(x, y) {
    let best = null;
    let bestDistance = (RADIUS + HIT_SLOP) ** 2;
    for (const b of this.bubbles) {
      const d = (this.xOf(b.time) - x) ** 2 + (this.yOf(b.value) - y) ** 2;
      if (d <= bestDistance) {
        best = b;
        bestDistance = d;
      }
    }
    return best;
  }

  localPoint(event) {
    const rect = this.canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  onPointerDown(event) {
    if (event.button !== 0) return;
    const { x } = this.localPoint(event);
    this.drag = { x0: x, x1: x, active: false };
    this.canvas.setPointerCapture(event.pointerId);
  }

  onPointerMove(event) {
    const { x, y } = this.localPoint(event);
    if (this.drag) {
      this.drag.x1 = x;
      this.drag.active ||= Math.abs(x - this.drag.x0) > DRAG_THRESHOLD;
      if (this.drag.active) {
        this.showRangeTooltip(event);
        this.requestDraw();
        return;
      }
    }
    this.setHovered(this.bubbleAt(x, y), event);
  }

  onPointerUp(event) {
    const drag = this.drag;
    this.drag = null;
    if (!drag) return;
    const { x, y } = this.localPoint(event);
    if (drag.active) {
      this.options.tooltip.hidden = true;
      this.requestDraw();
      const [start, end] = this.dragRange(drag);
      this.options.onRange(start, end, this.bubblesBetween(start, end));
      return;
    }
    const hit = this.bubbleAt(x, y);
    if (!hit) return;
    if (event.shiftKey) this.options.onPick(hit);
    else this.options.onOpen(hit);
  }

  dragRange(drag) {
    const a = this.timeAt(drag.x0);
    const b = this.timeAt(drag.x1);
    return [Math.floor(Math.min(a, b)), Math.ceil(Math.max(a, b))];
  }

  bubblesBetween(start, end) {
    return this.bubbles.filter((b) => b.time >= start && b.time <= end);
  }

  setHovered(bubble, event) {
    if (bubble !== this.hovered) {
      this.hovered = bubble;
      this.requestDraw();
    }
    const { tooltip } = this.options;
    if (!bubble) {
      tooltip.hidden = true;
      return;
    }
    if (this.options.describe) {
      tooltip.replaceChildren(...this.options.describe(bubble));
      placeTooltip(tooltip, event);
      return;
    }
    const m = bubble.meta;
    const labels = [['_job', m.JobName], ['_app', m.App], ...(m.Labels ?? []).map((l) => [l.Key, l.Value])]
      .map(([k, v]) => `${k}=${v}`).join(' ');
    tooltip.replaceChildren(
      el('b', {}, bubble.target),
      row('time', formatTime(bubble.time)),
      // A cumulative type's bubble: its interval's value and the snapshot's.
      ...(m.Cumulative
        ? [row('interval', m.DeltaValue === undefined ? 'none (baseline)' : formatValue(m.DeltaValue, this.options.unit)),
          row('since start', formatValue(m.Value, this.options.unit))]
        : [row('value', formatValue(bubble.value, this.options.unit))]),
      ...(m.Duration ? [row('duration', formatValue(m.Duration, 'nanoseconds'))] : []),
      el('div', { className: 'labels' }, labels),
    );
    placeTooltip(tooltip, event);
  }

  showRangeTooltip(event) {
    const [start, end] = this.dragRange(this.drag);
    const { tooltip } = this.options;
    tooltip.replaceChildren(
      el('b', {}, 'Merge this range'),
      row('from', formatTime(start)),
      row('to', formatTime(end)),
      row('profiles', String(this.bubblesBetween(start, end).length)),
    );
    placeTooltip(tooltip, event);
  }
}

export function row(name, value) {
  return el('div', { className: 'row' }, el('span', {}, name), el('span', {}, value));
}

