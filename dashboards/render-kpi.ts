/**
 * A KPI tile as a Vega-Lite spec, so it renders through the same path as a chart: the figure
 * large, and under it each comparison as "▲ 12.3% vs previous period" in green or "▼ …" in
 * vermillion (the arrow says it without colour). The tile reads one row: `value` and each
 * comparison name columns of it. The change is growth as docs/metrics.md defines it, (now − then) ÷
 * then, none when then is 0; percent figures (a margin) compare in percentage points instead,
 * because a growth of a percentage reads as nonsense ("margin up 5%" of 40% = 42%). When there
 * is no change the line says why: the comparison's `note` column if it has text (the query
 * knows, e.g. "needs a from and a to date"), else "no figure" or "was 0".
 */
import { d3Format, type FormatName } from './render-money.ts';
import { DOWN, INK, MUTED, UP } from './render-theme.ts';
import type { Spec } from './render-data.ts';

export interface KpiComparison {
  /** Column holding the earlier figure. */
  field: string;
  /** Words after the change: "vs previous period", "vs last year". */
  label: string;
  /** Column whose text says why there is no change (shown only when there is none). */
  note?: string;
}

export interface KpiOptions {
  title: string;
  /** Column holding the figure. */
  value: string;
  /** Column of the previous period's figure, or several comparisons. */
  previous?: string | KpiComparison[];
  /** money, money0, number, integer, percent, or a d3 format. */
  format?: FormatName | string;
  /** Column whose text is shown small under the tile (what the figure covers). */
  caption?: string;
  /** False for figures where less is better (costs, overdue activities): colours swap. */
  higherIsBetter?: boolean;
  width?: number;
}

const col = (field: string) => `toNumber(datum[${JSON.stringify(field)}])`;

export function expandKpi(opts: KpiOptions): Spec {
  const fmt = d3Format(opts.format);
  const isPercent = fmt.endsWith('%');
  const comparisons: KpiComparison[] =
    opts.previous === undefined
      ? []
      : typeof opts.previous === 'string'
        ? [{ field: opts.previous, label: 'vs previous period' }]
        : opts.previous;
  const width = opts.width ?? 280;
  const height = 56 + comparisons.length * 22 + (opts.caption ? 20 : 0);
  const [good, bad] = opts.higherIsBetter === false ? [DOWN, UP] : [UP, DOWN];

  const transform: Record<string, unknown>[] = [
    { calculate: col(opts.value), as: '__v' },
    {
      calculate: `isValid(datum.__v) && isFinite(datum.__v) ? format(datum.__v, ${JSON.stringify(fmt)}) : '—'`,
      as: '__vt',
    },
  ];
  const layer: Record<string, unknown>[] = [
    {
      mark: {
        type: 'text',
        align: 'left',
        baseline: 'alphabetic',
        fontSize: 34,
        fontWeight: 'bold',
        color: INK,
      },
      encoding: { x: { value: 0 }, y: { value: 36 }, text: { field: '__vt', type: 'nominal' } },
    },
  ];
  comparisons.forEach((c, i) => {
    const p = `datum.__p${i}`;
    const ch = `datum.__c${i}`;
    // Relative change, or the difference in points for a percentage.
    const change = isPercent
      ? `isValid(${p}) && isValid(datum.__v) ? datum.__v - ${p} : null`
      : `isValid(${p}) && ${p} !== 0 && isValid(datum.__v) ? (datum.__v - ${p}) / abs(${p}) : null`;
    const amount = isPercent
      ? `format(abs(${ch}) * 100, '.1f') + ' pp'`
      : `format(abs(${ch}), '.1%')`;
    const label = JSON.stringify(c.label);
    const note = c.note ? `datum[${JSON.stringify(c.note)}]` : 'null';
    const why = `isValid(${note}) && ${note} !== '' ? ${note} : !isValid(${p}) || !isValid(datum.__v) ? 'no figure' : 'was 0'`;
    transform.push(
      { calculate: col(c.field), as: `__p${i}` },
      { calculate: change, as: `__c${i}` },
      {
        calculate: `isValid(${ch}) ? (${ch} > 0 ? '▲ ' : ${ch} < 0 ? '▼ ' : '= ') + ${amount} + ' ' + ${label} : '— ' + ${label} + ': ' + (${why})`,
        as: `__ct${i}`,
      },
      {
        calculate: `isValid(${ch}) ? (${ch} > 0 ? 'up' : ${ch} < 0 ? 'down' : 'flat') : 'none'`,
        as: `__d${i}`,
      },
    );
    layer.push({
      mark: { type: 'text', align: 'left', baseline: 'alphabetic', fontSize: 13, fontWeight: 600 },
      encoding: {
        x: { value: 0 },
        y: { value: 62 + i * 22 },
        text: { field: `__ct${i}`, type: 'nominal' },
        color: {
          field: `__d${i}`,
          type: 'nominal',
          scale: { domain: ['up', 'down', 'flat', 'none'], range: [good, bad, MUTED, MUTED] },
          legend: null,
        },
      },
    });
  });
  if (opts.caption) {
    transform.push({
      calculate: `isValid(datum[${JSON.stringify(opts.caption)}]) ? '' + datum[${JSON.stringify(opts.caption)}] : ''`,
      as: '__cap',
    });
    layer.push({
      mark: { type: 'text', align: 'left', baseline: 'alphabetic', fontSize: 11, color: MUTED },
      encoding: {
        x: { value: 0 },
        y: { value: 62 + comparisons.length * 22 + 2 },
        text: { field: '__cap', type: 'nominal' },
      },
    });
  }
  return {
    title: opts.title,
    width,
    height,
    // One row: a tile of several rows would print its figures over each other.
    transform: [
      { window: [{ op: 'row_number', as: '__row' }] },
      { filter: 'datum.__row === 1' },
      ...transform,
    ],
    layer,
    config: { title: { fontSize: 13, color: MUTED, fontWeight: 600 } },
  };
}
