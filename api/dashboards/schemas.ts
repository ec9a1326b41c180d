/** Request and response shapes of the dashboard endpoints (the OpenAPI document is built from these). */
import { z } from 'zod';
import { dateInput, idText } from '../fields.ts';
import { countryFilter, repCodeFilter } from '../reports/filters.ts';

export const dashboardParams = z.object({ id: z.string().min(1) });
export const panelParams = z.object({ id: z.string().min(1), panel: z.string().min(1) });

/** The filters as URL query parameters; which ones a dashboard takes is its file's `filters`. */
const filterQuery = {
  from: dateInput.optional(),
  to: dateInput.optional(),
  /** Team id. A manager's is forced to their own team. */
  team: idText.optional(),
  /** Rep code (R-ANA), as people write it; the query gets the rep's id. */
  rep: repCodeFilter.optional(),
  /** Category id; includes its subcategories. */
  category: idText.optional(),
  /** ISO 3166-1 alpha-2 country code, any case (the same rule as GET /reports/sales). */
  country: countryFilter.optional(),
  format: z.enum(['json', 'csv']).default('json'),
};
const rangeInOrder: [
  (q: { from?: string | undefined; to?: string | undefined }) => boolean,
  { message: string; path: string[] },
] = [(q) => !q.from || !q.to || q.from <= q.to, { message: 'from is after to', path: ['to'] }];

export const panelDataQuery = z.object(filterQuery).refine(...rangeInOrder);
export type PanelDataQuery = z.output<typeof panelDataQuery>;

const filterName = z.enum(['from', 'to', 'team', 'rep', 'category', 'country']);

export const dashboardSummary = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  panels: z.array(z.object({ id: z.string(), title: z.string() })),
});

export const dashboardList = z.object({
  items: z.array(dashboardSummary),
  nextCursor: z.null(),
});

const tableColumn = z.union([
  z.string(),
  z.object({
    field: z.string(),
    title: z.string().optional(),
    format: z.string().optional(),
  }),
]);

export const panelDetail = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  filters: z.array(filterName),
  kind: z.enum(['vegaLite', 'kpi', 'table']),
  /** The Vega-Lite 6 spec, without data (the rows come from …/data). */
  vegaLite: z.record(z.string(), z.unknown()).optional(),
  kpi: z
    .object({
      value: z.string(),
      format: z.enum(['money', 'count', 'percent']).optional(),
      /** One column ("vs previous period") or several comparisons. */
      compare: z
        .union([
          z.string(),
          z.array(z.object({ column: z.string(), label: z.string(), note: z.string().optional() })),
        ])
        .optional(),
      /** A column whose text is shown small under the tile. */
      caption: z.string().optional(),
    })
    .optional(),
  table: z.object({ columns: z.array(tableColumn) }).optional(),
  /** Cross-filter: a click on a mark sets `filter` (month: from and to) to the mark's `field`. */
  select: z
    .object({ filter: z.enum(['team', 'rep', 'category', 'country', 'month']), field: z.string() })
    .optional(),
  /** What the panel says when it has no rows (and no filter narrows it); null: the generic words. */
  empty: z.string().nullable(),
  /** Whether …/panels/{panel}/rows gives the rows behind this panel. */
  drill: z.boolean(),
  /**
   * The columns of this panel's rows, in order (its own drill's, else the dashboard's); the
   * sortable ones. null: no rows.
   */
  drillColumns: z.array(tableColumn).nullable(),
});

export const dashboardDetail = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  filters: z.array(filterName),
  panels: z.array(panelDetail),
  /**
   * The columns of the dashboard's drill, the default rows of its panels; null: it has none. A
   * panel with its own drill says so in its drillColumns.
   */
  drill: z.object({ columns: z.array(tableColumn) }).nullable(),
});

export const panelData = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  /** One object per row: DECIMAL (money) as an exact decimal string, whole numbers as numbers. */
  rows: z.array(z.record(z.string(), z.unknown())),
});

/** GET …/panels/{panel}/rows: the filters, and the page of rows wanted. */
export const panelRowsQuery = z
  .object({
    ...filterQuery,
    /** One of the drill's columns; default its first. */
    sort: z.string().max(100).optional(),
    order: z.enum(['asc', 'desc']).default('desc'),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .refine(...rangeInOrder);
export type PanelRowsQuery = z.output<typeof panelRowsQuery>;

export const panelRows = z.object({
  /**
   * The drill query's rows (DECIMAL as exact strings), each with `orderUrl` when the caller's
   * role may read orders and the row has an order_id, and `customerUrl` when it may read
   * customers and the row has a customer_id.
   */
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});
