/**
 * A scheduled report's page as one SVG: a heading (the report's title, the dashboard and period,
 * the filters, the time of the data), then the panels as cards in the dashboard page's layout
 * (dashboards/layout.ts: KPI tiles in a row, charts and tables two to a row, wide tables across),
 * then a footer with the link to the live dashboard. Pure: the panels arrive drawn (each its own
 * SVG from dashboards/render.ts, at the width its cell gives) or as the message that replaces
 * one that could not be drawn; the caller rasterizes the result once.
 */
import { isWidePanel, panelGroups } from './layout.ts';
import { measureText } from './render-text.ts';
import { FONT, INK, MUTED } from './render-theme.ts';
import type { LoadedPanel } from './schema.ts';

/** The page's width in SVG units (the PNG is this times its scale). */
export const PAGE_WIDTH = 1240;
const MARGIN = 32;
const GAP = 16;
const CONTENT = PAGE_WIDTH - 2 * MARGIN;
/** Tiles per row: four read well side by side at this width; more wrap. */
const TILES_PER_ROW = 4;
const PAGE_BACKGROUND = '#f4f5f7';
const CARD_BORDER = '#dfe2e6';
/** The height a chart is drawn at (its cell's width is given by the grid). */
export const CHART_HEIGHT = 340;

/** Where a panel goes: its row and its cell's left edge and width. */
export interface PanelCell {
  panel: LoadedPanel;
  row: number;
  x: number;
  width: number;
}

/** The width of a cell in the two-column grid. */
export const HALF_WIDTH = (CONTENT - GAP) / 2;

/**
 * The cells of `panels` (in their order), row by row. `wide` says which take a whole row: the
 * page's rule by default (a table of more than five columns); the report passes its own, since
 * a picture has a fixed width and can tell whether a table's columns fit in half of it.
 */
export function planCells(
  panels: readonly LoadedPanel[],
  wide: (p: LoadedPanel) => boolean = isWidePanel,
): PanelCell[] {
  const cells: PanelCell[] = [];
  let row = 0;
  for (const group of panelGroups(panels)) {
    if (group.kpi) {
      for (let i = 0; i < group.panels.length; i += TILES_PER_ROW) {
        const run = group.panels.slice(i, i + TILES_PER_ROW);
        const width = (CONTENT - GAP * (run.length - 1)) / run.length;
        run.forEach((panel, j) => cells.push({ panel, row, x: j * (width + GAP), width }));
        row++;
      }
      continue;
    }
    const half = HALF_WIDTH;
    let column = 0;
    for (const panel of group.panels) {
      if (wide(panel)) {
        if (column === 1) row++;
        cells.push({ panel, row: row++, x: 0, width: CONTENT });
        column = 0;
        continue;
      }
      cells.push({ panel, row, x: column * (half + GAP), width: half });
      if (column === 1) row++;
      column = 1 - column;
    }
    if (column === 1) row++;
  }
  return cells;
}

/** A panel as drawn: its SVG, or the sentence that stands in for it. */
export type DrawnPanel = PanelCell & ({ svg: string } | { problem: string });

/** The heading's lines and the footer. */
export interface ReportHeading {
  title: string;
  /** The dashboard and the period: "Executive overview · 1 – 7 Jun 2026". */
  subtitle: string;
  /** The filters other than the period ("Team North · Country FR"), or null. */
  filters: string | null;
  /** "Data as of … · drawn …". */
  dataTime: string;
  /** The live dashboard's address. */
  link: string;
}

export function xmlText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function text(x: number, y: number, size: number, color: string, s: string, bold = false) {
  const weight = bold ? ' font-weight="700"' : '';
  return `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" fill="${color}"${weight}>${xmlText(s)}</text>`;
}

/** `s` cut at word boundaries into lines of at most `width` at `size`. */
export function wrapText(s: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && measureText(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** The size the SVG says it is. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*?\swidth="([\d.]+)"\s+height="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('a panel SVG without its size');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/**
 * The panel's SVG as a nested `<svg>` at (x, y), scaled down to `width` when wider; its ids
 * (Vega's clip paths) made unique to the panel, so no two panels' references can meet.
 */
function nest(svg: string, prefix: string, x: number, y: number, width: number) {
  const size = svgSize(svg);
  const scale = Math.min(1, width / size.width);
  const body = svg
    .replace(/^<svg[^>]*>/, '')
    // Its white background: the card behind it is white, with rounded corners this would cover.
    .replace(/^<rect width="[\d.]+" height="[\d.]+" fill="white"\/>/, '')
    .replace(/<\/svg>\s*$/, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
  const w = size.width * scale;
  const h = size.height * scale;
  return {
    height: h,
    svg: `<svg x="${x}" y="${y}" width="${w}" height="${h}" viewBox="0 0 ${size.width} ${size.height}">${body}</svg>`,
  };
}

/** A card that says why its panel is not drawn: the panel's title and the message. */
function problemCard(title: string, problem: string, x: number, y: number, width: number) {
  const lines = wrapText(`Could not draw this panel: ${problem}`, width - 24, 13);
  const parts = [
    // Where Vega puts a panel's title (padding 12, 16 px): the cards' titles line up.
    text(x + 12, y + 25, 16, INK, title, true),
    ...lines.map((l, i) => text(x + 12, y + 52 + i * 18, 13, MUTED, l)),
  ];
  return { height: Math.max(120, 52 + lines.length * 18 + 16), svg: parts.join('') };
}

/** The whole page as an SVG document, and its size. */
export function composeReport(
  heading: ReportHeading,
  panels: readonly DrawnPanel[],
): { svg: string; width: number; height: number } {
  const out: string[] = [];
  let y = MARGIN + 26;
  out.push(text(MARGIN, y, 26, INK, heading.title, true));
  y += 28;
  out.push(text(MARGIN, y, 16, INK, heading.subtitle));
  if (heading.filters) {
    y += 22;
    out.push(text(MARGIN, y, 14, INK, heading.filters));
  }
  y += 22;
  out.push(text(MARGIN, y, 13, MUTED, heading.dataTime));
  y += 20;

  const rows = new Map<number, DrawnPanel[]>();
  for (const p of panels) rows.set(p.row, [...(rows.get(p.row) ?? []), p]);
  for (const row of [...rows.keys()].sort((a, b) => a - b)) {
    const cards = rows.get(row)!.map((p, i) => {
      const x = MARGIN + p.x;
      const at = `r${row}c${i}`;
      return 'svg' in p
        ? nest(p.svg, at, x, y, p.width)
        : problemCard(p.panel.title, p.problem, x, y, p.width);
    });
    const height = Math.max(...cards.map((c) => c.height));
    rows.get(row)!.forEach((p) => {
      out.push(
        `<rect x="${MARGIN + p.x - 0.5}" y="${y - 0.5}" width="${p.width + 1}" height="${height + 1}" rx="8" fill="white" stroke="${CARD_BORDER}"/>`,
      );
    });
    out.push(...cards.map((c) => c.svg));
    y += height + GAP;
  }

  const footer = wrapText(`Live dashboard: ${heading.link}`, CONTENT, 12);
  footer.forEach((line, i) => out.push(text(MARGIN, y + 14 + i * 16, 12, MUTED, line)));
  const height = Math.ceil(y + 14 + (footer.length - 1) * 16 + MARGIN);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
    `width="${PAGE_WIDTH}" height="${height}" viewBox="0 0 ${PAGE_WIDTH} ${height}">` +
    `<rect width="${PAGE_WIDTH}" height="${height}" fill="${PAGE_BACKGROUND}"/>` +
    out.join('') +
    '</svg>';
  return { svg, width: PAGE_WIDTH, height };
}
