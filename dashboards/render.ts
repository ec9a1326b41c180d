/**
 * Server-side rendering of dashboard panels (issue #14, "Rendering and export"). A panel is a
 * Vega-Lite spec without data plus the rows its query returned; every panel kind — chart, KPI
 * tile, table — goes through `renderSvg`: rows inlined (quantitative columns made numbers),
 * the shared theme under the spec's own config, vega-lite → vega → a headless View
 * (`renderer: 'none'`) → `toSVG()`. PNG is that SVG through resvg (render-png.ts); the `.json`
 * export is `specJson`.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { coerceRows, inlineData, quantitativeFields, type Row, type Spec } from './render-data.ts';
import { DEFAULT_CURRENCY } from './render-money.ts';
import { installTextMetrics } from './render-text.ts';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, MUTED, deepMerge, themeConfig } from './render-theme.ts';

export { expandKpi, type KpiOptions, type KpiComparison } from './render-kpi.ts';
export { expandTable, type TableColumn } from './render-table.ts';
export { rasterize, renderPng, themeFontFiles, type PngOptions } from './render-png.ts';
export { validateSpec } from './render-validate.ts';
export { formatMoney, currencySymbol, FORMATS, type FormatName } from './render-money.ts';
export { PALETTE } from './render-theme.ts';
export type { Row, Spec } from './render-data.ts';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The empty state's default words; callers may say why ("No orders in this range"). */
export const EMPTY_MESSAGE = 'No data for these filters';

export interface RenderOptions {
  /** ISO 4217 code for `$` in formats; EUR when not given. */
  currency?: string;
  /** Size of a unit or layered chart that sets none itself. */
  width?: number;
  height?: number;
  /** What an empty panel says. */
  emptyMessage?: string;
  /** Vega-Lite's compile warnings (a channel dropped, a bad sort); ignored when not given. */
  onWarning?: (message: string) => void;
}

/** Views whose size is the whole panel's; composite views size their parts themselves. */
function isUnitOrLayer(spec: Spec): boolean {
  return !['hconcat', 'vconcat', 'concat', 'facet', 'repeat'].some((k) => k in spec);
}

function withDefaults(spec: Spec, opts: RenderOptions): Spec {
  const out: Spec = {
    ...spec,
    config: deepMerge(
      themeConfig(opts.currency ?? DEFAULT_CURRENCY),
      spec.config as Record<string, unknown> | undefined,
    ),
  };
  if (isUnitOrLayer(spec)) {
    // "container" has no container on the server.
    if (typeof out.width !== 'number' && !isStep(out.width))
      out.width = opts.width ?? DEFAULT_WIDTH;
    if (typeof out.height !== 'number' && !isStep(out.height))
      out.height = opts.height ?? DEFAULT_HEIGHT;
  }
  return out;
}

function isStep(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'step' in v;
}

/**
 * The panel's spec with its rows inlined and the theme applied: what is drawn, and what the
 * `.json` export returns (it renders the same in the Vega editor). Quantitative columns are
 * numbers here; the CSV export keeps the exact strings.
 */
export function specJson(spec: Spec, rows: readonly Row[], opts: RenderOptions = {}): Spec {
  const values = coerceRows(rows, quantitativeFields(spec));
  return { $schema: VEGA_LITE_SCHEMA, ...withDefaults(inlineData(spec, values), opts) };
}

/** A panel with no rows: its title and a sentence in the middle, at the panel's size. */
export function emptySpec(spec: Spec, opts: RenderOptions = {}): Spec {
  const width =
    typeof spec.width === 'number'
      ? spec.width
      : isUnitOrLayer(spec)
        ? (opts.width ?? DEFAULT_WIDTH)
        : DEFAULT_WIDTH;
  const height = typeof spec.height === 'number' ? spec.height : (opts.height ?? DEFAULT_HEIGHT);
  const empty: Spec = {
    width,
    height,
    data: { values: [{ message: opts.emptyMessage ?? EMPTY_MESSAGE }] },
    mark: { type: 'text', fontSize: 15, color: MUTED, align: 'center', baseline: 'middle' },
    encoding: {
      text: { field: 'message', type: 'nominal' },
      x: { value: width / 2 },
      y: { value: height / 2 },
    },
    config: spec.config ?? {},
  };
  if (spec.title !== undefined) empty.title = spec.title;
  return empty;
}

/** Vega-Lite → Vega, the theme applied; compile errors name the problem. */
export function compileSpec(spec: Spec, opts: RenderOptions = {}): vega.Spec {
  const warn = opts.onWarning ?? (() => {});
  const logger = {
    level: () => logger,
    error: (...m: unknown[]) => {
      throw new Error(m.join(' '));
    },
    warn: (...m: unknown[]) => {
      warn(m.join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return compile(spec as unknown as TopLevelSpec, { logger: logger as never }).spec;
}

/** Runs a compiled spec in a headless View and returns its SVG. */
async function toSvg(vgSpec: vega.Spec): Promise<string> {
  installTextMetrics();
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The panel as an SVG document. `spec` carries no data; `rows` are the query's rows as the
 * database returned them. No rows give the empty state instead of an empty chart.
 */
export async function renderSvg(
  spec: Spec,
  rows: readonly Row[],
  opts: RenderOptions = {},
): Promise<string> {
  const full =
    rows.length === 0 ? withDefaults(emptySpec(spec, opts), opts) : specJson(spec, rows, opts);
  return toSvg(compileSpec(full, opts));
}
