// The top table: pprof's -top rows (flat, flat%, sum%, cum, cum%, name) as
// the API formats them, sortable by a click on a header; a click on a row
// selects its function; where the page has them, a row's "Sandwich" action
// opens that function's callers and callees, "Peek" pprof's peek of it and
// "Source" its source listing. Its sort is a key for a URL (sortKey:
// "cum.desc", "name.asc"; "" for pprof's order).

import { el } from './dom.js';
import { formatDelta } from './format.js';

const MAX_TABLE_ROWS = 2000;

// Columns: label, cell text, sort key (numbers sort descending first).
const COLUMNS = [
  { label: 'flat', text: (r) => r.flat_formatted, key: (r) => r.flat },
  { label: 'flat%', text: (r) => r.flat_pct, key: (r) => r.flat },
  { label: 'sum%', text: (r) => r.sum_pct, key: (r) => -r.position },
  { label: 'cum', text: (r) => r.cum_formatted, key: (r) => r.cum },
  { label: 'cum%', text: (r) => r.cum_pct, key: (r) => r.cum },
];
const DELTA_COLUMN = { label: 'Δ flat', key: (r) => r.delta ?? 0 };
const NAME_COLUMN = { label: 'name', text: (r) => (r.inline ? `${r.name} ${r.inline}` : r.name), key: (r) => r.name };

export class TopTable {
  // table: the <table>; onSelect(name or null) when a row is (de)selected;
  // onSandwich(name), onPeek(name) and onSource(name), each if given, give
  // each row a "Sandwich", a "Peek" and a "Source" action; onSort() when a
  // click sorts the table.
  constructor(table, { onSelect, onSandwich = null, onPeek = null, onSource = null, onSort = null }) {
    this.table = table;
    this.onSelect = onSelect;
    this.actions = [
      ['Sandwich', 'Show the callers and callees of this function as flame graphs', onSandwich],
      ['Peek', 'List the callers and callees of this function (go tool pprof -peek)', onPeek],
      ['Source', 'Show the source lines of this function (go tool pprof -list)', onSource],
    ].filter(([, , run]) => run);
    this.onSort = onSort;
    this.rows = [];
    this.sort = null; // {column, descending}; null = pprof's order
    this.selected = null;
  }

  // rows: the API's top.rows. baseFlat: Map name -> the base profile's flat
  // value (a diff), or null. unit formats the deltas.
  setRows(rows, baseFlat, unit) {
    this.unit = unit;
    this.rows = rows.map((r, position) => ({
      ...r, position, delta: baseFlat ? r.flat - (baseFlat.get(r.name) ?? 0) : undefined,
    }));
    this.columns = [...COLUMNS, ...(baseFlat ? [DELTA_COLUMN] : []), NAME_COLUMN];
    this.sort = null;
    this.selected = null;
    this.render();
  }

  setSelected(name) {
    this.selected = name;
    for (const tr of this.table.tBodies[0]?.rows ?? []) tr.classList.toggle('selected', tr.dataset.name === name);
  }

  sortBy(column) {
    const numeric = column !== NAME_COLUMN;
    this.sort = this.sort?.column === column
      ? { column, descending: !this.sort.descending }
      : { column, descending: numeric };
    this.render();
    this.onSort?.();
  }

  // The sort as "LABEL.desc" or "LABEL.asc" ("" for pprof's order).
  sortKey() {
    return this.sort ? `${this.sort.column.label}.${this.sort.descending ? 'desc' : 'asc'}` : '';
  }

  // Sorts by a sortKey(); an unknown one leaves pprof's order.
  setSortKey(key) {
    const match = /^(.+)\.(asc|desc)$/.exec(key ?? '');
    const column = match && this.columns.find((c) => c.label === match[1]);
    this.sort = column ? { column, descending: match[2] === 'desc' } : null;
    this.render();
  }

  // Whether a row of the table is function `name`.
  has(name) {
    return this.rows.some((r) => r.name === name);
  }

  sortedRows() {
    if (!this.sort) return this.rows;
    const { column, descending } = this.sort;
    const sign = descending ? -1 : 1;
    return [...this.rows].sort((a, b) => {
      const ka = column.key(a);
      const kb = column.key(b);
      const order = ka < kb ? -1 : ka > kb ? 1 : 0;
      return sign * order || a.position - b.position;
    });
  }

  render() {
    const headRow = el('tr');
    for (const column of this.columns) {
      const sorted = this.sort?.column === column;
      headRow.append(el('th', {
        scope: 'col',
        title: 'Sort by this column (click again to reverse)',
        'aria-sort': sorted ? (this.sort.descending ? 'descending' : 'ascending') : 'none',
        onclick: () => this.sortBy(column),
      }, column.label));
    }
    const body = el('tbody');
    const rows = this.sortedRows();
    for (const row of rows.slice(0, MAX_TABLE_ROWS)) {
      const tr = el('tr', {
        dataset: { name: row.name },
        title: 'Highlight this function in the flame graph',
        className: row.name === this.selected ? 'selected' : '',
        onclick: () => {
          const name = this.selected === row.name ? null : row.name;
          this.setSelected(name);
          this.onSelect(name);
        },
      });
      for (const column of this.columns) tr.append(this.cell(column, row));
      body.append(tr);
    }
    if (rows.length > MAX_TABLE_ROWS) {
      body.append(el('tr', {}, el('td', { colSpan: this.columns.length },
        `${rows.length - MAX_TABLE_ROWS} more rows not shown: narrow the view with focus or ignore.`)));
    }
    if (rows.length === 0) {
      body.append(el('tr', {}, el('td', { colSpan: this.columns.length }, 'No samples match these filters.')));
    }
    this.table.replaceChildren(el('thead', {}, headRow), body);
  }

  cell(column, row) {
    if (column === NAME_COLUMN) {
      const actions = this.actions.map(([label, title, run]) => el('button', {
        type: 'button',
        className: 'row-action',
        title,
        dataset: { action: label.toLowerCase() },
        onclick: (event) => {
          event.stopPropagation();
          run(row.name);
        },
      }, label));
      return el('td', { className: 'name' }, column.text(row), ...actions);
    }
    if (column === DELTA_COLUMN) {
      const cls = row.delta > 0 ? 'grow' : row.delta < 0 ? 'shrink' : '';
      return el('td', { className: cls }, formatDelta(row.delta, this.unit));
    }
    return el('td', {}, column.text(row));
  }
}
