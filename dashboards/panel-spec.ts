/**
 * A panel of a dashboard file as one Vega-Lite spec, whatever its kind: a `vegaLite` spec gets the
 * panel's title; a `kpi` tile and a `table` expand through the renderer's shorthands. The server
 * renders this (SVG, PNG), exports it (JSON) and the page draws the same.
 */
import { kpiComparisons, type FilterName, type LoadedPanel } from './schema.ts';
import { expandKpi, expandTable, type Row, type Spec } from './render.ts';

/** The file's KPI formats → the renderer's. */
const KPI_FORMAT = { money: 'money', count: 'integer', percent: 'percent' } as const;

export function panelSpec(panel: LoadedPanel, rows: readonly Row[]): Spec {
  if (panel.kpi)
    return expandKpi({
      title: panel.title,
      value: panel.kpi.value,
      previous: kpiComparisons(panel.kpi).map((c) => ({
        field: c.column,
        label: c.label,
        ...(c.note ? { note: c.note } : {}),
      })),
      ...(panel.kpi.caption ? { caption: panel.kpi.caption } : {}),
      format: KPI_FORMAT[panel.kpi.format ?? 'count'],
    });
  if (panel.table) return { title: panel.title, ...expandTable(panel.table.columns, rows) };
  return { title: panel.title, ...panel.vegaLite } as Spec;
}

/**
 * What `panel` says when it has no rows: its own words for "nothing yet" only when no filter
 * narrows it — with one set, the filter may be why (the page says it the same way).
 */
export function emptyWords(
  panel: LoadedPanel,
  filters: Partial<Record<FilterName, unknown>>,
): { emptyMessage?: string } {
  const narrowed = panel.filters.some((f) => filters[f] !== undefined);
  return panel.empty !== undefined && !narrowed ? { emptyMessage: panel.empty } : {};
}
