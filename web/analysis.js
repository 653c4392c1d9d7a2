// The analysis page: a flame graph and the top table of one profile, of a
// merged selection, or of a profile against a base (diff); a page of facts
// for a trace.
//
// URLs: /api/pprof/ui/<id>/?si=NAME and /analysis?<source>[&base=ID]&si=NAME,
// both with focus/ignore/hide and tagfocus/tagignore (RE2, applied by the
// server), tagroot=KEY (a root frame per value of label KEY, as pprof's
// -tagroot), interval=0|1 (a cumulative type's interval values, or its
// snapshots since process start), sandwich=FUNC (that function's callers
// and callees), peek=RE (pprof's peek of the matching functions),
// source=FUNC (that function's source lines, beside the flame graph or the
// call graph), view=graph (the call graph in the flame graph's place) and
// nodecount=N (the call graph's nodes, pprof's 80 by default; the top
// table's rows too, as in pprof); and the view's state: zoom=NAME
// (repeated: the zoomed frame's path from the root), frame=NAME (repeated:
// the selected frame's, when it is not the zoomed one), search=RE (the
// flame graph's search; a top table row's is ^NAME$) and
// sort=COLUMN.asc|desc (the top table's). The query string is the whole
// state: the page is a shareable link. Filters, the view, sandwich, peek
// and source push a history entry; zoom, frame, search and sort replace the
// current one.
//
// Keys: "/" focuses the flame graph's search; Esc clears it, else the zoom,
// else the selected frame, else closes the source panel, else the Peek
// card, else the sandwich (from the flame graph outwards; in the call graph
// view Esc closes those cards alone); the arrows move the selected frame
// (profile_view.js), Enter zooms to it.
//
// The flame graph and the table are profile_view.js's; the server-side focus
// filter stays in the Focus input. The Labels card lists pprof's tags of the
// samples shown (/api/analysis?tags=1): a click on a value focuses on it
// (tagfocus=KEY=^VALUE$), Alt+click ignores it; its "Group by" picks a key
// for tagroot. The Sandwich card shows one
// function's callers (an inverted flame graph) over its callees, picked by a
// top table row's "Sandwich" action or a click on a flame graph frame.
// The Peek card lists pprof's peek (/api/analysis?peek=RE): each matching
// function's callers above it and callees below, with the calls' values and
// shares, opened by a row's "Peek" action or from the source panel; a name
// in it peeks at that function. The source panel (/api/analysis?source=FUNC)
// shows the lines of the function of a flame graph frame clicked (the click
// also zooms to the frame and selects it; Enter on a selected frame is the
// same click) or of a row's "Source" action, with their flat and cum, the
// hot ones shaded; where the server has no source for the file (serve
// --source-path), the sampled lines' numbers with their values. Opening it
// keeps the flame graph's zoom: the URL changes (a new history entry) and
// only the panel is fetched. The Call graph tab (callgraph.js) draws pprof's
// call graph (/api/analysis?graph=1: go tool pprof -dot's nodes and edges)
// in the flame graph's place, the source panel beside it as beside the
// flame graph (opened from the top table there); a click on a node focuses
// on its function (focus=^NAME$).

import { ApiError, FILTER_KEYS, getJSON, isMergeable, profileTypes, sourceParams, withQuery } from './api.js';
import { copyText, el, placeTooltip, showNotice } from './dom.js';
import { formatDuration, formatTime, formatValue, percentage } from './format.js';
import { FlameGraph } from './flamegraph.js';
import { CallGraph } from './callgraph.js';
import { ProfileView } from './profile_view.js';

const $ = (id) => document.getElementById(id);
const PROFILE_PATH = /^\/api\/pprof\/ui\/([^/]+)\/?$/;

// The label filters: kept in the URL and sent to the server as the others,
// set from the Labels card rather than from inputs.
const TAG_KEYS = ['tagfocus', 'tagignore'];
// The label keys whose values become root frames (pprof's -tagroot): set
// from the Labels card's "Group by", sent, kept and cleared as the filters.
const GROUP_KEY = 'tagroot';
const ALL_FILTER_KEYS = [...FILTER_KEYS, ...TAG_KEYS, GROUP_KEY];
// Values a label key lists before "N more".
const MAX_LABEL_VALUES = 40;

const profileView = new ProfileView({
  onSandwich: (name) => go({ sandwich: name }),
  onPeek: (name) => go({ peek: exactName(name) }),
  onSource: (name) => openSource(name),
  // (the new state replaces the URL's: zoom, frame, search and sort are no steps
  // back and forth in the history)
  onStateChange: (state) => history.replaceState(null, '', viewUrl(readView(), state)),
  onEscape: () => closeCard(),
});
const sandwichCallers = new FlameGraph($('sandwich-callers'), { unit: '', tooltip: $('tooltip'), inverted: true });
const sandwichCallees = new FlameGraph($('sandwich-callees'), { unit: '', tooltip: $('tooltip') });
const callGraph = new CallGraph($('graph'), {
  tooltip: $('tooltip'),
  placeTooltip,
  onFocus: (name) => go({ filters: { focus: `^${re2Literal(name)}$` } }),
});
let current = null; // the analysis shown (for the test accessors)
let loadToken = 0;
let graphTiming = null; // the call graph's last drawing ({layoutMs, drawMs, ...})

// What the URL asks for: {source, base, si, filters, sandwich, peek,
// sourceOf, view, nodecount, singleId, zoom, frame, search, sort}.
function readView() {
  const params = new URLSearchParams(location.search);
  const match = PROFILE_PATH.exec(location.pathname);
  const source = match ? new URLSearchParams({ id: decodeURIComponent(match[1]) }) : sourceParams(params);
  if (match && params.has('interval')) source.set('interval', params.get('interval'));
  const ids = source.getAll('id');
  const filters = {};
  for (const key of ALL_FILTER_KEYS) filters[key] = params.get(key) ?? '';
  return {
    source,
    base: params.get('base'),
    si: params.get('si'),
    filters,
    sandwich: params.get('sandwich') || null,
    peek: params.get('peek') || null,
    sourceOf: params.get('source') || null,
    zoom: params.getAll('zoom'),
    frame: params.getAll('frame'),
    search: params.get('search') ?? '',
    sort: params.get('sort') ?? '',
    view: params.get('view') === 'graph' ? 'graph' : 'flame',
    nodecount: params.get('nodecount') || null,
    singleId: ids.length === 1 && [...source.keys()].every((k) => k === 'id' || k === 'interval') ? ids[0] : null,
  };
}

// The same view with `changes` applied, as a URL of this page.
function viewUrl(view, changes) {
  const next = { ...view, ...changes, filters: { ...view.filters, ...changes.filters } };
  const params = PROFILE_PATH.test(location.pathname) ? new URLSearchParams() : new URLSearchParams(next.source);
  if (PROFILE_PATH.test(location.pathname) && next.source.has('interval')) params.set('interval', next.source.get('interval'));
  if (next.base) params.set('base', next.base);
  if (next.si) params.set('si', next.si);
  for (const key of ALL_FILTER_KEYS) if (next.filters[key]) params.set(key, next.filters[key]);
  if (next.sandwich) params.set('sandwich', next.sandwich);
  if (next.peek) params.set('peek', next.peek);
  if (next.sourceOf) params.set('source', next.sourceOf);
  for (const name of next.zoom ?? []) params.append('zoom', name);
  for (const name of next.frame ?? []) params.append('frame', name);
  if (next.search) params.set('search', next.search);
  if (next.sort) params.set('sort', next.sort);
  if (next.view === 'graph') params.set('view', 'graph');
  if (next.nodecount) params.set('nodecount', next.nodecount);
  return withQuery(location.pathname, params);
}

// Shows the view with `changes` applied, as a new history entry.
function go(changes) {
  history.pushState(null, '', viewUrl(readView(), changes));
  load();
}

function analysisParams(source, si, filters, nodecount = null) {
  const params = new URLSearchParams(source);
  if (si) params.set('si', si);
  for (const key of ALL_FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  if (nodecount) params.set('nodecount', nodecount);
  return params;
}

// The call graph is of one profile or merge, not of a diff.
function showsGraph(view) {
  return view.view === 'graph' && !view.base;
}

async function load() {
  const token = ++loadToken;
  const view = readView();
  document.body.dataset.state = 'loading';
  document.body.dataset.mode = view.base ? 'diff' : view.singleId ? 'single' : 'merged';
  showNotice($('notice'), 'info', 'Loading…', 'Reading the profile from the archive.');
  if ([...view.source.keys()].length === 0) {
    fail(new ApiError('This page needs a profile: open it from a bubble on the overview.', 400), view);
    return;
  }
  try {
    let si = view.si;
    let meta = null;
    if (view.singleId) {
      let types;
      [meta, types] = await Promise.all([
        getJSON(`/api/meta/${encodeURIComponent(view.singleId)}`),
        profileTypes(),
      ]);
      if (token !== loadToken) return;
      // A profile that cannot be analyzed (a trace) gets its own card.
      if (!isMergeable(types, meta.profile_type)) {
        showTrace(meta);
        return;
      }
      // A sample index this profile does not have falls back to its default.
      if (si && !meta.sample_types.some((t) => t.type === si)) si = meta.default_sample_type;
    }
    const params = analysisParams(view.source, si, view.filters, view.nodecount);
    params.set('tags', '1');
    if (view.sandwich) params.set('sandwich', view.sandwich);
    if (view.peek) params.set('peek', view.peek);
    if (view.sourceOf) params.set('source', view.sourceOf);
    if (showsGraph(view)) params.set('graph', '1');
    const requests = [getJSON('/api/analysis', params)];
    if (view.base) {
      requests.push(getJSON('/api/analysis', analysisParams(baseSource(view), si, view.filters, view.nodecount)));
    }
    const [analysis, base] = await Promise.all(requests);
    if (token !== loadToken) return;
    show(view, analysis, base ?? null, meta);
  } catch (err) {
    if (token === loadToken) fail(err, view);
  }
}

// The base of a diff, read as the source is (its interval, or as it is).
function baseSource(view) {
  const source = new URLSearchParams({ id: view.base });
  if (view.source.has('interval')) source.set('interval', view.source.get('interval'));
  return source;
}

// The same view with interval values on or off.
function withInterval(view, on) {
  const source = new URLSearchParams(view.source);
  source.set('interval', on ? '1' : '0');
  return viewUrl({ ...view, source }, {});
}

function fail(err, view) {
  document.body.dataset.state = 'error';
  const status = err instanceof ApiError ? err.status : -1;
  const title = status === 404 ? 'Profile not found'
    : status === 400 ? 'The server rejected this view'
      : status === 0 ? 'The server is unreachable'
        : 'The analysis failed';
  const detail = status === 404
    ? `${err.message}. It may have been pruned from the archive since this link was made.`
    : err.message;
  const box = showNotice($('notice'), 'error', title, detail);
  box.append(el('p', {}, el('a', { href: '/' }, 'Back to the overview')));
  $('flame-card').hidden = true;
  $('top-card').hidden = true;
  $('labels-card').hidden = true;
  $('sandwich-card').hidden = true;
  $('peek-card').hidden = true;
  showSourcePanel(null);
  $('graph-card').hidden = true;
  $('view-tabs').hidden = true;
  // Keep the filters editable: a bad regexp is fixed where it was typed.
  $('head').hidden = status !== 400;
  $('head').classList.toggle('filters-only', !current);
  if (status === 400) fillFilterInputs(view);
}

// meta: the profile's /api/meta for a single profile, else null.
function show(view, analysis, base, meta) {
  current = analysis;
  $('notice').replaceChildren();
  showHead(view, analysis, base, meta);
  profileView.show(analysis, base, { zoom: view.zoom, frame: view.frame, search: view.search, sort: view.sort });
  $('sandwich-pick').hidden = true;
  showLabels(view, analysis);
  showSandwich(analysis);
  showPeek(analysis);
  showSourcePanel(view.sourceOf ? analysis.list ?? null : null, view.sourceOf, analysis);
  showGraph(view, analysis, base);
  if (analysis.flame.v === 0) {
    showNotice($('notice'), 'info', 'No samples', 'No samples match these filters (or the profile is empty).');
  }
  document.body.dataset.state = 'ready';
}

// The summary, the controls, the download link and the pprof command.
function showHead(view, analysis, base, meta) {
  $('head').hidden = false;
  $('head').classList.remove('filters-only');
  const facts = [];
  const fact = (label, value) => facts.push(el('span', { className: 'fact' }, `${label} `, el('b', {}, value)));
  if (meta) fact('target', `${meta.host} (${meta.job}/${meta.app})`);
  if (analysis.interval && !base) {
    const span = `${formatTime(Date.parse(analysis.interval_start))} – ${formatTime(Date.parse(analysis.interval_end))}`;
    fact(analysis.count > 1 ? 'window' : 'interval', span);
    if (analysis.count > 1) fact('intervals', `${analysis.intervals} of ${analysis.count} snapshots`);
    if (analysis.baselines) fact('baselines', `${analysis.baselines} (no interval)`);
    if (analysis.resets) fact('restarts', String(analysis.resets));
  } else if (base) {
    // A snapshot's time; an interval's end.
    const when = (a) => formatTime(Date.parse(a.interval ? a.interval_end : a.time));
    fact('base', when(base));
    fact('new', when(analysis));
  } else if (view.source.has('start_time')) {
    fact('range', `${formatTime(Date.parse(view.source.get('start_time')))} – ${formatTime(Date.parse(view.source.get('end_time')))}`);
  } else {
    fact('time', formatTime(Date.parse(analysis.time)));
  }
  if (analysis.count > 1 && !analysis.interval) fact('merged', `${analysis.count} profiles`);
  if (analysis.duration_ns) fact('duration', formatDuration(analysis.duration_ns));
  fact('total', analysis.total_formatted);
  $('summary').replaceChildren(
    el('h1', {}, `${analysis.profile_type} · ${analysis.sample_index}`),
    ...(base ? [el('span', { className: 'mode-diff' }, 'diff against base')] : []),
    ...(analysis.cumulative ? [valuesLink(view, analysis)] : []),
    ...facts,
  );
  $('crumb').textContent = base ? 'diff' : analysis.count > 1 ? 'merged profiles' : 'profile';
  const si = $('si');
  si.replaceChildren(...analysis.sample_types.map((t) => el('option', { value: t.type }, `${t.type} (${t.unit})`)));
  si.value = analysis.sample_index;
  fillFilterInputs(view);
  // What is shown is what is downloaded: a snapshot as archived, or the
  // merge (or interval) the server computed.
  const asArchived = view.singleId && !analysis.interval;
  $('download').href = asArchived ? `/api/download/${encodeURIComponent(view.singleId)}` : withQuery('/api/merge', view.source);
  // The same view as one self-contained file (/api/report.html).
  const report = analysisParams(view.source, analysis.sample_index, view.filters);
  if (view.base) report.set('base', view.base);
  $('report').href = withQuery('/api/report.html', report);
  $('command').value = pprofCommand(view, analysis.sample_index);
}

// What the numbers of a cumulative type are, and a link to the other view.
function valuesLink(view, analysis) {
  const [badge, other, label] = analysis.interval
    ? ['per interval', withInterval(view, false), 'Show since process start']
    : ['since process start', withInterval(view, true), 'Show per interval'];
  return el('span', { className: 'values-mode', id: 'values-mode', dataset: { values: analysis.interval ? 'interval' : 'cumulative' } },
    el('span', { className: 'mode-values' }, badge), ' ', el('a', { href: other, id: 'values-toggle' }, label));
}

function fillFilterInputs(view) {
  for (const key of FILTER_KEYS) $(key).value = view.filters[key];
}

// go tool pprof reading the same data from this server.
function pprofCommand(view, si) {
  const mergeUrl = (source) => `${location.origin}${withQuery('/api/merge', source)}`;
  const args = ['go tool pprof -http=:', `-sample_index=${si}`];
  for (const key of ALL_FILTER_KEYS) if (view.filters[key]) args.push(`-${key}=${shellQuote(view.filters[key])}`);
  if (view.base) args.push(`-diff_base=${shellQuote(mergeUrl(baseSource(view)))}`);
  args.push(shellQuote(mergeUrl(view.source)));
  return args.join(' ');
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

// ---- labels --------------------------------------------------------------------

// The Labels card: each label key of the samples shown, its values as
// pprof -tags prints them (amount, share of the key's total), largest first.
function showLabels(view, analysis) {
  const keys = analysis.tags?.keys ?? [];
  $('labels-card').hidden = false;
  $('tag-filters').replaceChildren(...TAG_KEYS.filter((key) => view.filters[key]).map((key) =>
    el('button', {
      type: 'button',
      className: `tag-filter ${key === 'tagignore' ? 'ignore' : ''}`,
      title: `Remove this filter (${key})`,
      dataset: { filter: key },
      onclick: () => go({ filters: { [key]: '' } }),
    }, `${key}: ${view.filters[key]} ×`)));
  groupBySelect(view, keys);
  if (keys.length === 0) {
    $('labels').replaceChildren(el('p', { className: 'label-more' }, 'The samples shown carry no labels.'));
    return;
  }
  $('labels').replaceChildren(...keys.map((key) => labelKey(view, key)));
}

// "Group by": none, or a label key of the samples shown (and the URL's,
// whatever it is).
function groupBySelect(view, keys) {
  const select = $('tagroot');
  const current = view.filters[GROUP_KEY];
  const names = keys.map((k) => k.key);
  if (current && !names.includes(current)) names.push(current);
  select.replaceChildren(el('option', { value: '' }, 'none'), ...names.map((name) => el('option', { value: name }, name)));
  select.value = current;
  select.disabled = names.length === 0;
}

function labelKey(view, key) {
  const largest = Math.max(1, ...key.values.map((v) => Math.abs(v.value)));
  const values = key.values.slice(0, MAX_LABEL_VALUES).map((v) => {
    const focus = `${key.key}=^${re2Literal(v.name)}$`;
    return el('button', {
      type: 'button',
      className: `label-value${view.filters.tagfocus === focus ? ' active' : ''}`,
      disabled: key.numeric,
      title: key.numeric ? 'A numeric label: tagfocus selects string labels only'
        : `Click: only the samples with ${key.key}=${v.name} · Alt+click: all but them`,
      dataset: { key: key.key, value: v.name },
      onclick: (event) => {
        const filter = event.altKey ? 'tagignore' : 'tagfocus';
        go({ filters: { [filter]: view.filters[filter] === focus ? '' : focus } });
      },
    },
    el('span', { className: 'bar', style: `width: ${(100 * Math.abs(v.value)) / largest}%` }),
    el('span', { className: 'amount' }, v.formatted),
    el('span', { className: 'share' }, v.share.trim()),
    el('span', { className: 'name' }, v.name));
  });
  const more = key.values.length - values.length;
  return el('div', { className: 'label-key', dataset: { key: key.key } },
    el('h3', {}, `${key.key} `, el('span', { className: 'sub' }, `Total ${key.total_formatted} · ${key.values.length} value${key.values.length === 1 ? '' : 's'}`)),
    ...values,
    more > 0 ? el('div', { className: 'label-more' }, `${more} more`) : null);
}

// `text` as an RE2 expression matching it literally; a comma as \x2c, since
// the server splits a tag filter's expressions at commas.
function re2Literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll(',', '\\x2c');
}

// ---- sandwich --------------------------------------------------------------------

// The Sandwich card: the function's callers above (inverted: the function
// at the bottom), its callees below, both at its cum.
function showSandwich(analysis) {
  const sandwich = analysis.sandwich;
  $('sandwich-card').hidden = !sandwich;
  if (!sandwich) return;
  $('sandwich-function').textContent = sandwich.function;
  $('sandwich-sub').textContent = sandwich.cum === 0
    ? 'not in the samples shown'
    : `flat ${sandwich.flat_formatted} · cum ${sandwich.cum_formatted} (${percentage(sandwich.cum, analysis.total).trim()} of ${analysis.total_formatted})`;
  for (const [graph, tree] of [[sandwichCallers, sandwich.callers], [sandwichCallees, sandwich.callees]]) {
    graph.options.unit = analysis.unit;
    graph.setTree(tree);
  }
}

// ---- peek ------------------------------------------------------------------------

// An expression matching the function `name` alone (what the API's
// source=FUNC does on the server).
function exactName(name) {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

// The Peek card: per matching function, its callers (↑), itself and its
// callees (↓), as go tool pprof -peek prints them; a name peeks at it.
function showPeek(analysis) {
  const peek = analysis.peek;
  $('peek-card').hidden = !peek;
  if (!peek) return;
  $('peek-regex').textContent = peek.regex;
  const shown = peek.entries.length;
  $('peek-sub').textContent = peek.error
    ? peek.error
    : `${shown} function${shown === 1 ? '' : 's'}${peek.more_functions ? ` (${peek.more_functions} more not shown)` : ''} · callers ↑, callees ↓, calls% of the function's cum`;
  const head = el('tr', {}, ...['flat', 'flat%', 'sum%', 'cum', 'cum%', 'calls', 'calls%', 'context']
    .map((label) => el('th', { scope: 'col' }, label)));
  const bodies = peek.entries.map((entry) => {
    const edge = (kind, e) => el('tr', { className: kind, dataset: { name: e.name } },
      el('td'), el('td'), el('td'), el('td'), el('td'),
      el('td', {}, e.formatted), el('td', {}, e.share.trim()),
      el('td', { className: 'name' }, peekLink(e.name), e.inline ? ' (inline)' : ''));
    const more = (n, what) => n > 0
      ? el('tr', {}, el('td', { colSpan: 8 }, `${n} more ${what} not shown`)) : null;
    return el('tbody', { className: 'entry', dataset: { name: entry.name } },
      ...entry.callers.map((e) => edge('caller', e)),
      more(entry.more_callers, 'callers'),
      el('tr', { className: 'node', dataset: { name: entry.name } },
        el('td', {}, entry.flat_formatted), el('td', {}, entry.flat_pct.trim()), el('td', {}, entry.sum_pct.trim()),
        el('td', {}, entry.cum_formatted), el('td', {}, entry.cum_pct.trim()), el('td'), el('td'),
        el('td', { className: 'name' }, entry.name, entry.inline ? ` ${entry.inline}` : '',
          el('button', {
            type: 'button', className: 'row-action', dataset: { action: 'source' },
            title: 'Show the source lines of this function', onclick: () => openSource(entry.name),
          }, 'Source'))),
      ...entry.callees.map((e) => edge('callee', e)),
      more(entry.more_callees, 'callees'));
  });
  $('peek-table').replaceChildren(el('thead', {}, head), ...bodies);
  $('peek-text').textContent = peek.text;
}

function peekLink(name) {
  return el('a', {
    title: `Peek at ${name}`,
    onclick: () => go({ peek: exactName(name) }),
  }, name);
}

// ---- source panel ------------------------------------------------------------------

let sourceToken = 0;

// Opens the source panel on `name`'s lines: a new history entry, and only
// the panel fetched (the flame graph keeps its zoom).
async function openSource(name) {
  const view = readView();
  if (view.sourceOf === name && !$('source-card').hidden) return;
  history.pushState(null, '', viewUrl(view, { sourceOf: name }));
  const token = ++sourceToken;
  showSourcePanel(null, name, current, 'Loading…');
  const params = analysisParams(view.source, current?.sample_index ?? view.si, view.filters, view.nodecount);
  params.set('source', name);
  params.set('maxnodes', '1'); // the panel needs the list alone
  try {
    const analysis = await getJSON('/api/analysis', params);
    if (token === sourceToken) showSourcePanel(analysis.list, name, analysis);
  } catch (err) {
    if (token === sourceToken) showSourcePanel(null, name, current, err.message);
  }
}

// Closes the source panel: a new history entry, nothing fetched.
function closeSource() {
  sourceToken++;
  history.pushState(null, '', viewUrl(readView(), { sourceOf: null }));
  showSourcePanel(null);
}

// What Esc closes once the flame graph has nothing to reset: the source
// panel, else the Peek card, else the sandwich.
function closeCard() {
  if (!$('source-card').hidden) {
    closeSource();
  } else if (!$('peek-card').hidden) {
    go({ peek: null });
  } else if (!$('sandwich-card').hidden) {
    go({ sandwich: null });
  }
}

// The source panel: `list` (the API's list field) of `name`, beside the
// flame graph; hidden when `name` is null. `message` instead of the lines
// while loading or after an error.
function showSourcePanel(list, name = null, analysis = null, message = null) {
  const card = $('source-card');
  card.hidden = !name;
  document.querySelector('main').classList.toggle('with-source', Boolean(name));
  card.dataset.function = name ?? '';
  if (!name) return;
  $('source-function').textContent = name;
  const body = $('source-body');
  if (message || !list) {
    body.replaceChildren(el('p', { className: 'source-note' }, message ?? 'No listing.'));
    return;
  }
  const fn = list.functions.find((f) => f.name === name);
  if (!fn || list.error) {
    body.replaceChildren(el('p', { className: 'source-note' },
      list.error ? `${name} is not in the samples shown.` : `No source information for ${name}.`));
    return;
  }
  if (fn.files.length === 0) {
    body.replaceChildren(el('p', { className: 'source-note' }, `No source information for ${name} (the profile names no file).`));
    return;
  }
  const total = analysis?.total ?? list.total;
  body.replaceChildren(...fn.files.flatMap((file) => sourceFile(file, list, total)));
  // The hottest line in view.
  const hottest = [...body.querySelectorAll('tr.hot')].sort((a, b) => Number(b.dataset.cum) - Number(a.dataset.cum))[0];
  if (hottest) body.scrollTop = Math.max(0, hottest.offsetTop - body.clientHeight / 3);
}

function sourceFile(file, list, total) {
  const maxCum = Math.max(1, ...file.lines.map((l) => Math.abs(l.cum)));
  const header = el('div', { className: 'source-file' },
    el('b', {}, file.file), ` · flat ${file.flat_formatted} · cum ${file.cum_formatted} (${percentage(file.cum, total).trim()} of ${list.total_formatted})`);
  const note = file.error
    ? el('p', { className: 'source-note' }, `Source not available (${file.error}): the sampled lines' numbers and values only.`)
    : null;
  const rows = file.lines.map((line) => {
    const hot = line.flat !== 0 || line.cum !== 0;
    return el('tr', {
      className: hot ? 'hot' : '',
      style: hot ? `--heat: ${(Math.abs(line.cum) / maxCum).toFixed(3)}` : '',
      dataset: { line: String(line.n), flat: String(line.flat), cum: String(line.cum) },
    },
    el('td', { className: 'ln' }, String(line.n)),
    el('td', { className: 'value' }, line.flat_formatted),
    el('td', { className: 'value' }, line.cum_formatted),
    el('td', { className: 'code' }, line.text ?? ''));
  });
  const more = file.more_lines ? el('p', { className: 'source-note' }, `${file.more_lines} more lines not shown.`) : null;
  const table = el('table', { className: 'source' },
    el('thead', {}, el('tr', {}, el('th', {}, 'line'), el('th', {}, 'flat'), el('th', {}, 'cum'), el('th', {}, file.error ? '' : 'source'))),
    el('tbody', {}, ...rows));
  return [header, note, table, more].filter(Boolean);
}

// ---- call graph -------------------------------------------------------------------

// The tabs (flame graph or call graph; none for a diff) and the Call graph
// card in the flame graph's place.
function showGraph(view, analysis, base) {
  $('view-tabs').hidden = !!base;
  const graph = showsGraph(view) ? analysis.graph : null;
  for (const tab of $('view-tabs').querySelectorAll('button')) {
    tab.classList.toggle('active', tab.dataset.view === (graph ? 'graph' : 'flame'));
    tab.setAttribute('aria-pressed', String(tab.classList.contains('active')));
  }
  $('graph-card').hidden = !graph;
  if (!graph) {
    graphTiming = null;
    return;
  }
  $('flame-card').hidden = true;
  // pprof's legend, but for the file and type the page says already and
  // the link to dot's reading guide.
  const legend = graph.legend.filter((line) => !/^(File|Type|Time|Duration): |^\nSee /.test(line));
  $('graph-legend').replaceChildren(...legend.map((line) => el('div', {}, line)));
  $('graph-sub').textContent = `${graph.nodes.length} nodes · ${graph.edges.length} edges · box size by flat, colour by cum · click a node to focus on it`;
  graphTiming = graph.nodes.length ? callGraph.setGraph(graph) : null;
  if (!graph.nodes.length) $('graph').replaceChildren(el('p', { className: 'label-more' }, 'No nodes to draw.'));
}

// ---- trace ---------------------------------------------------------------------

function showTrace(meta) {
  document.body.dataset.mode = 'trace';
  $('crumb').textContent = 'trace';
  const download = `/api/download/${encodeURIComponent(meta.id)}`;
  const file = `trace-${meta.id}.out`;
  const command = `curl -o ${file} '${location.origin}${download}' && go tool trace ${file}`;
  const input = el('input', { type: 'text', readOnly: true, value: command, 'aria-label': 'go tool trace command' });
  const labels = Object.entries(meta.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  const card = el('section', { className: 'card', id: 'trace' },
    el('div', { className: 'card-header' }, el('h2', {}, 'Execution trace'),
      el('span', { className: 'sub' }, 'go tool trace opens it in a browser')),
    el('div', { className: 'card-body' },
      el('dl', { className: 'trace-facts' },
        ...fact('target', meta.host), ...fact('job / app', `${meta.job} / ${meta.app}`),
        ...fact('time', formatTime(meta.timestamp_ms)),
        ...(meta.duration_ns ? fact('duration', formatDuration(meta.duration_ns)) : []),
        ...fact('size', formatValue(meta.size, 'bytes')),
        ...(labels ? fact('labels', labels) : []),
        ...fact('id', meta.id)),
      el('a', { className: 'button primary', href: `/api/trace/ui/${encodeURIComponent(meta.id)}` }, 'Open the trace'),
      el('a', { className: 'button', href: download, download: file }, 'Download trace')),
    el('div', { className: 'command' }, input,
      el('button', { type: 'button', onclick: () => copyText(command, input) }, 'Copy')));
  $('notice').replaceChildren(card);
  document.body.dataset.state = 'ready';
}

function fact(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

// ---- wiring ----------------------------------------------------------------------

$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  const filters = {};
  for (const key of FILTER_KEYS) filters[key] = $(key).value.trim();
  history.pushState(null, '', viewUrl(readView(), { si: $('si').value || null, filters }));
  load();
});
$('si').addEventListener('change', () => $('controls').requestSubmit());
$('clear-filters').addEventListener('click', () => {
  for (const key of FILTER_KEYS) $(key).value = '';
  go({ si: $('si').value || null, filters: Object.fromEntries(ALL_FILTER_KEYS.map((key) => [key, ''])) });
});
$('sandwich-close').addEventListener('click', () => go({ sandwich: null }));
$('peek-close').addEventListener('click', () => go({ peek: null }));
$('source-peek').addEventListener('click', () => go({ peek: exactName($('source-card').dataset.function) }));
$('source-close').addEventListener('click', () => closeSource());
$('tagroot').addEventListener('change', () => go({ filters: { [GROUP_KEY]: $('tagroot').value } }));
for (const tab of $('view-tabs').querySelectorAll('button')) {
  tab.addEventListener('click', () => {
    if (!tab.classList.contains('active')) go({ view: tab.dataset.view });
  });
}
$('graph-zoom-in').addEventListener('click', () => callGraph.zoom(1.25));
$('graph-zoom-out').addEventListener('click', () => callGraph.zoom(0.8));
$('graph-zoom-fit').addEventListener('click', () => callGraph.zoom(0));
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  sandwichCallers.render();
  sandwichCallees.render();
});
$('copy-command').addEventListener('click', async () => {
  const button = $('copy-command');
  if (await copyText($('command').value, $('command'))) {
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  }
});
window.addEventListener('popstate', load);

// For the end-to-end test: render a flame tree and return the milliseconds
// it took (layout and drawing); the names of the frames drawn; the analysis.
window.cprofRenderFlame = (tree) => {
  const started = performance.now();
  profileView.flame.setTree(tree);
  return performance.now() - started;
};
window.cprofFlameNames = () => [...profileView.flame.drawnNames];
window.cprofAnalysis = () => current;
window.cprofFrameBox = (name) => profileView.flame.frameBox(name);
// The flame graph's state: the zoomed and selected frames' paths, the
// search, and the top table's sort.
window.cprofFlameState = () => {
  const { flame } = profileView;
  return {
    ...profileView.state(),
    zoomed: flame.zoomed ? flame.pathOf(flame.zoomIndex) : [],
    selected: flame.selected >= 0 ? flame.pathOf(flame.selected) : null,
  };
};
// The call graph: the names of its nodes drawn, how long its last layout
// and drawing took ({layoutMs, drawMs, nodes, edges}), and a graph (the
// API's graph field) laid out and drawn again, returning its timing.
window.cprofGraphNames = () => [...callGraph.drawnNames];
window.cprofGraphTiming = () => graphTiming;
window.cprofRenderGraph = (graph) => callGraph.setGraph(graph);
window.cprofSandwichNames = () => ({
  callers: [...sandwichCallers.drawnNames],
  callees: [...sandwichCallees.drawnNames],
});

load();
