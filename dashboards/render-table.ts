/**
 * A table as a Vega-Lite spec (text marks on a grid), so a table panel renders and exports like
 * any chart: a bold header, striped rows, text left and numbers right. Column widths come from
 * the rows; values are formatted in Vega (`$` is the dashboard's currency).
 */
import { d3Format, type FormatName } from './render-money.ts';
import { measureText } from './render-text.ts';
import { INK, MUTED } from './render-theme.ts';
import type { Row, Spec } from './render-data.ts';

export interface TableColumn {
  field: string;
  title?: string;
  /** money, money0, number, integer, percent, a d3 format, 'date', or 'text' (the default for strings). */
  format?: FormatName | 'date' | 'text' | string;
}

const ROW = 24;
const HEADER = 28;
const PAD = 12;

function isNumberColumn(c: TableColumn, rows: readonly Row[]): boolean {
  if (c.format === 'text' || c.format === 'date') return false;
  if (c.format !== undefined) return true;
  return rows.some((r) => typeof r[c.field] === 'number' || typeof r[c.field] === 'bigint');
}

function textExpr(c: TableColumn, numeric: boolean): string {
  const v = `datum[${JSON.stringify(c.field)}]`;
  if (c.format === 'date') return `isValid(${v}) ? timeFormat(toDate(${v}), '%d %b %Y') : '—'`;
  if (numeric) {
    return `isValid(${v}) && ${v} !== '' ? format(toNumber(${v}), ${JSON.stringify(d3Format(c.format))}) : '—'`;
  }
  return `isValid(${v}) ? '' + ${v} : '—'`;
}

/** Width a column needs: its title or its longest value, formatted values allowing for separators. */
function columnWidth(
  c: TableColumn,
  title: string,
  rows: readonly Row[],
  numeric: boolean,
): number {
  let px = measureText(title, 12, true);
  for (const r of rows) {
    const raw = r[c.field];
    const s = raw === null || raw === undefined ? '—' : String(raw);
    // A formatted number gains a symbol, separators and decimals: allow a third more.
    px = Math.max(px, measureText(s, 12) * (numeric ? 1.35 : 1) + (numeric ? 14 : 0));
  }
  return Math.ceil(Math.min(px, 320)) + 2 * PAD;
}

export function expandTable(
  columns: ReadonlyArray<TableColumn | string>,
  rows: readonly Row[],
): Spec {
  const cols = columns.map((c) => (typeof c === 'string' ? { field: c } : c));
  const layout = cols.map((c) => {
    const title = c.title ?? c.field;
    const numeric = isNumberColumn(c, rows);
    return { c, title, numeric, width: columnWidth(c, title, rows, numeric) };
  });
  const width = layout.reduce((s, l) => s + l.width, 0);
  const height = HEADER + Math.max(rows.length, 1) * ROW;
  const yRow = { field: '__y', type: 'quantitative', scale: null };
  const firstRow = { filter: 'datum.__row === 1' };

  const layer: Record<string, unknown>[] = [
    {
      // Stripes behind every other row.
      transform: [{ filter: 'datum.__row % 2 === 0' }],
      mark: { type: 'rect', color: '#f3f4f6' },
      encoding: {
        x: { value: 0 },
        x2: { value: width },
        y: { field: '__top', type: 'quantitative', scale: null },
        y2: { field: '__bottom' },
      },
    },
    {
      transform: [firstRow],
      mark: { type: 'rule', color: '#c4c7cc' },
      encoding: { x: { value: 0 }, x2: { value: width }, y: { value: HEADER } },
    },
  ];
  let x = 0;
  layout.forEach((l, i) => {
    const align = l.numeric ? 'right' : 'left';
    const at = l.numeric ? x + l.width - PAD : x + PAD;
    const limit = l.width - PAD;
    layer.push(
      {
        transform: [firstRow],
        mark: { type: 'text', align, baseline: 'middle', fontWeight: 'bold', color: INK, limit },
        encoding: { x: { value: at }, y: { value: HEADER / 2 }, text: { value: l.title } },
      },
      {
        transform: [{ calculate: textExpr(l.c, l.numeric), as: `__t${i}` }],
        mark: { type: 'text', align, baseline: 'middle', color: l.numeric ? INK : MUTED, limit },
        encoding: { x: { value: at }, y: yRow, text: { field: `__t${i}`, type: 'nominal' } },
      },
    );
    x += l.width;
  });

  return {
    width,
    height,
    transform: [
      { window: [{ op: 'row_number', as: '__row' }] },
      { calculate: `${HEADER} + (datum.__row - 0.5) * ${ROW}`, as: '__y' },
      { calculate: `${HEADER} + (datum.__row - 1) * ${ROW}`, as: '__top' },
      { calculate: `${HEADER} + datum.__row * ${ROW}`, as: '__bottom' },
    ],
    layer,
  };
}
