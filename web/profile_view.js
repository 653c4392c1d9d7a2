// The flame graph and top table of one analysis (or of an analysis against
// a base: a diff), with the flame graph's search and zoom and the table's
// selection: what the analysis page and the self-contained HTML reports
// show alike. Works on elements with the ids of analysis.html: flame,
// tooltip, reset-zoom, search, match-info, top, flame-card, flame-sub,
// diff-legend, top-meta.
//
// A click on a top table row highlights that function's frames in the flame
// graph (the search box then holds ^name$ and shows the function's share of
// the total).
//
// options.onSandwich(name), where the page shows sandwiches (analysis.js):
// each top table row gets a "Sandwich" action, and a click on a flame graph
// frame offers one (#sandwich-pick, in the flame graph's header).
// options.onPeek(name) and onSource(name) give each row "Peek" and
// "Source" actions; onSource is also called with the function of a flame
// graph frame a click picks (not the root, not a folded "…").

import { diffFlameTree, flatByName } from './diff.js';
import { formatValue, percentage } from './format.js';
import { FlameGraph } from './flamegraph.js';
import { TopTable } from './toptable.js';

const $ = (id) => document.getElementById(id);

export class ProfileView {
  constructor({ onSandwich = null, onPeek = null, onSource = null } = {}) {
    const pick = onSandwich && $('sandwich-pick');
    this.flame = new FlameGraph($('flame'), {
      unit: '',
      tooltip: $('tooltip'),
      onZoom: (zoomed) => { $('reset-zoom').disabled = !zoomed; },
      onPick: (pick || onSource) && ((name) => {
        const frame = name && name !== '\u2026';
        if (pick) {
          pick.hidden = !frame;
          pick.dataset.name = name ?? '';
          pick.textContent = `Sandwich: ${name}`;
        }
        if (frame) onSource?.(name);
      }),
    });
    pick?.addEventListener('click', () => onSandwich(pick.dataset.name));
    this.topTable = new TopTable($('top'), { onSelect: (name) => this.highlightFunction(name), onSandwich, onPeek, onSource });
    $('search').addEventListener('input', () => {
      this.topTable.setSelected(null);
      this.runSearch();
    });
    $('reset-zoom').addEventListener('click', () => this.flame.resetZoom());
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.flame.render());
  }

  // Shows `analysis` (the API's /api/analysis JSON), against `base` (the
  // same for the base profile) when not null.
  show(analysis, base) {
    const unit = analysis.unit;
    this.flame.options.unit = unit;
    $('flame-card').hidden = false;
    $('top-card').hidden = false;
    $('diff-legend').hidden = !base;
    const tree = base ? diffFlameTree(analysis.flame, base.flame) : analysis.flame;
    $('flame-sub').textContent = base
      ? `width: new profile · colour: change of share vs base (${formatValue(base.flame.v, unit)} → ${formatValue(analysis.flame.v, unit)})`
      : `${formatValue(analysis.flame.v, unit)} in ${analysis.flame_nodes.toLocaleString('en-US')} frames`;
    this.flame.setTree(tree, base ? { baseTotal: base.flame.v } : null);
    this.runSearch();
    const top = analysis.top;
    this.topTable.setRows(top.rows, base ? flatByName(base.top.rows) : null, unit);
    const filters = top.active_filters?.length ? ` · filters: ${top.active_filters.join(', ')}` : '';
    const dropped = top.dropped_nodes ? ` · ${top.dropped_nodes} nodes dropped` : '';
    $('top-meta').textContent =
      `Showing nodes accounting for ${top.flat_sum_formatted}, ${percentage(top.flat_sum, analysis.total).trim()} of ${analysis.total_formatted} total${dropped}${filters}`;
  }

  runSearch() {
    const text = $('search').value;
    const { frames, share } = this.flame.search(searchPattern(text));
    $('match-info').textContent = text
      ? `${frames} frame${frames === 1 ? '' : 's'} · ${(share * 100).toFixed(2)}% of total`
      : '';
  }

  highlightFunction(name) {
    $('search').value = name ? `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : '';
    this.runSearch();
    if (name) $('flame-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }
}

// The search box's text as a RegExp: itself, or, when it is not a valid
// one, its characters literally.
function searchPattern(text) {
  if (!text) return null;
  try {
    return new RegExp(text);
  } catch {
    return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}
