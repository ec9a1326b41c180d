// The result as a table that stays smooth at 10,000 rows and beyond: only the rows in view (and a
// screenful either side) are in the DOM, between two spacer rows that keep the scrollbar true.
// Every row is one line of fixed height; columns get a width from their header and the first
// rows, once, so nothing jumps while scrolling. A cell shows its whole value in its tooltip.
import { el } from './dom.js';

const ROW_HEIGHT = 28; // px; sql.css gives .grid td the same height
const OVERSCAN = 30; // rows drawn beyond the visible ones, each way
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/;

export function isNumeric(type) {
  return NUMERIC.test(type ?? '');
}

/** A cell's text: NULL is shown as such, lists and structs as JSON. */
export function cellText(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A column's width in `ch`: its header or widest early value, between 6 and 40. */
function widthOf(name, type, rows, i) {
  let w = Math.max(name.length, Math.min(type.length, 14)) + 2;
  for (let r = 0; r < Math.min(rows.length, 200); r++) {
    const t = cellText(rows[r][i]);
    if (t && t.length + 2 > w) w = t.length + 2;
  }
  return Math.max(6, Math.min(40, w));
}

/** Show `result` ({columns, rows}) in `scroller`, replacing what was there. */
export function showGrid(scroller, { columns, rows }) {
  scroller.replaceChildren();
  scroller.scrollTop = 0;
  if (columns.length === 0) {
    scroller.append(el('p', { class: 'placeholder muted' }, 'The statement answered no columns.'));
    return;
  }
  const numeric = columns.map((c) => isNumeric(c.type));
  const table = el('table', { class: 'grid', 'aria-rowcount': String(rows.length + 1) });
  const colgroup = el('colgroup');
  colgroup.append(el('col', { class: 'rownum' })); // width from sql.css
  columns.forEach((c, i) => {
    const col = el('col');
    col.style.width = `${widthOf(c.name, c.type, rows, i)}ch`;
    colgroup.append(col);
  });
  const head = el(
    'tr',
    {},
    el('th', { class: 'rownum', scope: 'col' }, '#'),
    ...columns.map((c, i) =>
      el(
        'th',
        { scope: 'col', title: `${c.name} ${c.type}`, class: numeric[i] ? 'num' : '' },
        el('span', { class: 'col-name' }, c.name),
        el('span', { class: 'col-type' }, c.type),
      ),
    ),
  );
  const body = el('tbody');
  table.append(colgroup, el('thead', {}, head), body);
  scroller.append(table);

  const spacer = (h) => {
    const tr = el('tr', { class: 'spacer', 'aria-hidden': 'true' });
    tr.style.height = `${h}px`;
    return tr;
  };
  let drawn = [-1, -1];
  function draw() {
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(rows.length, first + visible);
    if (first === drawn[0] && last === drawn[1]) return;
    drawn = [first, last];
    const trs = [spacer(first * ROW_HEIGHT)];
    for (let r = first; r < last; r++) {
      const tr = el('tr', { 'aria-rowindex': String(r + 2) });
      tr.append(el('td', { class: 'rownum' }, String(r + 1)));
      rows[r].forEach((v, i) => {
        const t = cellText(v);
        const td = document.createElement('td');
        if (t === null) {
          td.className = 'null';
          td.textContent = 'NULL';
        } else {
          if (numeric[i]) td.className = 'num';
          td.textContent = t;
          if (t.length > 12) td.title = t;
        }
        tr.append(td);
      });
      trs.push(tr);
    }
    trs.push(spacer((rows.length - last) * ROW_HEIGHT));
    body.replaceChildren(...trs);
  }
  let queued = false;
  scroller.onscroll = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  };
  draw();
}

/** A message in place of the table (an error, a placeholder). */
export function showGridMessage(scroller, text, kind = 'placeholder') {
  scroller.onscroll = null;
  scroller.replaceChildren(el('p', { class: `${kind} muted` }, text));
}
