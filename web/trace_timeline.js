// The trace page's timeline: a canvas with lanes for the heap, the
// goroutine counts, GC and stop-the-world bands, one lane per P with the
// goroutines that ran on it, and under them a lane per goroutine added
// (addLane) with its states, drawn from /api/trace/ID/timeline (man
// cprofiler.1). Zoom with the wheel or W/S, pan by dragging or A/D, 0 for
// the whole trace; the server is asked again for the window shown (it drops
// slices too short to see), and a click on a slice picks its goroutine.

import { formatDuration, formatValue } from './format.js';

const LABEL_W = 64;
const GRAPH_H = 36;
const BAND_H = 12;
const LANE_H = 20;

function colorOf(name, saturation = 55, lightness = 60) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} ${saturation}% ${lightness}%)`;
}

// A goroutine lane's colours: running, runnable and syscall fixed, each
// reason for waiting its own grey-blue.
const STATE_COLORS = { running: '#2a9d5b', runnable: '#d08a1a', syscall: '#2f6fde' };
export function stateColor(state) {
  return STATE_COLORS[state] ?? colorOf(state, 18, 68);
}

export class Timeline {
  // fetchWindow(start, end, goroutines) -> Promise of the timeline JSON
  // with the lanes of goroutines (IDs); onPick(slice) is called with
  // {p, g, name, start, duration} (absolute nanoseconds).
  constructor(canvas, fetchWindow, onPick, onRange) {
    this.canvas = canvas;
    this.fetchWindow = fetchWindow;
    this.onPick = onPick;
    this.onRange = onRange;
    this.data = null;
    this.view = null;
    this.hits = [];
    this.lanes = [];  // goroutine IDs, in the order added
    this.laneHits = [];
    this.pending = 0;
    this.bind();
  }

  // The whole trace's data: its window becomes the view.
  set(data) {
    this.data = data;
    this.whole = { start: data.trace_start_ns, end: data.trace_end_ns };
    this.view = { start: data.start_ns, end: data.end_ns };
    this.draw();
  }

  reset() {
    this.setView(this.whole.start, this.whole.end);
  }

  // The window shown, absolute nanoseconds.
  range() {
    return { ...this.view };
  }

  setView(start, end) {
    const min = 1000;  // 1us at least
    if (end - start < min) end = start + min;
    const span = end - start;
    if (start < this.whole.start) [start, end] = [this.whole.start, this.whole.start + span];
    if (end > this.whole.end) [start, end] = [Math.max(this.whole.start, this.whole.end - span), this.whole.end];
    this.view = { start, end };
    this.draw();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refetch(), 150);
  }

  // Adds goroutine g's lane, asking the server for the window with it.
  addLane(g) {
    if (this.lanes.includes(g)) return;
    this.lanes.push(g);
    this.refetch();
  }

  // Removes goroutine g's lane; the next windows asked for lack it.
  removeLane(g) {
    this.lanes = this.lanes.filter((x) => x !== g);
    this.draw();
  }

  async refetch() {
    const token = ++this.pending;
    const { start, end } = this.view;
    const data = await this.fetchWindow(Math.floor(start), Math.ceil(end), [...this.lanes]);
    if (token !== this.pending) return;
    this.data = data;
    this.draw();
  }

  zoom(factor, atX) {
    const { start, end } = this.view;
    const w = this.canvas.clientWidth - LABEL_W;
    const frac = atX === undefined ? 0.5 : Math.min(1, Math.max(0, (atX - LABEL_W) / w));
    const at = start + (end - start) * frac;
    const span = (end - start) * factor;
    this.setView(at - span * frac, at - span * frac + span);
  }

  pan(fraction) {
    const span = this.view.end - this.view.start;
    this.setView(this.view.start + span * fraction, this.view.end + span * fraction);
  }

  bind() {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, e.offsetX);
    }, { passive: false });
    c.addEventListener('keydown', (e) => {
      const k = e.key.toLowerCase();
      if (k === 'w') this.zoom(0.8);
      else if (k === 's') this.zoom(1.25);
      else if (k === 'a') this.pan(-0.1);
      else if (k === 'd') this.pan(0.1);
      else if (k === '0') this.reset();
      else return;
      e.preventDefault();
    });
    let drag = null;
    c.addEventListener('mousedown', (e) => {
      drag = { x: e.offsetX, start: this.view.start, end: this.view.end, moved: false };
    });
    window.addEventListener('mouseup', () => { drag = null; });
    c.addEventListener('mousemove', (e) => {
      if (!drag) return;
      const dx = e.offsetX - drag.x;
      if (Math.abs(dx) < 3 && !drag.moved) return;
      drag.moved = true;
      const nsPerPx = (drag.end - drag.start) / (c.clientWidth - LABEL_W);
      this.setView(drag.start - dx * nsPerPx, drag.end - dx * nsPerPx);
    });
    c.addEventListener('click', (e) => {
      c.focus();
      const hit = this.hits.find((h) => e.offsetX >= h.x && e.offsetX < h.x + h.w &&
        e.offsetY >= h.y && e.offsetY < h.y + h.h);
      if (hit) this.onPick(hit.slice);
    });
    new ResizeObserver(() => this.draw()).observe(c);
  }

  draw() {
    if (!this.data) return;
    const d = this.data;
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const lanes = (d.lanes ?? []).filter((l) => this.lanes.includes(l.id));
    const height = GRAPH_H * 2 + BAND_H * 2 + LANE_H * d.procs.length + 8 +
      (lanes.length ? 8 + LANE_H * lanes.length : 0);
    c.style.height = `${height}px`;
    c.width = Math.max(1, c.clientWidth * dpr);
    c.height = height * dpr;
    const g = c.getContext('2d');
    g.scale(dpr, dpr);
    const width = c.clientWidth;
    const styles = getComputedStyle(document.body);
    const text = styles.getPropertyValue('--text') || '#000';
    const muted = styles.getPropertyValue('--muted') || '#666';
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    const { start, end } = this.view;
    const scale = (width - LABEL_W) / (end - start);
    const x = (abs) => LABEL_W + (abs - start) * scale;
    const t0 = d.start_ns;
    let y = 0;
    const label = (name, h) => {
      g.fillStyle = muted;
      g.fillText(name, 4, y + h / 2 + 4);
    };
    // Counter graphs: [t, v...] records.
    const graph = (values, width_, series, name) => {
      label(name, GRAPH_H);
      let max = 1;
      for (let i = 0; i < values.length; i += width_) {
        for (const s of series) max = Math.max(max, values[i + s.offset]);
      }
      for (const s of series) {
        g.strokeStyle = s.color;
        g.beginPath();
        for (let i = 0; i < values.length; i += width_) {
          const px = x(t0 + values[i]);
          const py = y + GRAPH_H - 2 - (values[i + s.offset] / max) * (GRAPH_H - 6);
          if (i === 0) g.moveTo(px, py);
          else g.lineTo(px, py);
        }
        g.stroke();
      }
      g.fillStyle = muted;
      g.fillText(series[0].unit ? formatValue(max, series[0].unit) : String(max), LABEL_W + 2, y + 10);
      y += GRAPH_H;
    };
    graph(d.heap, 2, [{ offset: 1, color: '#2f6fde', unit: 'bytes' }], 'heap');
    graph(d.goroutines, 4, [{ offset: 1, color: '#2a9d5b' }, { offset: 2, color: '#d08a1a' }], 'goroutines');
    const band = (pairs, name, color) => {
      label(name, BAND_H);
      g.fillStyle = color;
      for (let i = 0; i < pairs.length; i += 2) {
        const a = x(t0 + pairs[i]);
        g.fillRect(a, y + 1, Math.max(1, pairs[i + 1] * scale), BAND_H - 2);
      }
      y += BAND_H;
    };
    band(d.gc, 'GC', '#c96bd6');
    band(d.stw, 'STW', '#c62f2f');
    this.hits = [];
    const laneOf = new Map(d.procs.map((p, i) => [p, y + 4 + i * LANE_H]));
    for (const [p, ly] of laneOf) {
      g.fillStyle = muted;
      g.fillText(`P${p}`, 4, ly + LANE_H / 2 + 3);
    }
    const s = d.slices;
    for (let i = 0; i < s.length; i += 5) {
      const ly = laneOf.get(s[i]);
      const a = x(t0 + s[i + 3]);
      const w = Math.max(1, s[i + 4] * scale);
      if (a + w < LABEL_W || a > width) continue;
      const name = d.names[s[i + 2]] || '(unnamed)';
      g.fillStyle = colorOf(name);
      g.fillRect(Math.max(LABEL_W, a), ly + 1, w, LANE_H - 3);
      if (w > 60) {
        g.fillStyle = text;
        g.save();
        g.beginPath();
        g.rect(Math.max(LABEL_W, a), ly, w, LANE_H);
        g.clip();
        g.fillText(`G${s[i + 1]} ${name}`, Math.max(LABEL_W, a) + 3, ly + LANE_H / 2 + 3);
        g.restore();
      }
      this.hits.push({
        x: Math.max(LABEL_W, a), y: ly, w, h: LANE_H,
        slice: { p: s[i], g: s[i + 1], name, start: t0 + s[i + 3], duration: s[i + 4] },
      });
    }
    // Goroutine lanes, under the P lanes: [state, t, d] records.
    this.laneHits = [];
    y += 8 + LANE_H * d.procs.length + (lanes.length ? 8 : 0);
    for (const lane of lanes) {
      g.fillStyle = muted;
      g.fillText(`G${lane.id}`, 4, y + LANE_H / 2 + 3);
      const sp = lane.spans;
      let drawn = 0;
      for (let i = 0; i < sp.length; i += 3) {
        const a = x(t0 + sp[i + 1]);
        const w = Math.max(1, sp[i + 2] * scale);
        if (a + w < LABEL_W || a > width) continue;
        g.fillStyle = stateColor(d.states[sp[i]]);
        g.fillRect(Math.max(LABEL_W, a), y + 3, w, LANE_H - 7);
        drawn++;
      }
      this.laneHits.push({ g: lane.id, name: lane.name, y, spans: drawn,
        states: [...new Set(sp.filter((_, i) => i % 3 === 0).map((v) => d.states[v]))] });
      y += LANE_H;
    }
    this.onRange(this.range(), d);
  }
}

// "G12 main.worker on P1: ran 1.2ms from +34ms"
export function describeSlice(slice, traceStart) {
  return `G${slice.g} ${slice.name} on P${slice.p}: ran ${formatDuration(slice.duration)} ` +
    `from +${formatDuration(slice.start - traceStart)}`;
}
