// The overview page: pick sample types, label filters and a time range (all
// kept in the query string), and see one bubble chart per sample type.
//
// Its modules: overview_state.js (the URL state and what the page holds),
// overview_filters.js (the top bar), overview_charts.js (the charts:
// bubbles, or a fleet's series; legends) and overview_actions.js (what a
// click, a drag or a pick on a chart opens).

import { getJSON, profileTypes } from './api.js';
import { showNotice } from './dom.js';
import { renderCharts } from './overview_charts.js';
import { renderControls, renderPresets, wireStaticControls } from './overview_filters.js';
import {
  $, DEFAULT_SAMPLE_TYPES, onNavigate, page, readState, setState, state, stateQuery,
} from './overview_state.js';

async function start() {
  wireStaticControls();
  renderPresets();
  const notice = $('notice');
  let groups, labels, types;
  try {
    [groups, labels, types] = await Promise.all([
      getJSON('/api/group_sample_types'),
      getJSON('/api/group_labels'),
      profileTypes(),
    ]);
  } catch (err) {
    showNotice(notice, 'error', 'Cannot load the archive', err.message);
    document.body.dataset.state = 'error';
    return;
  }
  page.groups = groups;
  page.labels = labels;
  page.profileTypes = types;
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
    setState(readState());
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

onNavigate(() => {
  renderControls();
  renderCharts();
});

// For the end-to-end test: where the bubbles of a chart are drawn, and its
// plot's area, in CSS pixels from the chart canvas' top-left corner.
window.cprofOverview = {
  bubbles: (sampleType) => page.charts.get(sampleType)?.positions() ?? [],
  plot: (sampleType) => page.charts.get(sampleType)?.plotBox() ?? null,
};

start();
