/**
 * Drawing a scheduled report: each panel's query run with the report's filters (readPanels, in
 * the warehouse's turn — the caller's job holds it), each panel drawn by the dashboards' own
 * renderer at the width its cell gives (renderSvg, as GET …/panels/{panel}.svg draws it), the
 * panels composed into one page (report-compose.ts) and rasterized once (render-png.ts).
 *
 * A panel that fails — its query refused, the marts not built, a spec Vega cannot draw — shows
 * its message in its place, and one without rows its empty state, rather than failing the report.
 */
import type { AppContext } from '../context.ts';
import { AppError } from '../api/errors.ts';
import { emptyWords, panelSpec } from './panel-spec.ts';
import { runPanelQuery, type FilterValues } from './query.ts';
import { panelQuerySource } from './query-source.ts';
import {
  CHART_HEIGHT,
  composeReport,
  HALF_WIDTH,
  planCells,
  svgSize,
  type DrawnPanel,
  type PanelCell,
  type ReportHeading,
} from './report-compose.ts';
import type { ReportDefinition, ReportFilters } from './report-catalog.ts';
import { rasterize, renderSvg, type Row, type Spec } from './render.ts';
import { panelKind, type LoadedPanel } from './schema.ts';

/** The rows of one panel, or why there are none. */
export type PanelRows = { panel: LoadedPanel } & ({ rows: Row[] } | { problem: string });

/** A problem's words for the image: an AppError's message is meant for people; the rest is ours. */
function problemText(e: unknown): string {
  if (e instanceof AppError) return e.message;
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

/**
 * Each panel's rows for `values`, in the report's panel order. Run it in the warehouse's turn,
 * so the figures are those of one build (an ingest or build waits behind it).
 */
export async function readPanels(
  ctx: AppContext,
  report: ReportDefinition,
  values: FilterValues,
): Promise<PanelRows[]> {
  const out: PanelRows[] = [];
  for (const panel of report.panels) {
    try {
      const data = await runPanelQuery(
        ctx,
        panel,
        values,
        panelQuerySource(report.dashboard, panel),
      );
      out.push({ panel, rows: data.rows as Row[] });
    } catch (e) {
      out.push({ panel, problem: problemText(e) });
    }
  }
  return out;
}

/** Vega-Lite's padding around every panel (render-theme.ts), inside the cell. */
const PADDING = 12;
/** A bar's room in a chart of categories, and what its title and axis take besides. */
const BAND = 30;
const CHART_FRAME = 90;
/** The view of a panel with no rows: its title and one sentence. */
const EMPTY_HEIGHT = 140;

/**
 * A chart's whole height: a chart of categories (a discrete y) as many bars as it has, each a
 * bar's thickness — two categories stretched over the full height read as two slabs — up to the
 * full height; any other chart the full height.
 */
function chartHeight(spec: Spec, rows: readonly Row[]): number {
  const y = (spec.encoding as { y?: { field?: unknown; type?: unknown } } | undefined)?.y;
  if (typeof y?.field !== 'string' || (y.type !== 'nominal' && y.type !== 'ordinal'))
    return CHART_HEIGHT;
  const field = y.field;
  const bands = new Set(rows.map((r) => r[field])).size;
  return Math.min(CHART_HEIGHT, Math.max(160, CHART_FRAME + bands * BAND));
}

/**
 * The panel's spec and render options for a cell `width` wide: a KPI tile as wide as the cell,
 * a chart fitted to it (axes, legend and title included); a table keeps the width its columns
 * need (the composer scales a wider one down), and the empty state fills the cell's width.
 */
function sized(
  panel: LoadedPanel,
  rows: Row[],
  width: number,
): { spec: Spec; size: { width: number; height: number } } {
  const spec = panelSpec(panel, rows);
  const kind = panelKind(panel);
  const inside = { width: width - 2 * PADDING, height: EMPTY_HEIGHT };
  if (kind === 'kpi') return { spec: { ...spec, width: inside.width }, size: inside };
  const composite = ['hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in spec);
  if (kind === 'vegaLite' && !composite && typeof spec.width !== 'number' && rows.length > 0)
    return {
      spec: { ...spec, autosize: { type: 'fit', contains: 'padding' } },
      size: { width, height: chartHeight(spec, rows) },
    };
  return { spec, size: inside };
}

/** A panel's SVG for `opts`, or its problem in words (Vega refused the spec). */
async function render(
  spec: Spec,
  rows: Row[],
  opts: Parameters<typeof renderSvg>[2],
): Promise<{ svg: string } | { problem: string }> {
  try {
    return { svg: await renderSvg(spec, rows, opts) };
  } catch (e) {
    return { problem: problemText(e) };
  }
}

/** A table's spec; without rows, without the width its headings alone would give it. */
function tableSpec(panel: LoadedPanel, rows: Row[]): Spec {
  const spec = panelSpec(panel, rows);
  if (rows.length > 0) return spec;
  const { width: _width, ...rest } = spec;
  return rest;
}

/**
 * The tables drawn first: a table's width comes from its columns, not its cell, and decides
 * whether it needs a whole row (report-compose.ts planCells).
 */
async function drawTables(read: readonly PanelRows[], filters: ReportFilters) {
  const out = new Map<LoadedPanel, { svg: string } | { problem: string }>();
  for (const r of read)
    if ('rows' in r && r.panel.table)
      out.set(
        r.panel,
        // An empty table's sentence is centred in half the page, not in its headings' width.
        await render(tableSpec(r.panel, r.rows), r.rows, {
          ...emptyWords(r.panel, filters),
          width: HALF_WIDTH - 2 * PADDING,
          height: EMPTY_HEIGHT,
        }),
      );
  return out;
}

/** One panel in its cell: its SVG, or its problem. */
async function drawPanel(
  cell: PanelCell,
  read: PanelRows,
  filters: ReportFilters,
  tables: ReadonlyMap<LoadedPanel, { svg: string } | { problem: string }>,
): Promise<DrawnPanel> {
  if ('problem' in read) return { ...cell, problem: read.problem };
  const drawn = tables.get(cell.panel);
  if (drawn) return { ...cell, ...drawn };
  const { spec, size } = sized(cell.panel, read.rows, cell.width);
  const opts = { ...emptyWords(cell.panel, filters), ...size };
  return { ...cell, ...(await render(spec, read.rows, opts)) };
}

/** What a drawing gives: the page as SVG and PNG, its pixel size, and each panel's state. */
export interface DrawnReport {
  svg: string;
  png: Buffer;
  width: number;
  height: number;
  panels: { id: string; state: 'drawn' | 'empty' | 'failed'; problem?: string }[];
}

/** Pixels per SVG unit: sharp on high-density screens, as the panel PNG route draws. */
export const REPORT_SCALE = 2;

/** The report drawn from `read` (readPanels) under `heading`: one SVG, rasterized once. */
export async function drawReport(
  read: readonly PanelRows[],
  filters: ReportFilters,
  heading: ReportHeading,
): Promise<DrawnReport> {
  const tables = await drawTables(read, filters);
  // A table whose columns do not fit in half the page takes a whole row; the others share one.
  const wide = (p: LoadedPanel) => {
    const t = tables.get(p);
    return t !== undefined && 'svg' in t && svgSize(t.svg).width > HALF_WIDTH;
  };
  const cells = planCells(
    read.map((r) => r.panel),
    wide,
  );
  const drawn: DrawnPanel[] = [];
  for (const cell of cells) {
    const r = read.find((x) => x.panel === cell.panel)!;
    drawn.push(await drawPanel(cell, r, filters, tables));
  }
  const page = composeReport(heading, drawn);
  const image = rasterize(page.svg, { scale: REPORT_SCALE });
  return {
    svg: page.svg,
    png: image.asPng(),
    width: image.width,
    height: image.height,
    panels: read.map((r) => {
      const d = drawn.find((x) => x.panel === r.panel)!;
      if ('problem' in d) return { id: r.panel.id, state: 'failed', problem: d.problem };
      return { id: r.panel.id, state: 'rows' in r && r.rows.length === 0 ? 'empty' : 'drawn' };
    }),
  };
}
