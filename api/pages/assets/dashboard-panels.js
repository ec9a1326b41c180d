// Drawing one panel from its rows. Charts go through vega-embed in its CSP-safe mode
// (./vega-embed.js). KPI tiles and tables are plain HTML: sharper text, selectable numbers, and a
// screen reader reads them as they are. The theme (palette, fonts, currency) is the one the
// server draws the SVG and PNG exports with (dashboards/render-theme.ts), given in the page.
import { el } from './dom.js';
import { embed } from './vega-embed.js';
import { formatValue, isNumericFormat } from './dashboard-format.js';

const KPI_FORMAT = { money: 'money', count: 'integer', percent: 'percent' };

/** The tile's comparisons: one column ("vs previous period") or the file's list. */
function comparisons(kpi) {
  if (!kpi.compare) return [];
  return typeof kpi.compare === 'string'
    ? [{ column: kpi.compare, label: 'vs previous period' }]
    : kpi.compare;
}

/**
 * A KPI tile: the figure, each comparison as "▲ 12.3% vs previous period (€1,234.00)" — the
 * arrow says it without colour — or, with no change to show, why (the note column, as the SVG
 * tile says it), and the caption column under it.
 */
function drawKpi(body, panel, rows) {
  const row = rows[0] ?? {};
  const format = KPI_FORMAT[panel.kpi.format ?? 'count'];
  const value = row[panel.kpi.value];
  const parts = [el('p', { class: 'kpi-value' }, formatValue(value, format))];
  for (const c of comparisons(panel.kpi)) {
    const raw = row[c.column];
    const before = Number(raw);
    const now = Number(value);
    let text;
    let dir = 'none';
    const known =
      raw !== null && raw !== undefined && Number.isFinite(before) && Number.isFinite(now);
    if (known && (format === 'percent' || before !== 0)) {
      const change = format === 'percent' ? now - before : (now - before) / Math.abs(before);
      dir = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
      const amount = `${Math.abs(change * 100).toFixed(1)}${format === 'percent' ? ' pp' : '%'}`;
      const arrow = dir === 'up' ? '▲' : dir === 'down' ? '▼' : '=';
      text = `${arrow} ${amount} ${c.label} (${formatValue(raw, format)})`;
    } else {
      const note = c.note ? row[c.note] : null;
      text = `— ${c.label}: ${note || (known ? 'was 0' : 'no figure')}`;
    }
    parts.push(el('p', { class: `kpi-change ${dir}` }, text));
  }
  const caption = panel.kpi.caption ? row[panel.kpi.caption] : null;
  if (caption) parts.push(el('p', { class: 'kpi-caption' }, String(caption)));
  body.replaceChildren(...parts);
}

/**
 * A table: headings, numbers on the right, money with its symbol. A row with a customer_id links
 * to its customer when the viewer's role may open customers (`links.customers`, from the server).
 */
function drawTable(body, panel, rows, links) {
  const columns = panel.table.columns.map((c) => (typeof c === 'string' ? { field: c } : c));
  const numeric = columns.map((c) => isNumericFormat(c.format, rows[0]?.[c.field]));
  // Long text (a tree's rule) wraps in its cell rather than pushing the table past its card.
  const long = columns.map(
    (c, i) => !numeric[i] && rows.some((r) => String(r[c.field] ?? '').length > 40),
  );
  const linked = Boolean(links?.customers) && rows.some((r) => r.customer_id != null);
  const head = el(
    'tr',
    {},
    ...columns.map((c, i) =>
      el('th', { scope: 'col', class: numeric[i] ? 'num' : '' }, c.title ?? c.field),
    ),
    ...(linked ? [el('th', { scope: 'col' }, '')] : []),
  );
  const lines = rows.map((r) =>
    el(
      'tr',
      {},
      ...columns.map((c, i) =>
        el(
          'td',
          { class: numeric[i] ? 'num' : long[i] ? 'long' : '' },
          formatValue(r[c.field], c.format),
        ),
      ),
      ...(linked ? [el('td', {}, customerLink(r))] : []),
    ),
  );
  body.replaceChildren(
    el('table', { class: 'data' }, el('thead', {}, head), el('tbody', {}, ...lines)),
  );
}

/** The link to a row's customer (GET /api/v1/customers/{id}), as the rows dialog gives it. */
function customerLink(row) {
  if (row.customer_id == null) return '';
  return el('a', { href: `/api/v1/customers/${encodeURIComponent(row.customer_id)}` }, 'Customer');
}

/** Fields a spec encodes as quantitative (any layer): their DECIMAL strings become numbers. */
function quantitativeFields(spec, out = new Set()) {
  for (const def of Object.values(spec.encoding ?? {}))
    for (const d of Array.isArray(def) ? def : [def])
      if (d && d.type === 'quantitative' && typeof d.field === 'string') out.add(d.field);
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat'])
    for (const s of spec[key] ?? []) quantitativeFields(s, out);
  if (spec.spec) quantitativeFields(spec.spec, out);
  return out;
}

function numericRows(spec, rows) {
  const fields = quantitativeFields(spec);
  return rows.map((r) => {
    const out = { ...r };
    for (const f of fields)
      if (typeof out[f] === 'string' && out[f] !== '') out[f] = Number(out[f]);
    return out;
  });
}

/** Whether the chart's height follows its categories (a nominal y: one step per bar). */
function stepsDown(spec) {
  const y = spec.encoding?.y;
  return y && (y.type === 'nominal' || y.type === 'ordinal');
}

/** A Vega-Lite chart; → the embed result (its view, for clicks). */
async function drawChart(body, panel, rows, theme) {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...panel.vegaLite,
    data: { values: numericRows(panel.vegaLite, rows) },
    // The panel's own heading says what it is; the chart fills its card's width.
    width: panel.vegaLite.width ?? 'container',
    autosize: { type: 'fit-x', contains: 'padding' },
  };
  // A bar per category: a comfortable 28 px each, at least the height of the other charts.
  if (spec.height === undefined)
    spec.height = stepsDown(spec)
      ? Math.max(260, new Set(rows.map((r) => r[spec.encoding.y.field])).size * 28)
      : 260;
  const target = el('div', { class: 'chart' });
  body.replaceChildren(target);
  return embed(target, spec, {
    config: { ...theme, background: null, padding: 4 },
    formatLocale: theme.locale?.number,
  });
}

/** Draw `panel` from `rows` into its section's body; an empty result says why instead. */
export async function drawPanel(section, panel, rows, { theme, empty, links }) {
  const body = section.querySelector('.panel-body');
  if (rows.length === 0) {
    body.dataset.state = 'empty';
    body.replaceChildren(el('p', { class: 'panel-note empty' }, empty));
    return null;
  }
  body.dataset.state = 'drawn';
  if (panel.kind === 'kpi') return void drawKpi(body, panel, rows);
  if (panel.kind === 'table') return void drawTable(body, panel, rows, links);
  return drawChart(body, panel, rows, theme);
}

/** A panel that could not be drawn: the API's words (problem+json `detail`), not a stack. */
export function panelProblem(section, message) {
  const body = section.querySelector('.panel-body');
  body.dataset.state = 'error';
  body.replaceChildren(el('p', { class: 'panel-note problem', role: 'alert' }, message));
}
