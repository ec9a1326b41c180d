/**
 * What a dashboard file (dashboards/*.yaml) may say. Strict objects, so a misspelt key in a
 * hand-edited file is an error naming it rather than a setting silently ignored.
 */
import { z } from 'zod';

/** The filters a dashboard can offer, as URL query parameters and as SQL parameters `$name`. */
export const FILTER_NAMES = ['from', 'to', 'team', 'rep', 'category', 'country'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

/** Roles a dashboard may name. admin always sees every dashboard; staff never sees any. */
export const DASHBOARD_ROLES = ['executive', 'manager', 'analyst', 'admin'] as const;
export type DashboardRole = (typeof DASHBOARD_ROLES)[number];

const ident = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, e.g. top-customers');
const column = z.string().min(1);

/** One comparison of a KPI tile: the earlier figure's column and the words after the change. */
const kpiComparison = z.strictObject({
  /** A column of the same row holding the earlier figure (null: nothing to compare with). */
  column,
  /** Words after the change, e.g. "vs previous period". */
  label: z.string().min(1),
  /** A column of the row whose text says why there is no change, when there is none. */
  note: column.optional(),
});

const kpi = z.strictObject({
  /** The column of the query's first row shown as the tile's figure. */
  value: column,
  format: z.enum(['money', 'count', 'percent']).optional(),
  /**
   * What the figure is compared with: one column (read as "vs previous period"), or a list of
   * comparisons, each drawn as its own line with the change (▲/▼, %; points for a percent).
   */
  compare: z.union([column, z.array(kpiComparison).min(1).max(3)]).optional(),
  /** A column of the row whose text is shown small under the tile (what the figure covers). */
  caption: column.optional(),
});

/** A KPI tile's comparisons as a list, the single-column form read as "vs previous period". */
export function kpiComparisons(k: z.output<typeof kpi>): z.output<typeof kpiComparison>[] {
  if (k.compare === undefined) return [];
  return typeof k.compare === 'string'
    ? [{ column: k.compare, label: 'vs previous period' }]
    : k.compare;
}

/** The columns a KPI tile reads from its row. */
export function kpiColumns(k: z.output<typeof kpi>): string[] {
  const cols = [k.value, ...(k.caption ? [k.caption] : [])];
  for (const c of kpiComparisons(k)) cols.push(c.column, ...(c.note ? [c.note] : []));
  return [...new Set(cols)];
}

/** A table column: its name, or the name with a heading and a format (money, integer, …). */
const tableColumn = z.union([
  column,
  z.strictObject({
    field: column,
    title: z.string().optional(),
    format: z.enum(['money', 'money0', 'number', 'integer', 'percent', 'date', 'text']).optional(),
  }),
]);

const table = z.strictObject({ columns: z.array(tableColumn).min(1) });

/** The filters a click on a mark can set: a dashboard filter, or `month` (sets from and to). */
export const SELECT_FILTERS = ['team', 'rep', 'category', 'country', 'month'] as const;
export type SelectFilter = (typeof SELECT_FILTERS)[number];

/**
 * Cross-filter: a click on a mark sets `filter` for the whole dashboard to the mark's `field`
 * (a column of the panel's query); `month` sets from and to to that calendar month.
 */
const select = z.strictObject({ filter: z.enum(SELECT_FILTERS), field: column });

/**
 * Drill-through: the rows behind a panel ("show rows"): a query with the same rules as a
 * panel's (marts only, filters bound as parameters and listed), and the columns shown, in order
 * — also the columns the rows may be sorted by. The dashboard's is the default for its panels; a
 * panel may carry its own (its figures are about other rows: opportunities, stock, …).
 */
const drill = z.strictObject({
  query: z.string().min(1),
  filters: z.array(z.enum(FILTER_NAMES)).default([]),
  columns: z.array(tableColumn).min(1),
});
export type Drill = z.output<typeof drill>;

/** The query column a table column shows. */
export function columnField(c: z.output<typeof tableColumn>): string {
  return typeof c === 'string' ? c : c.field;
}

/** A Vega-Lite spec without data: the rows come from the panel's query. */
const vegaLite = z
  .record(z.string(), z.unknown())
  .refine((spec) => !('data' in spec), 'leave data out: the rows come from the panel query')
  .refine((spec) => !('$schema' in spec) || String(spec.$schema).includes('vega-lite/v6'), {
    message: 'must be a Vega-Lite 6 spec',
  });

export const panelSchema = z
  .strictObject({
    id: ident,
    title: z.string().min(1),
    description: z.string().optional(),
    /** One SELECT over marts.* only (checked with DuckDB's parser when the files load). */
    query: z.string().min(1),
    /** The dashboard filters this query reads, each as `$name`; default none. */
    filters: z.array(z.enum(FILTER_NAMES)).default([]),
    vegaLite: vegaLite.optional(),
    kpi: kpi.optional(),
    table: table.optional(),
    select: select.optional(),
    /**
     * What the panel says when its query returns no rows and no filter narrows it, instead of
     * the generic words: why there is nothing yet ("No segmentation run yet: …").
     */
    empty: z.string().min(1).optional(),
    /**
     * The rows behind this panel, instead of the dashboard's drill; `false`: no "show rows" (a
     * table that is itself the rows, or a figure no rows explain).
     */
    drill: z.union([z.literal(false), drill]).optional(),
  })
  .superRefine((p, ctx) => {
    const kinds = (['vegaLite', 'kpi', 'table'] as const).filter((k) => p[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `needs exactly one of vegaLite, kpi, table (has ${kinds.join(', ') || 'none'})`,
      });
  });
export type Panel = z.output<typeof panelSchema>;

/** Drill rules that need the dashboard: its filters, and managers' forced team. */
function checkDrill(
  d: { filters: readonly string[]; roles: readonly string[] },
  drill: Drill,
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  drill.filters.forEach((f, j) => {
    if (!d.filters.includes(f))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'filters', j],
        message: `${f} is not one of the dashboard's filters (${d.filters.join(', ') || 'none'})`,
      });
  });
  if (d.roles.includes('manager') && !drill.filters.includes('team'))
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'filters'],
      message: 'must include team: the dashboard is open to managers, whose team is forced',
    });
}

export const dashboardSchema = z
  .strictObject({
    id: ident,
    title: z.string().min(1),
    description: z.string().default(''),
    roles: z.array(z.enum(DASHBOARD_ROLES)).min(1),
    filters: z.array(z.enum(FILTER_NAMES)).default([]),
    panels: z.array(panelSchema).min(1),
    drill: drill.optional(),
  })
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    if (d.drill) checkDrill(d, d.drill, ['drill'], ctx);
    d.panels.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['panels', i, 'id'], message: `${p.id} twice` });
      seen.add(p.id);
      if (p.select && p.select.filter !== 'month' && !d.filters.includes(p.select.filter))
        ctx.addIssue({
          code: 'custom',
          path: ['panels', i, 'select', 'filter'],
          message: `${p.select.filter} is not one of the dashboard's filters (${d.filters.join(', ') || 'none'})`,
        });
      if (p.select?.filter === 'month' && !(d.filters.includes('from') && d.filters.includes('to')))
        ctx.addIssue({
          code: 'custom',
          path: ['panels', i, 'select', 'filter'],
          message: 'month sets from and to, which the dashboard does not offer',
        });
      if (p.drill === false && !d.drill)
        ctx.addIssue({
          code: 'custom',
          path: ['panels', i, 'drill'],
          message: 'the dashboard has no drill query to opt out of',
        });
      if (p.drill) {
        checkDrill(d, p.drill, ['panels', i, 'drill'], ctx);
        // The rows run with the panel's filter values only (as the dashboard's drill does), so a
        // filter the panel ignores would be NULL: listing it would promise a filter never applied.
        p.drill.filters.forEach((f, j) => {
          if (d.filters.includes(f) && !p.filters.includes(f))
            ctx.addIssue({
              code: 'custom',
              path: ['panels', i, 'drill', 'filters', j],
              message: `${f} is not one of the panel's filters (${p.filters.join(', ') || 'none'}): its rows are the ones behind its figures`,
            });
        });
      }
      p.filters.forEach((f, j) => {
        if (!d.filters.includes(f))
          ctx.addIssue({
            code: 'custom',
            path: ['panels', i, 'filters', j],
            message: `${f} is not one of the dashboard's filters (${d.filters.join(', ') || 'none'})`,
          });
      });
      // A manager sees only their own team: the team filter is forced, so every panel of a
      // dashboard open to managers must read it, or that panel would show every team.
      if (d.roles.includes('manager') && !p.filters.includes('team'))
        ctx.addIssue({
          code: 'custom',
          path: ['panels', i, 'filters'],
          message: 'must include team: the dashboard is open to managers, whose team is forced',
        });
    });
  });

/** A drill query as loaded: the marts it reads (as a panel's). */
export type LoadedDrill = Drill & { relations: string[] };

/** A panel as loaded: the marts its query (and its own drill's) reads, for the 503 check. */
export type LoadedPanel = Omit<Panel, 'drill'> & {
  relations: string[];
  drill?: false | LoadedDrill;
};

/** A dashboard as loaded: the file's content plus where it came from. */
export type Dashboard = Omit<z.output<typeof dashboardSchema>, 'panels' | 'drill'> & {
  file: string;
  panels: LoadedPanel[];
  /** The drill query, with the marts it reads (as a panel's). */
  drill?: LoadedDrill;
};

/** The drill behind `panel`: its own, else the dashboard's; undefined when it has no rows. */
export function panelDrill(d: Dashboard, panel: LoadedPanel): LoadedDrill | undefined {
  if (panel.drill === false) return undefined;
  return panel.drill ?? d.drill;
}

/** Panel kind, from which of vegaLite / kpi / table it has. */
export function panelKind(p: Panel): 'vegaLite' | 'kpi' | 'table' {
  return p.vegaLite ? 'vegaLite' : p.kpi ? 'kpi' : 'table';
}
