// Drill-through: "Show rows" opens the rows behind a panel (GET …/panels/{panel}/rows) with the
// dashboard's current filters, a mark's cross-filter included. A click on a heading sorts by that
// column (again: the other way); "Load more" follows nextCursor; the CSV link downloads them all.
// Each row links to its order and its customer when the API gave the links (the role may open them).
import { formatValue, isNumericFormat } from './dashboard-format.js';

const dialog = document.getElementById('rows-dialog');
const table = document.getElementById('rows-table');
const more = document.getElementById('rows-more');
const csv = document.getElementById('rows-csv');
const title = document.getElementById('rows-title');
const summary = document.getElementById('rows-summary');

let current = null;

document.getElementById('rows-close')?.addEventListener('click', () => dialog.close());
more?.addEventListener('click', () => load(false));

function rowsUrl(extra) {
  const params = new URLSearchParams(current.query);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) params.set(k, v);
  return `/api/v1/dashboards/${current.dashboard.id}/panels/${current.panel.id}/rows?${params}`;
}

function cell(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(text);
  return node;
}

function header() {
  const tr = document.createElement('tr');
  for (const c of current.columns) {
    const sorted = current.sort === c.field;
    const button = cell(
      'button',
      `${c.title ?? c.field}${sorted ? (current.order === 'asc' ? ' ▲' : ' ▼') : ''}`,
      {
        type: 'button',
        class: 'sort',
      },
    );
    button.addEventListener('click', () => {
      current.order = sorted && current.order === 'desc' ? 'asc' : 'desc';
      if (!sorted) current.order = isNumericFormat(c.format) ? 'desc' : 'asc';
      current.sort = c.field;
      load(true);
    });
    const th = cell('th', button, {
      scope: 'col',
      class: isNumericFormat(c.format) ? 'num' : '',
      'aria-sort': sorted ? (current.order === 'asc' ? 'ascending' : 'descending') : 'none',
    });
    tr.append(th);
  }
  tr.append(cell('th', '', { scope: 'col' }));
  return tr;
}

function line(item) {
  const tr = document.createElement('tr');
  for (const c of current.columns)
    tr.append(
      cell('td', formatValue(item[c.field], c.format), {
        class: isNumericFormat(c.format) ? 'num' : '',
      }),
    );
  const td = document.createElement('td');
  if (item.orderUrl) td.append(cell('a', 'Order', { href: item.orderUrl }));
  if (item.customerUrl) {
    if (item.orderUrl) td.append(' · ');
    td.append(cell('a', 'Customer', { href: item.customerUrl }));
  }
  tr.append(td);
  return tr;
}

async function load(fresh) {
  const url = rowsUrl({
    sort: current.sort,
    order: current.order,
    cursor: fresh ? undefined : current.cursor,
  });
  more.hidden = true;
  csv.href = rowsUrl({ sort: current.sort, order: current.order, format: 'csv' });
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    summary.textContent = body?.detail ?? `${res.status} ${res.statusText}`;
    return;
  }
  if (fresh) {
    current.count = 0;
    table.replaceChildren(cell('thead', header()), document.createElement('tbody'));
  }
  table.tBodies[0].append(...body.items.map(line));
  current.count += body.items.length;
  current.cursor = body.nextCursor;
  more.hidden = !body.nextCursor;
  summary.textContent =
    current.count === 0
      ? 'No rows for these filters.'
      : `${current.count.toLocaleString('en-GB')} row${current.count === 1 ? '' : 's'}${body.nextCursor ? ' so far' : ''}, with the dashboard's filters.`;
}

/** Open the rows behind `panel` for the dashboard's `query` (its filters as a query string). */
export function openRows(dashboard, panel, query) {
  // The panel's own columns: its rows may be opportunities or stock, not the dashboard's lines.
  const columns = panel.drillColumns.map((c) => (typeof c === 'string' ? { field: c } : c));
  current = { dashboard, panel, query, columns, sort: null, order: 'desc', cursor: null, count: 0 };
  title.textContent = `Rows behind “${panel.title}”`;
  summary.textContent = 'Loading…';
  table.replaceChildren();
  dialog.showModal();
  load(true);
}
