// The self-contained report (cprofiler merge|top|diff --format html, and
// /api/report.html): the flame graph and top table of the analysis embedded
// in the page (#report-data: {title, facts: [[label, value]...], analysis,
// base}), the diff of the two when there is a base. Reads nothing over the
// network.

import { el } from './dom.js';
import { formatDuration, formatTime } from './format.js';
import { ProfileView } from './profile_view.js';

const byId = (id) => document.getElementById(id);

const data = JSON.parse(byId('report-data').textContent);
const { analysis, base } = data;
const profileView = new ProfileView();

const facts = [...(data.facts ?? [])];
if (analysis.duration_ns) facts.push(['duration', formatDuration(analysis.duration_ns)]);
if (!base && analysis.time) facts.push(['time', formatTime(Date.parse(analysis.time))]);
facts.push(['total', analysis.total_formatted]);
if (base) facts.push(['base total', base.total_formatted]);
byId('summary').replaceChildren(
  el('h1', {}, data.title),
  el('span', { className: base ? 'mode-diff' : 'mode-values' }, base ? `diff · ${analysis.sample_index}` : analysis.sample_index),
  ...facts.map(([label, value]) => el('span', { className: 'fact' }, `${label} `, el('b', {}, value))),
);
byId('crumb').textContent = base ? 'diff report' : 'report';
profileView.show(analysis, base ?? null);
document.body.dataset.state = 'ready';

// For the end-to-end test: the names of the frames drawn.
window.cprofFlameNames = () => [...profileView.flame.drawnNames];
