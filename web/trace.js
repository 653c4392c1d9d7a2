// The trace page (/api/trace/ui/ID): an archived execution trace's summary,
// its derived profiles, the timeline (trace_timeline.js; a goroutine's lane
// is added from a slice clicked or from its group's row), its goroutines by
// start function (a group opens its goroutines) and its task and region
// types with latency histograms, from /api/trace/ID/... (man cprofiler.1).

import { getJSON } from './api.js';
import { el, showNotice } from './dom.js';
import { formatDuration, formatValue } from './format.js';
import { Timeline, describeSlice, stateColor } from './trace_timeline.js';

const $ = (id) => document.getElementById(id);
const id = decodeURIComponent(location.pathname.replace(/^\/api\/trace\/ui\//, '').replace(/\/$/, ''));
const base = `/api/trace/${encodeURIComponent(id)}`;
let timeline = null;
let picked = null;

function facts(summary) {
  const rows = [
    ['duration', formatDuration(summary.duration_ns)],
    ['size', formatValue(summary.bytes, 'bytes')],
    ['events', summary.events.toLocaleString()],
    ['goroutines', String(summary.goroutines)],
    ['GOMAXPROCS', String(summary.procs)],
    ['GC cycles', String(summary.gcs)],
    ['stop-the-world', String(summary.stws)],
    ['tasks / regions', `${summary.task_types} / ${summary.region_types} types`],
    ['id', id],
  ];
  return rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]);
}

const TIME_COLUMNS = [
  ['exec_ns', 'execution'], ['net_wait_ns', 'network wait'], ['sync_block_ns', 'sync block'],
  ['other_block_ns', 'other block'], ['syscall_ns', 'syscall'], ['sched_wait_ns', 'sched wait'],
  ['gc_ns', 'GC'],
];

function groupsTable(groups) {
  const head = el('tr', {}, el('th', {}, 'start function'), el('th', {}, 'count'),
    ...TIME_COLUMNS.map(([, name]) => el('th', {}, name)));
  const rows = groups.map((g) => el('tr', { className: 'clickable', onclick: () => openGroup(g.name) },
    el('td', { className: 'name' }, g.name || '(inactive, no stack trace sampled)'),
    el('td', {}, String(g.count)),
    ...TIME_COLUMNS.map(([key]) => el('td', {}, formatDuration(g[key])))));
  $('goroutines').replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
}

async function openGroup(name) {
  const list = await getJSON(`${base}/goroutines`, { name });
  const head = el('tr', {}, el('th', {}, 'goroutine'), el('th', {}, 'total'),
    ...TIME_COLUMNS.map(([, n]) => el('th', {}, n)), el('th', {}, 'timeline'));
  const rows = list.map((g) => el('tr', { dataset: { goroutine: String(g.id) } },
    el('td', { className: 'name' }, `G${g.id} ${g.name}`), el('td', {}, formatDuration(g.total_ns)),
    ...TIME_COLUMNS.map(([key]) => el('td', {}, formatDuration(g[key]))),
    el('td', {}, showLane(g.id))));
  const table = $('group');
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  table.hidden = false;
  return list;
}

function histogram(h) {
  const max = Math.max(1, ...h.map((b) => b.count));
  return el('span', { className: 'histogram', title: h.map((b) =>
    `${b.below_ns === null ? 'longer' : `<${formatDuration(b.below_ns)}`}: ${b.count}`).join('\n') },
  ...h.map((b) => el('span', { className: 'bar', style: `height:${Math.round((b.count / max) * 100)}%` })));
}

function tasksTable(tasks) {
  const head = el('tr', {}, ...['kind', 'type', 'count', 'finished', 'min', 'median', 'max',
    'histogram (10µs … ≥10s)', 'slowest (opens in the timeline)'].map((h) => el('th', {}, h)));
  const rows = [];
  for (const [kind, list] of [['task', tasks.tasks], ['region', tasks.regions]]) {
    for (const t of list) {
      rows.push(el('tr', { dataset: { type: t.name } }, el('td', {}, kind), el('td', { className: 'name' }, t.name),
        el('td', {}, String(t.count)), el('td', {}, String(t.finished)),
        el('td', {}, formatDuration(t.min_ns)), el('td', {}, formatDuration(t.median_ns)),
        el('td', {}, formatDuration(t.max_ns)), el('td', {}, histogram(t.histogram)),
        el('td', { className: 'slowest' }, ...t.slowest.map((s) => el('button', {
          type: 'button', title: `G${s.goroutine}`, onclick: () => openSpan(s),
        }, formatDuration(s.end_ns - s.start_ns))))));
    }
  }
  $('tasks').replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
}

// A button that adds goroutine g's lane to the timeline.
function showLane(g) {
  return el('button', { type: 'button', className: 'show-lane', onclick: () => timeline.addLane(g) }, 'show lane');
}

// The goroutine lanes shown, each removable, and their states' colours.
function laneList() {
  const chips = timeline.laneHits.map((l) => el('button', {
    type: 'button', className: 'lane-chip', dataset: { goroutine: String(l.g) }, title: 'remove the lane',
    onclick: () => timeline.removeLane(l.g),
  }, `G${l.g} ${l.name} ✕`));
  const states = [...new Set(timeline.laneHits.flatMap((l) => l.states))];
  const legend = states.map((s) => el('span', { className: 'lane-state' },
    el('span', { className: 'swatch', style: `background:${stateColor(s)}` }), s));
  $('timeline-lanes').replaceChildren(...(chips.length ? [el('span', { className: 'sub' }, 'goroutine lanes: '),
    ...chips, ...legend] : []));
}

// Shows a task or region in the timeline, with a margin of a tenth of it.
function openSpan(span) {
  const pad = Math.max(1000, (span.end_ns - span.start_ns) / 10);
  timeline.setView(span.start_ns - pad, span.end_ns + pad);
  $('timeline-card').scrollIntoView({ block: 'center' });
  $('timeline').focus();
}

// The goroutine of a slice clicked: the slice, then the goroutine's state
// changes in the window shown, each with its stack (the one that ended the
// slice open), and its group's row.
async function pick(slice) {
  picked = slice;
  const summary = window.cprofTraceSummary;
  const rel = (t) => `+${formatDuration(t - summary.start_ns)}`;
  $('timeline-pick').replaceChildren(el('strong', {}, describeSlice(slice, summary.start_ns)), ' ',
    showLane(slice.g));
  const { start, end } = timeline.range();
  const [g] = await Promise.all([
    getJSON(`${base}/goroutine`, { id: slice.g, start: Math.floor(start), end: Math.ceil(end) }),
    openGroup(slice.name === '(unnamed)' ? '' : slice.name),
  ]);
  if (picked !== slice) return;
  const sliceEnd = slice.start + slice.duration;
  const events = g.events.map((e) => {
    const stack = e.stack.map((f) => `${f.func}\n    ${f.file}:${f.line}`).join('\n');
    const ends = e.from === 'running' && Math.abs(e.time_ns - sliceEnd) <= 1;
    return el('details', { className: 'goroutine-event', open: ends, dataset: { time: String(e.time_ns) } },
      el('summary', {}, `${rel(e.time_ns)}  ${e.from} → ${e.to}${e.reason ? ` (${e.reason})` : ''}` +
        `${e.p >= 0 ? ` on P${e.p}` : ''}`),
      el('pre', {}, stack || '(no stack)'));
  });
  const list = el('div', { className: 'goroutine-events' }, ...events);
  $('timeline-pick').append(el('div', { className: 'sub' },
    `G${g.id} ${g.name}: ${g.events.length}${g.truncated ? '+' : ''} state changes in the window shown`), list);
  const ended = list.querySelector('details[open]');
  if (ended) list.scrollTop = ended.offsetTop - list.offsetTop - 40;
  const row = document.querySelector(`#group tr[data-goroutine="${slice.g}"]`);
  if (row) row.classList.add('picked');
}

async function main() {
  $('crumb').textContent = `trace ${id}`;
  try {
    const [summary, groups, tasks, whole] = await Promise.all([
      getJSON(`${base}/summary`), getJSON(`${base}/goroutines`), getJSON(`${base}/tasks`),
      getJSON(`${base}/timeline`)]);
    window.cprofTraceSummary = summary;
    $('trace-format').textContent = summary.format;
    $('trace-facts').replaceChildren(...facts(summary));
    $('trace-download').href = `/api/download/${encodeURIComponent(id)}`;
    $('trace-profiles').replaceChildren(el('span', { className: 'sub' }, 'Derived profiles (go tool trace -pprof): '),
      ...['net', 'sync', 'syscall', 'sched'].map((k) =>
        el('a', { className: 'button', href: `${base}/pprof?kind=${k}`, download: '' }, k)));
    groupsTable(groups);
    tasksTable(tasks);
    timeline = new Timeline($('timeline'),
      (start, end, lanes) => getJSON(`${base}/timeline`,
        lanes.length ? { start, end, goroutines: lanes.join(',') } : { start, end }), pick,
      (range) => {
        $('timeline-range').textContent =
          `+${formatDuration(range.start - summary.start_ns)} … +${formatDuration(range.end - summary.start_ns)}`;
        laneList();
      });
    for (const card of ['trace-head', 'timeline-card', 'goroutines-card', 'tasks-card']) $(card).hidden = false;
    timeline.set(whole);
    $('timeline-reset').onclick = () => timeline.reset();
    document.body.dataset.state = 'ready';
  } catch (err) {
    // A trace cprofiler cannot read (an older Go's format) can still be
    // downloaded for that Go's go tool trace.
    const box = showNotice($('notice'), 'error', 'Cannot open this trace', err.message);
    box.append(el('p', {}, el('a', { className: 'button', href: `/api/download/${encodeURIComponent(id)}`, download: `trace-${id}.out` },
      'Download trace'), ' and open it with go tool trace.'));
    document.body.dataset.state = 'error';
  }
}

// For tests: the timeline's window and slices drawn, the goroutine lanes
// drawn ({g, name, y, spans drawn, states}), the goroutine picked.
window.cprofTrace = () => ({
  range: timeline?.range(),
  slices: timeline?.hits.length ?? 0,
  hits: timeline?.hits.map((h) => ({
    x: h.x + h.w / 2, y: h.y + h.h / 2, g: h.slice.g, w: h.w, name: h.slice.name,
    end: h.slice.start + h.slice.duration,
  })) ?? [],
  lanes: timeline?.laneHits ?? [],
  picked,
});

main();
