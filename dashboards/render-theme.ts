/**
 * The look every panel shares, server-side and in the page: readable fonts, a colour-blind-safe
 * palette, default sizes. Palette: Okabe & Ito's eight colours ("Color Universal Design", 2008),
 * distinguishable under the common colour-vision deficiencies, ordered so the first colours are
 * the strongest on white and the yellow comes late; sequential ramps use viridis, diverging ones
 * blueorange, both also safe.
 */
import { DEFAULT_CURRENCY, vegaNumberLocale } from './render-money.ts';

/** Okabe–Ito, in the order categories take them. */
export const PALETTE = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#56B4E9', // sky blue
  '#CC79A7', // reddish purple
  '#F0E442', // yellow
  '#000000', // black
] as const;

/** Up and down in KPI tiles: Okabe–Ito green and vermillion, always beside ▲/▼, never alone. */
export const UP = '#009E73';
export const DOWN = '#D55E00';
export const MUTED = '#5f6368';
export const INK = '#1f2328';

/**
 * Liberation Sans has Arial's metrics and is on this machine (fc-list); browsers without it fall
 * back to Arial/Helvetica with the same widths, and DejaVu Sans covers the glyphs (▲▼) it lacks.
 */
export const FONT = 'Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif';

export const DEFAULT_WIDTH = 640;
export const DEFAULT_HEIGHT = 320;

/** The Vega-Lite config applied under every panel's own `config`. */
export function themeConfig(currency: string = DEFAULT_CURRENCY): Record<string, unknown> {
  return {
    font: FONT,
    background: 'white',
    padding: 12,
    view: { stroke: null, continuousWidth: DEFAULT_WIDTH, continuousHeight: DEFAULT_HEIGHT },
    title: {
      font: FONT,
      fontSize: 16,
      fontWeight: 600,
      color: INK,
      anchor: 'start',
      offset: 12,
      subtitleFontSize: 12,
      subtitleColor: MUTED,
    },
    axis: {
      labelFont: FONT,
      titleFont: FONT,
      labelFontSize: 12,
      titleFontSize: 12,
      titleFontWeight: 600,
      labelColor: MUTED,
      titleColor: INK,
      domainColor: '#c4c7cc',
      tickColor: '#c4c7cc',
      gridColor: '#eceef1',
      labelOverlap: true,
      labelLimit: 180,
    },
    axisX: { labelAngle: 0 },
    axisBand: { grid: false },
    legend: {
      labelFont: FONT,
      titleFont: FONT,
      labelFontSize: 12,
      titleFontSize: 12,
      labelColor: INK,
      titleColor: INK,
      orient: 'bottom',
    },
    header: { labelFont: FONT, titleFont: FONT, labelFontSize: 12, titleFontSize: 13 },
    text: { font: FONT, fontSize: 12, color: INK },
    mark: { color: PALETTE[0], tooltip: { content: 'encoding' } },
    line: { strokeWidth: 2.5, point: false },
    bar: { cornerRadiusEnd: 2 },
    range: {
      category: [...PALETTE],
      ordinal: { scheme: 'viridis' },
      ramp: { scheme: 'viridis' },
      heatmap: { scheme: 'viridis' },
      diverging: { scheme: 'blueorange' },
    },
    // Unformatted numbers keep up to two decimals and gain thousands separators.
    numberFormat: ',.2~f',
    // `$` in a d3 format becomes this currency's symbol, here and in the exported JSON.
    locale: { number: vegaNumberLocale(currency) },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `over` merged onto `base`, objects recursively; arrays and scalars in `over` win. */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}
