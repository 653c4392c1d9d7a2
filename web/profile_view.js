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
// graph frame a click (or Enter, the keyboard's click) picks, not the root,
// not a folded "…", and not when show() zooms back to a view state's frame.
//
// What a user changes here is a view state ({zoom: the zoomed frame's path,
// frame: the selected frame's when it is another, search, sort: the top
// table's}): options.onStateChange(state) hears each
// change (a page keeps it in its URL) and show() takes one back.
//
// Keys (outside text fields): "/" focuses the search; Esc clears the
// search, else the zoom, else the selection, else calls options.onEscape
// (the page closes its open card); the arrows move the flame graph's
// selected frame (up: its parent, down: its largest child, left/right: its
// siblings) and Enter zooms to it. While the flame graph is hidden (the
// page shows another view in its place) Esc only calls options.onEscape.

import { diffFlameTree, flatByName } from './diff.js';
import { formatValue, percentage } from './format.js';
import { FlameGraph } from './flamegraph.js';
import { TopTable } from './toptable.js';

const $ = (id) => document.getElementById(id);

const ARROWS = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };

export class ProfileView {
  constructor({ onSandwich = null, onPeek = null, onSource = null, onStateChange = null, onEscape = null } = {}) {
    const pick = onSandwich && $('sandwich-pick');
    this.onStateChange = onStateChange;
    this.onEscape = onEscape;
    this.restoring = false;
    this.flame = new FlameGraph($('flame'), {
      unit: '',
      tooltip: $('tooltip'),
      onZoom: (zoomed) => {
        $('reset-zoom').disabled = !zoomed;
        this.changed();
      },
      onSelect: () => this.changed(),
      onPick: (pick || onSource) && ((name) => {
        const frame = name && name !== '\u2026';
        if (pick) {
          pick.hidden = !frame;
          pick.dataset.name = name ?? '';
          pick.textContent = `Sandwich: ${name}`;
        }
        // (show() restoring a zoom picks too: that is no click)
        if (frame && !this.restoring) onSource?.(name);
      }),
    });
    pick?.addEventListener('click', () => onSandwich(pick.dataset.name));
    this.topTable = new TopTable($('top'), {
      onSelect: (name) => this.highlightFunction(name), onSandwich, onPeek, onSource, onSort: () => this.changed(),
    });
    $('search').addEventListener('input', () => {
      this.topTable.setSelected(null);
      this.runSearch();
      this.changed();
    });
    $('reset-zoom').addEventListener('click', () => this.flame.resetZoom());
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.flame.render());
    document.addEventListener('keydown', (event) => this.onKey(event));
  }

  // The view state: {zoom: [names], frame: [names], search: text, sort: key}.
  state() {
    const { flame } = this;
    const selected = flame.nodes && flame.selected >= 0 && flame.selected !== flame.zoomIndex;
    return {
      zoom: flame.nodes && flame.zoomed ? flame.pathOf(flame.zoomIndex) : [],
      frame: selected ? flame.pathOf(flame.selected) : [],
      search: $('search').value,
      sort: this.topTable.sortKey(),
    };
  }

  changed() {
    if (!this.restoring) this.onStateChange?.(this.state());
  }

  // Shows `analysis` (the API's /api/analysis JSON), against `base` (the
  // same for the base profile) when not null, in view state `restore`
  // (state()'s; a zoomed frame the tree does not have is left out).
  show(analysis, base, restore = null) {
    this.restoring = true;
    try {
      if (restore) $('search').value = restore.search ?? '';
      this.draw(analysis, base);
      if (restore?.sort) this.topTable.setSortKey(restore.sort);
      const zoom = restore?.zoom?.length ? this.flame.indexOfPath(restore.zoom) : -1;
      if (zoom > 0) this.flame.pick(zoom);
      const frame = restore?.frame?.length ? this.flame.indexOfPath(restore.frame) : -1;
      if (frame > 0) this.flame.select(frame);
      // A search a top table row made selects the row again.
      const row = /^\^(.*)\$$/.exec($('search').value)?.[1];
      const name = row && this.topTable.rows.find((r) => literal(r.name) === row)?.name;
      if (name) this.topTable.setSelected(name);
    } finally {
      this.restoring = false;
    }
    this.changed();
  }

  draw(analysis, base) {
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
    $('search').value = name ? `^${literal(name)}$` : '';
    this.runSearch();
    this.changed();
    if (name) $('flame-card').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  // Esc: the search, else the zoom, else the selection; whether one was reset.
  reset() {
    if ($('search').value) {
      $('search').value = '';
      this.topTable.setSelected(null);
      this.runSearch();
      this.changed();
      return true;
    }
    if (this.flame.zoomed) {
      this.flame.select(-1);
      this.flame.resetZoom();
      return true;
    }
    if (this.flame.selected >= 0) {
      this.flame.select(-1);
      return true;
    }
    return false;
  }

  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const flameShown = !$('flame-card').hidden;
    const target = event.target instanceof Element ? event.target : null;
    const search = $('search');
    if (event.key === 'Escape') {
      // In a text field other than the search, Esc only leaves it.
      if (target?.matches('input, textarea, select') && target !== search) {
        target.blur();
        return;
      }
      if (target === search) search.blur();
      event.preventDefault();
      if (!flameShown || !this.reset()) this.onEscape?.();
      return;
    }
    if (!flameShown) return;
    if (target?.closest('input, textarea, select, button, a, summary, [contenteditable]')) return;
    if (event.key === '/') {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (ARROWS[event.key]) {
      if (this.flame.moveSelection(ARROWS[event.key])) event.preventDefault();
    } else if (event.key === 'Enter') {
      if (this.flame.activateSelection()) event.preventDefault();
    }
  }
}

// `name` as a regexp matching it literally.
function literal(name) {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
