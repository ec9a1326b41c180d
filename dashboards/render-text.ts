/**
 * Text widths for the headless View. Without a canvas Vega guesses 0.8 em a character, which
 * truncates table cells, pushes axis titles away and drops labels it thinks overlap. The theme's
 * font, Liberation Sans, has Arial's (Helvetica's) advance widths, so those tables measure text
 * as resvg and browsers will draw it. Installed once, on first render.
 */
import * as vega from 'vega';

// Exported by vega at run time (vega-scenegraph), missing from its typings.
const { textMetrics } = vega as unknown as { textMetrics: { width: unknown } };

// Helvetica advance widths in thousandths of an em, characters 32 (space) to 126 (~).
const ASCII = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const OTHER: Record<string, number> = {
  '€': 556,
  '£': 556,
  '—': 1000,
  '–': 556,
  '…': 1000,
  '▲': 770,
  '▼': 770,
  '\u00a0': 278,
};

/** Width in px of `text` at `fontSize`, bold about 7% wider. */
export function measureText(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    units += code >= 32 && code <= 126 ? ASCII[code - 32]! : (OTHER[ch] ?? 600);
  }
  return (units / 1000) * fontSize * (bold ? 1.07 : 1);
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

let installed = false;

/** Makes Vega measure text with the theme font's widths (idempotent). */
export function installTextMetrics(): void {
  if (installed) return;
  installed = true;
  const width = (item: TextItem, text?: unknown): number => {
    const t = text ?? item.text;
    const lines = Array.isArray(t) ? t.map(String) : [t == null ? '' : String(t)];
    const size = item.fontSize ?? 11;
    const w = item.fontWeight;
    const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' ? w : Number(w)) >= 600;
    return Math.max(0, ...lines.map((l) => measureText(l, size, bold)));
  };
  textMetrics.width = width;
}
