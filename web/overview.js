// The overview page: pick sample types, label filters and a time range (all
// kept in the query string), and see one bubble chart per sample type.
//
// URL state: st=SAMPLE_TYPE (repeated), range=15m|1h|6h|24h|7d or
// from=RFC3339&to=RFC3339, lbs[key]=value (repeated), condition=AND|OR,
// values=cumulative (cumulative types since process start; default: per
// interval), group=LABEL (what colours and the legend group by; default
// _app), agg=sum|avg|max|p95 (how a fleet's series aggregate; default sum).
//
// A fleet: a chart of more than MAX_BUBBLES profiles draws one line per
// group instead (/api/series: the group's values per time bucket,
// aggregated), the top LEGEND_GROUPS groups by total in colour. A click on a
// point merges that group's profiles of that bucket; a click on a legend
// entry filters to that group, where bubbles come back, with its targets
// listed under the chart (latest value, sparkline; a click: that target).
//
// Cumulative types (allocs, heap alloc_*, mutex, block, threadcreate) are
// drawn by their interval values (DeltaValue: since the snapshot before),
// so a chart shows contention or allocation per scrape, not a ramp since
// process start; a target's first snapshot (its baseline) has no interval
// and is not drawn. A switch on such a chart shows the snapshots' own
// values instead.

import { getJSON, labelParam, rfc3339, sampleIndexOf, withQuery } from './api.js';
import { BubbleChart, row } from './bubbles.js';
import { el, showNotice } from './dom.js';
import { formatDuration, formatTime, formatValue } from './format.js';

const PRESETS = new Map([
  ['15m', 15 * 60e3], ['1h', 3600e3], ['6h', 6 * 3600e3], ['24h', 24 * 3600e3], ['7d', 7 * 24 * 3600e3],
]);
const DEFAULT_PRESET = '1h';
const DEFAULT_SAMPLE_TYPES = ['heap_inuse_space', 'profile_cpu'];
const DEFAULT_GROUP = '_app';
const AGGREGATES = ['sum', 'avg', 'max', 'p95'];
// More bubbles than this cannot be told apart: a line per group instead.
const MAX_BUBBLES = 400;
// Groups named in a legend (the rest: "others").
const LEGEND_GROUPS = 10;
// At most this many targets listed under a group's chart.
const MAX_TARGET_ROWS = 50;
// About this many time buckets in a chart of series.
const SERIES_BUCKETS = 120;
// One colour per group, readable on light and dark backgrounds; the groups
// past the palette, and "others", in OTHERS_COLOR.
const PALETTE = ['#3f7fd9', '#e8743b', '#2aa876', '#d64f7a', '#8c6bd6', '#c9a227', '#1aa3b8', '#a0603a', '#6b8e23', '#b05cc4'];
const OTHERS_COLOR = '#8a8f99';

const $ = (id) => document.getElementById(id);

const page = {
  groups: {}, // group -> [sample type]
  labels: {}, // key -> [{Key, Value}]
  groupColors: new Map(), // group value -> colour, kept while the page lives
  charts: new Map(), // sample type -> BubbleChart
  pick: null, // {sampleType, bubble}
  renderToken: 0,
  legends: 0, // legends made: their datalists' ids
  loaded: false, // the archive's sample types and labels are in
};

function readState() {
  const params = new URLSearchParams(location.search);
  const labels = [];
  for (const [key, value] of params) {
    const match = /^lbs\[(.*)\]$/.exec(key);
    if (match) labels.push({ key: match[1], value });
  }
  const from = Date.parse(params.get('from') ?? '');
  const to = Date.parse(params.get('to') ?? '');
  const custom = from < to ? { from, to } : null;
  const range = params.get('range');
  return {
    sampleTypes: params.getAll('st'),
    preset: custom ? null : PRESETS.has(range) ? range : DEFAULT_PRESET,
    custom,
    labels,
    condition: params.get('condition') === 'OR' ? 'OR' : 'AND',
    cumulative: params.get('values') === 'cumulative',
    group: params.get('group') || DEFAULT_GROUP,
    agg: AGGREGATES.includes(params.get('agg')) ? params.get('agg') : 'sum',
  };
}

function stateQuery(state) {
  const params = new URLSearchParams();
  for (const st of state.sampleTypes) params.append('st', st);
  if (state.custom) {
    params.set('from', rfc3339(state.custom.from));
    params.set('to', rfc3339(state.custom.to));
  } else {
    params.set('range', state.preset);
  }
  for (const [key, value] of labelQuery(state)) params.append(key, value);
  if (state.cumulative) params.set('values', 'cumulative');
  if (state.group !== DEFAULT_GROUP) params.set('group', state.group);
  if (state.agg !== 'sum') params.set('agg', state.agg);
  return params;
}

function timeRange(state) {
  if (state.custom) return { start: state.custom.from, end: state.custom.to };
  const end = Date.now();
  return { start: end - PRESETS.get(state.preset), end };
}

// The label filter as API parameters: lbs[k]=v... and condition.
function labelQuery(state) {
  const params = new URLSearchParams();
  for (const { key, value } of state.labels) params.append(labelParam(key), value);
  if (state.labels.length > 1) params.set('condition', state.condition);
  return params;
}

let state = readState();

// Moves to `next`, records it in the history (shareable URL) and redraws.
function navigate(next) {
  state = next;
  history.pushState(null, '', `?${stateQuery(state)}`);
  renderControls();
  renderCharts();
}

async function start() {
  wireStaticControls();
  renderPresets();
  const notice = $('notice');
  let groups, labels;
  try {
    [groups, labels] = await Promise.all([
      getJSON('/api/group_sample_types'),
      getJSON('/api/group_labels'),
    ]);
  } catch (err) {
    showNotice(notice, 'error', 'Cannot load the archive', err.message);
    document.body.dataset.state = 'error';
    return;
  }
  page.groups = groups;
  page.labels = labels;
  const known = Object.values(groups).flat();
  if (known.length === 0) {
    showNotice(notice, 'info', 'The archive is empty',
      'No profiles have been scraped yet. Run "cprofiler scrape" with a config that lists your Go services, then refresh.');
    document.body.dataset.state = 'empty';
    return;
  }
  if (state.sampleTypes.length === 0) {
    const defaults = DEFAULT_SAMPLE_TYPES.filter((st) => known.includes(st));
    state.sampleTypes = defaults.length ? defaults : [known[0]];
    history.replaceState(null, '', `?${stateQuery(state)}`);
  }
  window.addEventListener('popstate', () => {
    state = readState();
    renderControls();
    renderCharts();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const chart of page.charts.values()) chart.draw();
  });
  page.loaded = true;
  renderControls();
  renderCharts();
}

// The colour of a group value: the palette's next free one for a group that
// makes a legend's top, kept while the page lives; grey for the rest.
function colorOf(group, legendGroups) {
  if (!page.groupColors.has(group) && legendGroups?.includes(group) && page.groupColors.size < PALETTE.length) {
    page.groupColors.set(group, PALETTE[page.groupColors.size]);
  }
  return page.groupColors.get(group) ?? OTHERS_COLOR;
}

// A profile's value of the label the page groups by ("" if it has none).
function groupOf(meta) {
  switch (state.group) {
    case '_app': return meta.App;
    case '_host': return meta.Host;
    case '_job': return meta.JobName;
    case '_type': return meta.ProfileType;
    default: return (meta.Labels ?? []).find((l) => l.Key === state.group)?.Value ?? '';
  }
}

// How a target is named: "app · host".
function targetName(meta) {
  return `${meta.App} · ${meta.Host}`;
}

// ---- top bar -------------------------------------------------------------

function wireStaticControls() {
  $('group-by').addEventListener('change', (e) => navigate({ ...state, group: e.target.value }));
  $('agg').addEventListener('change', (e) => navigate({ ...state, agg: e.target.value }));
  const presets = $('presets');
  for (const name of PRESETS.keys()) {
    presets.append(el('button', {
      type: 'button',
      dataset: { preset: name },
      onclick: () => navigate({ ...state, preset: name, custom: null }),
    }, name));
  }
  $('custom-range').addEventListener('toggle', () => {
    const { start, end } = timeRange(state);
    $('range-from').value = localInputValue(start);
    $('range-to').value = localInputValue(end);
  });
  $('custom-range-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const from = new Date($('range-from').value).getTime();
    const to = new Date($('range-to').value).getTime();
    if (!(from < to)) {
      showNotice($('notice'), 'error', 'Invalid time range', '"From" must be before "To".');
      return;
    }
    $('custom-range').open = false;
    navigate({ ...state, custom: { from, to }, preset: null });
  });
  // Before the first load succeeded there is nothing to redraw: start over.
  $('refresh').addEventListener('click', () => (page.loaded ? renderCharts() : location.reload()));
  $('pick-cancel').addEventListener('click', () => setPick(null));
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') setPick(null); });
  // Close an open drop-down when clicking elsewhere.
  document.addEventListener('click', (event) => {
    for (const details of document.querySelectorAll('details.dropdown[open]')) {
      if (!details.contains(event.target)) details.open = false;
    }
  });
}

function localInputValue(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 19);
}

function renderPresets() {
  for (const button of $('presets').children) {
    button.setAttribute('aria-pressed', String(button.dataset.preset === state.preset));
  }
}

function renderControls() {
  renderPresets();
  $('custom-range-summary').textContent = state.custom
    ? `${formatTime(state.custom.from)} – ${formatTime(state.custom.to)}`
    : 'Custom';
  $('custom-range-summary').setAttribute('aria-pressed', String(Boolean(state.custom)));
  renderSampleTypePanel();
  renderLabelPanel();
  renderGroupControls();
}

// Group by (every label key) and, for series, the aggregate.
function renderGroupControls() {
  const keys = [...new Set(['_app', '_host', '_job', ...Object.keys(page.labels)])];
  if (!keys.includes(state.group)) keys.push(state.group);
  const select = $('group-by');
  select.replaceChildren(...keys.map((k) => el('option', { value: k, selected: k === state.group }, k)));
  const agg = $('agg');
  agg.replaceChildren(...AGGREGATES.map((a) => el('option', { value: a, selected: a === state.agg }, a)));
}

function renderSampleTypePanel() {
  const chosen = new Set(state.sampleTypes);
  const panel = $('sample-types-panel');
  panel.replaceChildren();
  for (const [group, sampleTypes] of Object.entries(page.groups)) {
    panel.append(el('h4', {}, group));
    for (const st of sampleTypes) {
      const box = el('input', {
        type: 'checkbox',
        checked: chosen.has(st),
        onchange: () => {
          const next = box.checked
            ? orderedSampleTypes([...state.sampleTypes, st])
            : state.sampleTypes.filter((s) => s !== st);
          navigate({ ...state, sampleTypes: next });
        },
      });
      panel.append(el('label', {}, box, st));
    }
  }
  $('sample-types-count').textContent = String(state.sampleTypes.length);
}

// Sample types in the order /api/group_sample_types lists them.
function orderedSampleTypes(sampleTypes) {
  const order = Object.values(page.groups).flat();
  return [...new Set(sampleTypes)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function renderLabelPanel() {
  const panel = $('labels-panel');
  panel.replaceChildren();
  const keys = Object.keys(page.labels);
  if (keys.length === 0) {
    panel.append(el('p', { className: 'empty' }, 'No labels in the archive.'));
  } else {
    const condition = el('div', { className: 'segmented', role: 'group', 'aria-label': 'Match' });
    for (const value of ['AND', 'OR']) {
      condition.append(el('button', {
        type: 'button',
        title: value === 'AND' ? 'Profiles matching every chosen label' : 'Profiles matching any chosen label',
        'aria-pressed': String(state.condition === value),
        className: state.condition === value ? 'primary' : '',
        onclick: () => navigate({ ...state, condition: value }),
      }, value === 'AND' ? 'Match all' : 'Match any'));
    }
    panel.append(el('div', { className: 'panel-row' }, condition));
  }
  const isChosen = (key, value) => state.labels.some((l) => l.key === key && l.value === value);
  for (const key of keys) {
    panel.append(el('h4', {}, key));
    for (const { Value: value } of page.labels[key]) {
      const box = el('input', {
        type: 'checkbox',
        checked: isChosen(key, value),
        onchange: () => {
          const labels = box.checked
            ? [...state.labels, { key, value }]
            : state.labels.filter((l) => !(l.key === key && l.value === value));
          navigate({ ...state, labels });
        },
      });
      panel.append(el('label', {}, box, value));
    }
  }
  $('labels-count').textContent = String(state.labels.length);
}

// ---- charts ----------------------------------------------------------------

function renderCharts() {
  const token = ++page.renderToken;
  const container = $('charts');
  $('notice').replaceChildren();
  setPick(null);
  page.charts.clear();
  container.replaceChildren();
  const { start, end } = timeRange(state);
  document.body.dataset.state = 'loading';
  const loads = state.sampleTypes.map((st) => {
    const card = el('section', { className: 'card chart', dataset: { sampleType: st, bubbles: '0', state: 'loading' } });
    container.append(card);
    return loadChart(card, st, start, end, token);
  });
  Promise.allSettled(loads).then(() => {
    if (token === page.renderToken) document.body.dataset.state = 'ready';
  });
  if (state.sampleTypes.length === 0) {
    showNotice($('notice'), 'info', 'No sample type chosen', 'Pick one or more under "Sample types".');
  }
}

async function loadChart(card, sampleType, start, end, token) {
  const header = el('div', { className: 'card-header' }, el('h2', {}, sampleType), el('span', { className: 'sub' }, 'loading…'));
  const body = el('div');
  card.append(header, body);
  const params = labelQuery(state);
  params.set('start_time', rfc3339(start));
  params.set('end_time', rfc3339(end));
  let targets;
  try {
    targets = await getJSON(`/api/profile_meta/${encodeURIComponent(sampleType)}`, params);
  } catch (err) {
    if (token !== page.renderToken) return;
    header.lastChild.textContent = '';
    body.replaceChildren();
    showNotice(body, 'error', `Cannot load ${sampleType}`, err.message);
    card.dataset.state = 'error';
    return;
  }
  if (token !== page.renderToken) return;
  const metas = targets.flatMap((t) => t.ProfileMetas.map((meta) => ({ meta, target: t.TargetName })));
  const cumulative = metas.some(({ meta }) => meta.Cumulative);
  const intervals = cumulative && !state.cumulative;
  // Per interval: a cumulative snapshot's DeltaValue (none for a baseline);
  // a target that serves intervals itself (godeltaprof) is not Cumulative.
  const intervalOf = (meta) => (meta.Cumulative ? meta.DeltaValue : meta.Value);
  const bubbles = metas
    .filter(({ meta }) => !intervals || intervalOf(meta) !== undefined)
    .map(({ meta }) => ({
      time: meta.Timestamp, value: intervals ? intervalOf(meta) : meta.Value, target: targetName(meta), group: groupOf(meta), meta,
    }));
  const baselines = metas.length - bubbles.length;
  card.dataset.bubbles = String(bubbles.length);
  card.dataset.values = cumulative ? (intervals ? 'interval' : 'cumulative') : 'instant';
  const unit = metas[0]?.meta.SampleTypeUnit ?? '';
  const what = intervals ? ' · per interval' : cumulative ? ' · since process start' : '';
  const skipped = baselines ? ` · ${baselines} baseline${baselines === 1 ? '' : 's'} (first snapshot, no interval) not shown` : '';
  header.lastChild.textContent = `${bubbles.length} profile${bubbles.length === 1 ? '' : 's'}${unit ? ` · ${unit}` : ''}${what}${skipped}`;
  if (cumulative) header.append(valuesSwitch());
  if (bubbles.length === 0) {
    card.dataset.state = 'ready';
    body.append(el('div', { className: 'empty-chart' },
      baselines ? 'Only baselines here: a target\'s first snapshot has no interval. Widen the range, or show values since process start.'
        : state.labels.length ? 'No profiles match these labels in this time range.' : 'No profiles in this time range.'));
    return;
  }
  // (Filtered to one group, its targets' bubbles are the drill-down.)
  const oneGroup = state.labels.some((l) => l.key === state.group);
  if (bubbles.length > (oneGroup ? 5 * MAX_BUBBLES : MAX_BUBBLES)) {
    await loadSeries(card, header, body, sampleType, unit, start, end, token);
    return;
  }
  card.dataset.state = 'ready';
  card.dataset.view = 'bubbles';
  const totals = new Map();
  for (const b of bubbles) totals.set(b.group, (totals.get(b.group) ?? 0) + b.value);
  const top = topGroups(totals);
  header.append(el('span', { className: 'spacer' }), legend(top, totals.size - top.length, [...totals.keys()]));
  const canvas = el('canvas', { 'aria-label': `${sampleType} profiles over time` });
  body.append(el('div', { className: 'chart-canvas-wrap' }, canvas));
  const chart = new BubbleChart(canvas, {
    unit,
    colorOf: (b) => colorOf(b.group, top),
    tooltip: $('tooltip'),
    onOpen: openProfile,
    onPick: (bubble) => pickForDiff(sampleType, bubble),
    onRange: (from, to, inside) => openRange(sampleType, from, to, inside),
  });
  chart.setData(bubbles, start, end);
  page.charts.set(sampleType, chart);
  if (oneGroup) body.append(targetList(bubbles, unit, start, end));
}

// A group's targets under its chart: each one's latest value and a
// sparkline of its values, largest latest first; a click shows only that
// target's bubbles.
function targetList(bubbles, unit, start, end) {
  const byTarget = new Map();
  for (const b of bubbles) {
    if (!byTarget.has(b.meta.Host)) byTarget.set(b.meta.Host, []);
    byTarget.get(b.meta.Host).push(b);
  }
  const rows = [...byTarget.values()]
    .map((points) => points.sort((a, b) => a.time - b.time))
    .sort((a, b) => b.at(-1).value - a.at(-1).value);
  const shown = rows.slice(0, MAX_TARGET_ROWS);
  const list = el('div', { className: 'target-list', dataset: { targets: String(rows.length) } },
    ...shown.map((points) => {
      const last = points.at(-1);
      return el('button', {
        type: 'button',
        className: 'target-row',
        title: `Only ${last.target}`,
        onclick: () => navigate({
          ...state, labels: [...state.labels.filter((l) => l.key !== '_host'), { key: '_host', value: last.meta.Host }],
          condition: 'AND',
        }),
      }, el('span', { className: 'target-name' }, last.target), sparkline(points, start, end),
      el('span', { className: 'target-value' }, formatValue(last.value, unit)));
    }));
  if (rows.length > shown.length) {
    list.append(el('div', { className: 'target-more' }, `and ${rows.length - shown.length} more targets`));
  }
  return list;
}

// An SVG polyline of `points` (time, value) over [start, end].
function sparkline(points, start, end) {
  const w = 120, h = 22;
  const max = Math.max(...points.map((p) => p.value), 1);
  const coords = points.map((p) =>
    `${(((p.time - start) / (end - start)) * w).toFixed(1)},${(h - 1 - (p.value / max) * (h - 2)).toFixed(1)}`);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('class', 'sparkline');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', coords.join(' '));
  svg.append(line);
  return svg;
}

// The LEGEND_GROUPS largest groups of `totals` (group -> total), largest first.
function topGroups(totals) {
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, LEGEND_GROUPS).map(([g]) => g);
}

// A chart of too many profiles: a line per group, its values aggregated per
// time bucket (/api/series).
async function loadSeries(card, header, body, sampleType, unit, start, end, token) {
  const step = Math.max(1, Math.ceil((end - start) / SERIES_BUCKETS / 1000));
  const params = labelQuery(state);
  params.set('start_time', rfc3339(start));
  params.set('end_time', rfc3339(end));
  params.set('group_by', state.group);
  params.set('step', `${step}s`);
  params.set('agg', state.agg);
  let series;
  try {
    series = await getJSON(`/api/series/${encodeURIComponent(sampleType)}`, params);
  } catch (err) {
    if (token !== page.renderToken) return;
    showNotice(body, 'error', `Cannot load ${sampleType}'s series`, err.message);
    card.dataset.state = 'error';
    return;
  }
  if (token !== page.renderToken) return;
  const top = series.slice(0, LEGEND_GROUPS).map((s) => s.Group);
  const points = series.flatMap((s) => s.Points.map(([time, value]) => ({
    time, value, target: s.Group, group: s.Group, step: step * 1000,
  })));
  card.dataset.state = 'ready';
  card.dataset.view = 'series';
  card.dataset.series = String(series.length);
  header.lastChild.textContent += ` · ${series.length} ${state.group} group${series.length === 1 ? '' : 's'}, ${state.agg} per ${formatDuration(step * 1e9)}`;
  header.append(el('span', { className: 'spacer' }), legend(top, series.length - top.length, series.map((s) => s.Group)));
  const canvas = el('canvas', { 'aria-label': `${sampleType}: ${state.agg} by ${state.group} over time` });
  body.append(el('div', { className: 'chart-canvas-wrap' }, canvas));
  const chart = new BubbleChart(canvas, {
    unit,
    lines: true,
    colorOf: (p) => colorOf(p.group, top),
    tooltip: $('tooltip'),
    describe: (p) => [
      el('b', {}, `${state.group}=${p.group || '(none)'}`),
      row('from', formatTime(p.time)),
      row('to', formatTime(p.time + p.step)),
      row(state.agg, formatValue(p.value, unit)),
      el('div', { className: 'labels' }, 'Click to analyze these profiles merged'),
    ],
    onOpen: (p) => openBucket(sampleType, p),
    onPick: (p) => openBucket(sampleType, p),
    onRange: (from, to, inside) => openRange(sampleType, from, to, inside),
  });
  chart.setData(points, start, end);
  page.charts.set(sampleType, chart);
}

// A series point: its group's profiles of its bucket, merged.
function openBucket(sampleType, point) {
  const params = new URLSearchParams({
    sample_type: sampleType, start_time: rfc3339(point.time), end_time: rfc3339(point.time + point.step - 1),
  });
  const labels = point.group ? [...state.labels, { key: state.group, value: point.group }] : state.labels;
  for (const [key, value] of labelQuery({ ...state, labels })) params.append(key, value);
  if (labels.length > 1) params.set('condition', 'AND');
  location.href = withQuery('/analysis', params);
}

// Per interval | Since start: how a cumulative type's bubbles are drawn.
function valuesSwitch() {
  const group = el('div', { className: 'segmented values-switch', role: 'group', 'aria-label': 'Values' });
  for (const [cumulative, label, title] of [
    [false, 'Per interval', 'Each bubble: what happened since the snapshot before (the interval)'],
    [true, 'Since start', 'Each bubble: the snapshot as served, counting since the process started'],
  ]) {
    group.append(el('button', {
      type: 'button',
      title,
      dataset: { values: cumulative ? 'cumulative' : 'interval' },
      'aria-pressed': String(state.cumulative === cumulative),
      className: state.cumulative === cumulative ? 'primary' : '',
      onclick: () => navigate({ ...state, cumulative }),
    }, label));
  }
  return group;
}

// The top groups (a click filters to one), how many others, and a box to
// find any group of the chart (`all`).
function legend(top, others, all) {
  const entries = top.map((g) => el('button', {
    type: 'button',
    className: 'legend-entry',
    title: `Only ${state.group}=${g}`,
    onclick: () => filterToGroup(g),
  }, el('i', { style: `background:${colorOf(g, top)}` }), g || '(none)'));
  if (others > 0) entries.push(el('span', { className: 'legend-others' }, el('i', { style: `background:${OTHERS_COLOR}` }), `${others} other${others === 1 ? '' : 's'}`));
  const listId = `groups-${++page.legends}`;
  const find = el('input', {
    type: 'search',
    className: 'legend-find',
    placeholder: `Find ${state.group}…`,
    'aria-label': `Find a ${state.group}`,
    onchange: () => { if (all.includes(find.value)) filterToGroup(find.value); },
  });
  find.setAttribute('list', listId); // (a read-only property)
  const options = el('datalist', { id: listId }, ...all.slice(0, 2000).map((g) => el('option', { value: g })));
  return el('div', { className: 'legend' }, ...entries, find, options);
}

// Only the profiles of one group (a label filter, which the URL keeps).
function filterToGroup(group) {
  if (!group) return;
  const labels = state.labels.filter((l) => l.key !== state.group);
  navigate({ ...state, labels: [...labels, { key: state.group, value: group }], condition: 'AND' });
}

// ---- navigation from a chart ----------------------------------------------

function siOf(meta) {
  return sampleIndexOf(meta.SampleType, meta.ProfileType);
}

// A cumulative type's bubble opens its interval (unless the chart shows
// values since process start): the profile that its value sums.
function openProfile(bubble) {
  const { meta } = bubble;
  const params = { si: siOf(meta) };
  if (meta.Cumulative && !state.cumulative) params.interval = '1';
  location.href = withQuery(`/api/pprof/ui/${encodeURIComponent(meta.ProfileID)}/`, params);
}

function openRange(sampleType, from, to, inside) {
  if (inside.length === 0) {
    showNotice($('notice'), 'info', 'No profiles in that range', 'Drag across some bubbles to merge them.');
    return;
  }
  if (inside[0].meta?.ProfileType === 'trace') {
    showNotice($('notice'), 'info', 'Traces cannot be merged', 'Click one trace to open it.');
    return;
  }
  const params = new URLSearchParams({ sample_type: sampleType, start_time: rfc3339(from), end_time: rfc3339(to) });
  for (const [key, value] of labelQuery(state)) params.append(key, value);
  // The server sums a cumulative type's intervals unless told otherwise.
  if (state.cumulative && inside.some((b) => b.meta?.Cumulative)) params.set('interval', '0');
  location.href = withQuery('/analysis', params);
}

function pickForDiff(sampleType, bubble) {
  const first = page.pick;
  if (!first || first.sampleType !== sampleType) {
    setPick({ sampleType, bubble });
    return;
  }
  if (first.bubble === bubble) {
    setPick(null);
    return;
  }
  if (bubble.meta.ProfileType === 'trace') {
    showNotice($('notice'), 'info', 'Traces cannot be compared', 'Pick two profiles of another sample type.');
    setPick(null);
    return;
  }
  // The older profile is the base, the newer one is compared against it.
  const [base, current] = [first.bubble, bubble].sort((a, b) => a.time - b.time);
  const params = { id: current.meta.ProfileID, base: base.meta.ProfileID, si: siOf(current.meta) };
  if (!state.cumulative && (current.meta.Cumulative || base.meta.Cumulative)) params.interval = '1'; // compare the two intervals
  location.href = withQuery('/analysis', params);
}

function setPick(pick) {
  for (const [st, chart] of page.charts) chart.setPicked(pick && pick.sampleType === st ? pick.bubble : null);
  page.pick = pick;
  $('pick-bar').hidden = !pick;
  if (pick) {
    $('pick-text').textContent =
      `Base: ${pick.bubble.target} at ${formatTime(pick.bubble.time)}. Shift-click another ${pick.sampleType} bubble to compare.`;
  }
}

// For the end-to-end test: where the bubbles of a chart are drawn, in CSS
// pixels from the chart canvas' top-left corner.
window.cprofOverview = {
  bubbles: (sampleType) => page.charts.get(sampleType)?.positions() ?? [],
};

start();
