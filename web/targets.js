// The targets page: what the last scrape passes knew of every target
// (/api/targets), failing targets first, with their errors; the targets
// relabeling dropped, folded.

import { getJSON } from './api.js';
import { el, showNotice } from './dom.js';
import { formatTime } from './format.js';

const $ = (id) => document.getElementById(id);

const labelText = (labels) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' ');

function activeRow(t) {
  const last = Math.max(0, ...t.Profiles.map((p) => p.LastSuccess));
  const errors = t.Profiles.filter((p) => p.LastError).map((p) => `${p.Type}: ${p.LastError}`)
    .concat(t.Profiles.filter((p) => p.NotOffered).map((p) => `${p.Type}: not offered by this target`));
  return el('tr', { dataset: { health: t.Health } },
    el('td', {}, el('span', { className: `health ${t.Health}` }, t.Health)),
    el('td', {}, t.Job),
    el('td', {}, t.App),
    el('td', {}, t.Host),
    el('td', { className: 'labels', title: `as discovered: ${labelText(t.DiscoveredLabels)}` }, labelText(t.Labels)),
    el('td', {}, last ? formatTime(last) : 'never'),
    el('td', { className: 'error' }, errors.join(' · ')));
}

async function start() {
  let state;
  try {
    state = await getJSON('/api/targets');
  } catch (err) {
    showNotice($('notice'), 'error', 'Cannot load the targets', err.message);
    document.body.dataset.state = 'error';
    return;
  }
  const active = state.ActiveTargets;
  const down = active.filter((t) => t.Health === 'down').length;
  if (active.length === 0 && state.DroppedTargets.length === 0) {
    showNotice($('notice'), 'info', 'No targets yet',
      'No scrape pass has recorded its targets in this archive. Run "cprofiler scrape", then refresh.');
    document.body.dataset.state = 'empty';
    return;
  }
  $('summary').textContent = `${active.length} target${active.length === 1 ? '' : 's'}, ${down} down` +
    ` · as of ${formatTime(state.UpdatedAt)}, scraped by ${state.Scraper}`;
  $('active-rows').replaceChildren(...active.map(activeRow));
  $('active').hidden = false;
  if (state.DroppedTargets.length) {
    $('dropped-summary').textContent = `${state.DroppedTargets.length} dropped by relabeling`;
    $('dropped-rows').replaceChildren(...state.DroppedTargets.map((t) =>
      el('tr', {}, el('td', {}, t.Job), el('td', { className: 'labels' }, labelText(t.DiscoveredLabels)))));
    $('dropped').hidden = false;
  }
  document.body.dataset.state = 'ready';
}

start();
