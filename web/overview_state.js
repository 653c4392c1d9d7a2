// The overview's state: what its URL keeps (the query string is the state,
// so a view can be shared and the back button works), and what the page
// holds while it lives. Every overview module reads `state`; only navigate
// (and the history's popstate, through setState) replaces it.
//
// URL state: st=SAMPLE_TYPE (repeated), range=15m|1h|6h|24h|7d or
// from=RFC3339&to=RFC3339, lbs[key]=value (repeated), condition=AND|OR,
// values=cumulative (cumulative types since process start; default: per
// interval), group=LABEL (what colours and the legend group by; default
// _app), agg=sum|avg|max|p95 (how a fleet's series aggregate; default sum),
// others=1 (a fleet's chart draws the groups past its legend's top too, in
// grey; default: the top groups only, the y axis fitted to them).

import { labelParam, rfc3339 } from './api.js';

export const PRESETS = new Map([
  ['15m', 15 * 60e3], ['1h', 3600e3], ['6h', 6 * 3600e3], ['24h', 24 * 3600e3], ['7d', 7 * 24 * 3600e3],
]);
const DEFAULT_PRESET = '1h';
export const DEFAULT_SAMPLE_TYPES = ['heap_inuse_space', 'profile_cpu'];
const DEFAULT_GROUP = '_app';
export const AGGREGATES = ['sum', 'avg', 'max', 'p95'];

export const $ = (id) => document.getElementById(id);

export const page = {
  groups: {}, // group -> [sample type]
  labels: {}, // key -> [{Key, Value}]
  profileTypes: new Map(), // profile type -> its row of /api/profile_types
  groupColors: new Map(), // group value -> colour, kept while the page lives
  charts: new Map(), // sample type -> BubbleChart
  pick: null, // {sampleType, bubble}
  renderToken: 0,
  legends: 0, // legends made: their datalists' ids
  loaded: false, // the archive's sample types and labels are in
};

export function readState() {
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
    others: params.get('others') === '1',
  };
}

export function stateQuery(state) {
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
  if (state.others) params.set('others', '1');
  return params;
}

export function timeRange(state) {
  if (state.custom) return { start: state.custom.from, end: state.custom.to };
  const end = Date.now();
  return { start: end - PRESETS.get(state.preset), end };
}

// The label filter as API parameters: lbs[k]=v... and condition.
export function labelQuery(state) {
  const params = new URLSearchParams();
  for (const { key, value } of state.labels) params.append(labelParam(key), value);
  if (state.labels.length > 1) params.set('condition', state.condition);
  return params;
}

export let state = readState();

// Replaces the state with what the URL now says (popstate); navigate
// records a new one itself.
export function setState(next) {
  state = next;
}

// What navigate redraws (the page's controls and charts: overview.js).
let redraw = () => {};
export function onNavigate(fn) {
  redraw = fn;
}

// Moves to `next`, records it in the history (shareable URL) and redraws.
export function navigate(next) {
  state = next;
  history.pushState(null, '', `?${stateQuery(state)}`);
  redraw();
}
