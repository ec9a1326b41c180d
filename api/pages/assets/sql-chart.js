// A quick chart of the result: pick the mark, x, y and (optionally) a colour, and vega-embed draws
// it as the dashboards do (CSP-safe, ./vega-embed.js). Bars, lines and areas add y up per x (and
// colour), as people expect of "revenue by month"; points show every row.
import { embed } from './vega-embed.js';
import { isNumeric } from './sql-grid.js';

const TEMPORAL = /^(DATE|TIMESTAMP|TIME)/;

function fieldType(type) {
  if (isNumeric(type)) return 'quantitative';
  if (TEMPORAL.test(type)) return 'temporal';
  return 'nominal';
}

/**
 * The calendar unit every value of a temporal field sits on (month starts, days), so bars get a
 * unit's width and the axis names months with their year; null when values fall in between.
 */
export function timeUnitOf(values) {
  const dates = values.filter((v) => v !== null && v !== undefined).map((v) => new Date(v));
  if (dates.length === 0 || dates.some((d) => Number.isNaN(d.getTime()))) return null;
  const midnight = dates.every(
    (d) => d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0,
  );
  if (!midnight) return null;
  return dates.every((d) => d.getDate() === 1) ? 'yearmonth' : 'yearmonthdate';
}

/** Vega-Lite reads `.` and `[` in a field name as a path: escape them. */
const fieldRef = (name) => name.replace(/[.[\]\\]/g, '\\$&');

function option(value, label = value) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

/** Fill the x / y / colour choices for `columns`, keeping choices that still exist. */
export function chartChoices(form, columns) {
  const x = form.querySelector('#chart-x');
  const y = form.querySelector('#chart-y');
  const color = form.querySelector('#chart-color');
  const keep = { x: x.value, y: y.value, color: color.value };
  const names = columns.map((c) => c.name);
  x.replaceChildren(...names.map((n) => option(n)));
  y.replaceChildren(...columns.filter((c) => isNumeric(c.type)).map((c) => option(c.name)));
  if (y.options.length === 0) y.replaceChildren(...names.map((n) => option(n)));
  color.replaceChildren(option('', 'none'), ...names.map((n) => option(n)));
  const firstOther = columns.find((c) => !isNumeric(c.type))?.name ?? names[0];
  x.value = names.includes(keep.x) ? keep.x : firstOther;
  y.value = [...y.options].some((o) => o.value === keep.y) ? keep.y : y.options[0]?.value;
  color.value = names.includes(keep.color) ? keep.color : '';
}

/** The Vega-Lite spec for the form's choices over `result`. */
export function chartSpec(form, { columns, rows }) {
  const mark = form.querySelector('#chart-mark').value;
  const pick = (id) => columns.find((c) => c.name === form.querySelector(id).value);
  const x = pick('#chart-x');
  const y = pick('#chart-y');
  const color = pick('#chart-color');
  const used = [x, y, color].filter(Boolean);
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const values = rows.map((r) => {
    const o = {};
    for (const c of used) {
      const v = r[index.get(c.name)];
      // DECIMAL and BIGINT come as exact strings; a chart needs numbers.
      o[c.name] = isNumeric(c.type) && typeof v === 'string' ? Number(v) : v;
    }
    return o;
  });
  const summed = mark !== 'point' && isNumeric(y.type);
  const unit = fieldType(x.type) === 'temporal' ? timeUnitOf(values.map((v) => v[x.name])) : null;
  const timeUnit = unit ? { timeUnit: unit } : {};
  const encoding = {
    x: { field: fieldRef(x.name), type: fieldType(x.type), title: x.name, ...timeUnit },
    y: {
      field: fieldRef(y.name),
      type: fieldType(y.type),
      title: summed ? `sum of ${y.name}` : y.name,
      ...(summed ? { aggregate: 'sum' } : {}),
    },
    tooltip: [
      { field: fieldRef(x.name), type: fieldType(x.type), title: x.name, ...timeUnit },
      {
        field: fieldRef(y.name),
        type: fieldType(y.type),
        title: y.name,
        ...(summed ? { aggregate: 'sum' } : {}),
      },
    ],
  };
  if (color)
    encoding.color = {
      field: fieldRef(color.name),
      type: fieldType(color.type),
      title: color.name,
    };
  // Many categories read better as horizontal bars.
  if (mark === 'bar' && encoding.x.type === 'nominal') {
    const ys = encoding.y;
    encoding.y = { ...encoding.x, sort: '-x' };
    encoding.x = ys;
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    mark: { type: mark, tooltip: true, ...(mark === 'line' ? { point: true } : {}) },
    encoding,
    width: 'container',
    height: 320,
    autosize: { type: 'fit-x', contains: 'padding' },
  };
}

/** Draw the chart for the form's choices into `target`. */
export async function drawChart(target, form, result) {
  const spec = chartSpec(form, result);
  if (spec.encoding.y.field === undefined) return;
  const box = document.createElement('div');
  box.className = 'chart-box';
  target.replaceChildren(box);
  await embed(box, spec);
}
