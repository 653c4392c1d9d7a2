// Navigation from a chart: a click on a bubble opens its profile, a drag
// across bubbles merges them, a shift-click picks two to compare (the pick
// bar), and a click on a series' point merges its group's bucket. Each ends
// on the analysis page.

import { isMergeable, rfc3339, sampleIndexOf, withQuery } from './api.js';
import { showNotice } from './dom.js';
import { formatTime } from './format.js';
import { $, labelQuery, page, state } from './overview_state.js';

function siOf(meta) {
  return sampleIndexOf(meta.SampleType, meta.ProfileType);
}

// A cumulative type's bubble opens its interval (unless the chart shows
// values since process start): the profile that its value sums.
export function openProfile(bubble) {
  const { meta } = bubble;
  // A trace opens in the trace page.
  if (!isMergeable(page.profileTypes, meta.ProfileType)) {
    location.href = `/api/trace/ui/${encodeURIComponent(meta.ProfileID)}`;
    return;
  }
  const params = { si: siOf(meta) };
  if (meta.Cumulative && !state.cumulative) params.interval = '1';
  location.href = withQuery(`/api/pprof/ui/${encodeURIComponent(meta.ProfileID)}/`, params);
}

export function openRange(sampleType, from, to, inside) {
  if (inside.length === 0) {
    showNotice($('notice'), 'info', 'No profiles in that range', 'Drag across some bubbles to merge them.');
    return;
  }
  if (!isMergeable(page.profileTypes, inside[0].meta?.ProfileType)) {
    showNotice($('notice'), 'info', 'Traces cannot be merged', 'Click one trace to open it.');
    return;
  }
  const params = new URLSearchParams({ sample_type: sampleType, start_time: rfc3339(from), end_time: rfc3339(to) });
  for (const [key, value] of labelQuery(state)) params.append(key, value);
  // The server sums a cumulative type's intervals unless told otherwise.
  if (state.cumulative && inside.some((b) => b.meta?.Cumulative)) params.set('interval', '0');
  location.href = withQuery('/analysis', params);
}

// A series point: its group's profiles of its bucket, merged.
export function openBucket(sampleType, point) {
  const params = new URLSearchParams({
    sample_type: sampleType, start_time: rfc3339(point.time), end_time: rfc3339(point.time + point.step - 1),
  });
  const labels = point.group ? [...state.labels, { key: state.group, value: point.group }] : state.labels;
  for (const [key, value] of labelQuery({ ...state, labels })) params.append(key, value);
  if (labels.length > 1) params.set('condition', 'AND');
  location.href = withQuery('/analysis', params);
}

export function pickForDiff(sampleType, bubble) {
  const first = page.pick;
  if (!first || first.sampleType !== sampleType) {
    setPick({ sampleType, bubble });
    return;
  }
  if (first.bubble === bubble) {
    setPick(null);
    return;
  }
  if (!isMergeable(page.profileTypes, bubble.meta.ProfileType)) {
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

export function setPick(pick) {
  for (const [st, chart] of page.charts) chart.setPicked(pick && pick.sampleType === st ? pick.bubble : null);
  page.pick = pick;
  $('pick-bar').hidden = !pick;
  if (pick) {
    $('pick-text').textContent =
      `Base: ${pick.bubble.target} at ${formatTime(pick.bubble.time)}. Shift-click another ${pick.sampleType} bubble to compare.`;
  }
}
