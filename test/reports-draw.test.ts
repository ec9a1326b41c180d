/**
 * A scheduled report's page without a database: the panels laid out as the dashboard page lays
 * them out (tiles in a row, charts two to a row), each drawn by the dashboards' renderer, and a
 * panel that failed or has no rows shows its message in its place instead of failing the page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, loadDashboards } from '../dashboards/catalog.ts';
import {
  composeReport,
  HALF_WIDTH,
  PAGE_WIDTH,
  planCells,
  svgSize,
  wrapText,
} from '../dashboards/report-compose.ts';
import { drawReport, type PanelRows } from '../dashboards/report-draw.ts';
import type { Dashboard, LoadedPanel } from '../dashboards/schema.ts';

let executive: Dashboard;
beforeAll(async () => {
  executive = (await loadDashboards(DASHBOARDS_DIR)).get('executive')!;
});
const panel = (id: string): LoadedPanel => executive.panels.find((p) => p.id === id)!;

const heading = {
  title: 'Weekly',
  subtitle: 'Executive overview · Last week: 1 – 7 Jun 2026',
  filters: 'Team North',
  dataTime: 'Data as of 8 Jun 2026, 06:00 UTC',
  link: 'https://sales.example.com/dashboards/executive?from=2026-06-01&to=2026-06-07',
};

describe('the report page', () => {
  it('lays out tiles four to a row, charts and tables two to a row, a wide one across', () => {
    const cells = planCells(executive.panels);
    const at = (id: string) => cells.find((c) => c.panel.id === id)!;
    const tiles = ['revenue', 'orders', 'average-order-value', 'gross-margin'].map(at);
    expect(new Set(tiles.map((c) => c.row))).toEqual(new Set([0]));
    expect(tiles.map((c) => c.x)).toEqual([...tiles.map((c) => c.x)].sort((a, b) => a - b));
    expect(new Set(tiles.map((c) => c.width)).size).toBe(1);
    // The monthly chart and the category bars share row 1; countries and top customers row 2.
    expect([at('monthly-revenue').row, at('revenue-by-category').row]).toEqual([1, 1]);
    expect(at('monthly-revenue').width).toBe(HALF_WIDTH);
    expect(at('revenue-by-category').x).toBeGreaterThan(HALF_WIDTH);
    expect([at('revenue-by-country').row, at('top-customers').row]).toEqual([2, 2]);
    // The page's rule: top products (six columns) takes its own row.
    expect(at('top-products')).toMatchObject({ row: 3, x: 0, width: PAGE_WIDTH - 64 });
    // The report's own rule may say otherwise.
    expect(
      planCells(executive.panels, () => false).find((c) => c.panel.id === 'top-products'),
    ).toMatchObject({ row: 3, x: 0, width: HALF_WIDTH });
  });

  it('shows a failed panel’s message and an empty one’s words in place; the rest drawn', async () => {
    const read: PanelRows[] = [
      {
        panel: panel('revenue'),
        rows: [{ revenue: '1250.00', prev_revenue: '1000.00', ly_revenue: null }],
      },
      { panel: panel('orders'), rows: [{ orders: 7, prev_orders: 7, ly_orders: 3 }] },
      {
        panel: panel('revenue-by-category'),
        problem: 'marts.mart_sales_lines is not built yet: run `salesops models build`',
      },
      {
        panel: panel('revenue-by-country'),
        rows: [
          { country: 'FR', revenue: 900.5, orders: 4 },
          { country: 'DE', revenue: 334, orders: 3 },
        ],
      },
      { panel: panel('top-customers'), rows: [] },
    ];
    const drawn = await drawReport(read, {}, heading);
    expect(drawn.panels).toEqual([
      { id: 'revenue', state: 'drawn' },
      { id: 'orders', state: 'drawn' },
      {
        id: 'revenue-by-category',
        state: 'failed',
        problem: 'marts.mart_sales_lines is not built yet: run `salesops models build`',
      },
      { id: 'revenue-by-country', state: 'drawn' },
      { id: 'top-customers', state: 'empty' },
    ]);
    const texts = [...drawn.svg.matchAll(/>([^<>]+)</g)].map((m) => m[1]!).join('\n');
    expect(texts).toContain('Could not draw this panel: marts.mart_sales_lines is not built');
    expect(texts).toContain('Revenue by category'); // the failed panel keeps its title
    expect(texts).toContain('No data for these filters');
    expect(texts).toContain('€1,250.00');
    expect(texts).toContain('▲ 25.0% vs previous period');
    expect(texts).toContain('FR');
    expect(texts).toContain('Team North');
    // One PNG, twice the page's size.
    expect([...drawn.png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(drawn.width).toBe(PAGE_WIDTH * 2);
    expect(drawn.height).toBe(svgSize(drawn.svg).height * 2);
  });

  it('keeps two panels’ clip paths apart, and wraps long words to the card', () => {
    const svg = (id: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50"><rect width="100" height="50" fill="white"/><defs><clipPath id="${id}"><rect width="10" height="10"/></clipPath></defs><g clip-path="url(#${id})"></g></svg>`;
    const cells = planCells([panel('revenue-by-category'), panel('revenue-by-country')]);
    const page = composeReport(heading, [
      { ...cells[0]!, svg: svg('clip1') },
      { ...cells[1]!, svg: svg('clip1') },
    ]);
    const ids = [...page.svg.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(page.svg).toContain(`url(#${id})`);
    // The panels' own white backgrounds give way to the cards'.
    expect(page.svg).not.toContain('<rect width="100" height="50" fill="white"/>');
    const lines = wrapText('word '.repeat(60).trim(), 200, 13);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join(' ')).toBe('word '.repeat(60).trim());
  });
});
