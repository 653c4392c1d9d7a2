// The overview's charts: one card per sample type, its profiles' bubbles
// over time by target, coloured by group with a legend.
//
// A fleet: a chart of more than MAX_BUBBLES profiles draws one line per
// group instead (/api/series: the group's values per time bucket,
// aggregated), the top LEGEND_GROUPS groups by total in colour. The other
// groups' lines are off by default, as a dashboard's top-N panel leaves
// them: drawn on the same axis, hundreds of them would push the top groups
// flat along zero (or hide them under grey). The legend's "N others" entry
// toggles them (others=1 in the URL), in grey beneath the top groups, the
// y axis then fitted to all. A click on a
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

import { getJSON, rfc3339 } from './api.js';
import { BubbleChart, row } from './bubbles.js';
import { el, showNotice } from './dom.js';
import { formatDuration, formatTime, formatValue } from './format.js';
import { openBucket, openProfile, openRange, pickForDiff, setPick } from './overview_actions.js';
import { $, labelQuery, navigate, page, state, timeRange } from './overview_state.js';

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

export function renderCharts() {
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
  const others = series.length - top.length;
  const drawn = state.others ? series : series.slice(0, LEGEND_GROUPS);
  const points = drawn.flatMap((s) => s.Points.map(([time, value]) => ({
    time, value, target: s.Group, group: s.Group, step: step * 1000,
  })));
  card.dataset.state = 'ready';
  card.dataset.view = 'series';
  card.dataset.series = String(series.length);
  card.dataset.drawn = String(drawn.length);
  header.lastChild.textContent += ` · ${series.length} ${state.group} group${series.length === 1 ? '' : 's'}, ${state.agg} per ${formatDuration(step * 1e9)}`;
  if (others > 0 && !state.others) header.lastChild.textContent += ` · top ${top.length} drawn`;
  header.append(el('span', { className: 'spacer' }), legend(top, others, series.map((s) => s.Group), true));
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

// The top groups (a click filters to one), how many others (with
// `toggleOthers`, a switch that draws their lines or not), and a box to find
// any group of the chart (`all`).
function legend(top, others, all, toggleOthers = false) {
  const entries = top.map((g) => el('button', {
    type: 'button',
    className: 'legend-entry',
    title: `Only ${state.group}=${g}`,
    onclick: () => filterToGroup(g),
  }, el('i', { style: `background:${colorOf(g, top)}` }), g || '(none)'));
  const othersLabel = `${others} other${others === 1 ? '' : 's'}`;
  if (others > 0 && toggleOthers) {
    entries.push(el('button', {
      type: 'button',
      className: `legend-others toggle${state.others ? '' : ' off'}`,
      'aria-pressed': String(state.others),
      title: state.others ? `Hide the ${othersLabel}' lines: the y axis fits the top ${top.length}`
        : `Draw the ${othersLabel}' lines too, in grey (the y axis then fits them all)`,
      onclick: () => navigate({ ...state, others: !state.others }),
    }, el('i', { style: `background:${OTHERS_COLOR}` }), othersLabel));
  } else if (others > 0) {
    entries.push(el('span', { className: 'legend-others' }, el('i', { style: `background:${OTHERS_COLOR}` }), othersLabel));
  }
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
