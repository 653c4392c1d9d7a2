// The overview's top bar: sample types, label filters, group by and
// aggregate, the time range (presets or custom), refresh. Each change
// navigates (overview_state.js): the URL records it and the charts redraw.

import { el, showNotice } from './dom.js';
import { formatTime } from './format.js';
import { setPick } from './overview_actions.js';
import { renderCharts } from './overview_charts.js';
import { $, AGGREGATES, PRESETS, navigate, page, state, timeRange } from './overview_state.js';

export function wireStaticControls() {
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
  document.addEventListener('keydown', onKey);
  // Close an open drop-down when clicking elsewhere.
  document.addEventListener('click', (event) => {
    for (const details of document.querySelectorAll('details.dropdown[open]')) {
      if (!details.contains(event.target)) details.open = false;
    }
  });
}

// Keys: "/" focuses the first chart's box to find a group (else opens the
// label filters); Esc cancels a pick and closes the open drop-downs.
function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'Escape') {
    setPick(null);
    for (const details of document.querySelectorAll('details.dropdown[open]')) details.open = false;
    if (document.activeElement instanceof HTMLInputElement) document.activeElement.blur();
    return;
  }
  const target = event.target instanceof Element ? event.target : null;
  if (event.key !== '/' || target?.closest('input, textarea, select, [contenteditable]')) return;
  event.preventDefault();
  const find = document.querySelector('.legend-find');
  if (find) {
    find.focus();
  } else {
    $('labels').open = true;
    $('labels-panel').querySelector('input, button')?.focus();
  }
}

function localInputValue(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 19);
}

export function renderPresets() {
  for (const button of $('presets').children) {
    button.setAttribute('aria-pressed', String(button.dataset.preset === state.preset));
  }
}

export function renderControls() {
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
