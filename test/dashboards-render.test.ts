/** Server-side panel rendering (dashboards/render.ts): pure, no database. */
import { describe, expect, it } from 'vitest';
import {
  EMPTY_MESSAGE,
  expandKpi,
  expandTable,
  formatMoney,
  rasterize,
  renderPng,
  renderSvg,
  specJson,
  themeFontFiles,
  validateSpec,
  type Spec,
} from '../dashboards/render.ts';
import { panelSpec } from '../dashboards/panel-spec.ts';
import { panelSchema, type LoadedPanel } from '../dashboards/schema.ts';

const monthly = Array.from({ length: 24 }, (_, i) => ({
  month: new Date(Date.UTC(2023, i, 1)).toISOString().slice(0, 10),
  revenue: (100000 + i * 3456.5).toFixed(2), // DECIMAL columns arrive as strings
}));

const lineSpec: Spec = {
  title: 'Monthly revenue',
  mark: 'line',
  encoding: {
    x: { field: 'month', type: 'temporal', timeUnit: 'yearmonth', title: 'Month' },
    y: { field: 'revenue', type: 'quantitative', title: 'Revenue', axis: { format: '$,.0f' } },
  },
};

const categories = ['Tools', 'Garden', 'Paint', 'Electrical', 'Plumbing'].map((category, i) => ({
  category,
  revenue: (1234567.5 / (i + 1)).toFixed(2),
}));

const barSpec: Spec = {
  title: 'Revenue by category',
  mark: 'bar',
  encoding: {
    y: { field: 'category', type: 'nominal', sort: '-x', title: 'Category' },
    x: { field: 'revenue', type: 'quantitative', title: 'Revenue', axis: { format: '$,.0f' } },
    tooltip: [{ field: 'revenue', type: 'quantitative', format: '$,.2f' }],
  },
};

const count = (s: string, re: RegExp) => s.match(re)?.length ?? 0;
const svgSize = (svg: string) => {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"\s+height="(\d+(?:\.\d+)?)"/.exec(svg);
  if (!m) throw new Error('no size on the svg');
  return { width: Number(m[1]), height: Number(m[2]) };
};

/** Pixels clearly darker than the white background. */
function darkPixels(svg: string): number {
  // `pixels` is a getter that copies the whole image each time it is read: read it once.
  const px = rasterize(svg, { scale: 1 }).pixels;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i]! + px[i + 1]! + px[i + 2]! < 3 * 160) n++;
  }
  return n;
}

describe('renderSvg', () => {
  it('draws a line chart from string decimals, with its title and money axis', async () => {
    const svg = await renderSvg(lineSpec, monthly);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Monthly revenue');
    expect(count(svg, /class="mark-line/g)).toBeGreaterThan(0);
    const path = /class="mark-line[^"]*"[\s\S]*?<path[^>]*\sd="([^"]+)"/.exec(svg);
    // 24 points: one move and 23 line segments.
    expect(path?.[1]?.match(/[ML]/g)?.length).toBe(24);
    expect(svg).toContain('€100,000');
    expect(svg).toContain('€180,000');
  });

  it('draws a bar chart with one bar per category, palette colours and thousands separators', async () => {
    const svg = await renderSvg(barSpec, categories);
    expect(svg).toContain('Revenue by category');
    expect(count(svg, /aria-roledescription="bar"/g)).toBe(5);
    expect(svg.toLowerCase()).toContain('fill="#0072b2"');
    expect(svg).toContain('€1,200,000');
    for (const c of ['Tools', 'Garden', 'Plumbing']) expect(svg).toContain(c);
  });

  it('takes the currency from the options', async () => {
    const svg = await renderSvg(barSpec, categories, { currency: 'USD' });
    expect(svg).toContain('$1,200,000');
    expect(svg).not.toContain('€');
  });

  it('leaves the caller rows as they were', async () => {
    const rows = [{ category: 'Tools', revenue: '10.50' }];
    await renderSvg(barSpec, rows);
    expect(rows[0]!.revenue).toBe('10.50');
  });

  it('says there is no data instead of drawing an empty chart', async () => {
    const svg = await renderSvg(barSpec, []);
    expect(svg).toContain(EMPTY_MESSAGE);
    expect(svg).toContain('Revenue by category');
    expect(svg).not.toContain('mark-rect');
    const why = await renderSvg(barSpec, [], { emptyMessage: 'No orders in this range' });
    expect(why).toContain('No orders in this range');
  });
});

describe('money', () => {
  it('formats with symbol and thousands separators, exact to the cent for strings', () => {
    expect(formatMoney('1234567.50')).toBe('€1,234,567.50');
    expect(formatMoney(-1234.5, 'GBP')).toBe('-£1,234.50');
    expect(formatMoney(1234.5, 'USD', 0)).toBe('$1,235');
    expect(formatMoney(12, 'CHF')).toBe('CHF\u00a012.00');
  });
});

describe('renderPng', () => {
  it('finds the theme fonts on this machine', () => {
    expect(themeFontFiles().length).toBeGreaterThan(0);
  });

  it('gives PNG bytes at the requested scale, text drawn', async () => {
    const svg = await renderSvg(barSpec, []);
    const { width, height } = svgSize(svg);
    const png = renderPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: width and height, big-endian, at bytes 16 and 20; the default scale is 2.
    expect(png.readUInt32BE(16)).toBe(Math.ceil(width * 2));
    expect(png.readUInt32BE(20)).toBe(Math.ceil(height * 2));
    expect(renderPng(svg, { scale: 1 }).readUInt32BE(16)).toBe(Math.ceil(width));
    // The empty state has no marks: every dark pixel is text (title and message).
    expect(darkPixels(svg)).toBeGreaterThan(500);
  });
});

describe('panel shorthands', () => {
  it('a KPI tile shows the figure and the changes with arrows', async () => {
    const spec = expandKpi({
      title: 'Revenue',
      value: 'revenue',
      previous: [
        { field: 'previous', label: 'vs previous period' },
        { field: 'year_ago', label: 'vs last year' },
      ],
      format: 'money0',
    });
    expect(validateSpec(spec)).toEqual([]);
    const row = { revenue: '1234567.89', previous: '1100000.00', year_ago: '1300000.00' };
    const svg = await renderSvg(spec, [row]);
    expect(svg).toContain('€1,234,568');
    expect(svg).toContain('▲ 12.2% vs previous period');
    expect(svg).toContain('▼ 5.0% vs last year');
    expect(svg.toLowerCase()).toContain('#009e73');
    expect(svg.toLowerCase()).toContain('#d55e00');
  });

  it('a percentage KPI compares in points; a missing previous figure says so', async () => {
    const pct = expandKpi({ title: 'Margin', value: 'm', previous: 'p', format: 'percent' });
    const svg = await renderSvg(pct, [{ m: '0.3125', p: '0.30' }]);
    expect(svg).toContain('31.3%');
    expect(svg).toContain('▲ 1.3 pp vs previous period');
    const none = await renderSvg(pct, [{ m: '0.3125', p: null }]);
    expect(none).toContain('— vs previous period: no figure');
  });

  it('a KPI tile says why a change is missing (the note column, or was 0) and shows its caption', async () => {
    const spec = expandKpi({
      title: 'Revenue',
      value: 'revenue',
      previous: [
        { field: 'prev', label: 'vs previous period', note: 'why' },
        { field: 'ly', label: 'vs last year', note: 'why' },
      ],
      caption: 'covers',
      format: 'money',
    });
    expect(validateSpec(spec)).toEqual([]);
    const open = await renderSvg(spec, [
      { revenue: '10.00', prev: null, ly: null, why: 'needs a from and a to date', covers: 'all' },
    ]);
    expect(open).toContain('— vs previous period: needs a from and a to date');
    expect(open).toContain('— vs last year: needs a from and a to date');
    expect(open).toContain('all');
    const zero = await renderSvg(spec, [
      { revenue: '10.00', prev: '0.00', ly: '20.00', why: null, covers: null },
    ]);
    expect(zero).toContain('— vs previous period: was 0');
    expect(zero).toContain('▼ 50.0% vs last year');
  });

  it("a panel's kpi compare list (and the old single column) becomes the tile's lines", async () => {
    const panel = (kpi: Record<string, unknown>) =>
      panelSpec(
        {
          id: 'k',
          title: 'Orders',
          query: 'SELECT 1',
          filters: [],
          relations: [],
          kpi: panelSchema.shape.kpi.parse(kpi),
        } as LoadedPanel,
        [],
      );
    const row = [{ n: 12, p: 10, y: 15 }];
    const two = await renderSvg(
      panel({
        value: 'n',
        compare: [
          { column: 'p', label: 'vs previous period' },
          { column: 'y', label: 'vs last year' },
        ],
      }),
      row,
    );
    expect(two).toContain('▲ 20.0% vs previous period');
    expect(two).toContain('▼ 20.0% vs last year');
    const one = await renderSvg(panel({ value: 'n', compare: 'p' }), row);
    expect(one).toContain('▲ 20.0% vs previous period');
    expect(one).not.toContain('last year');
    expect(() => panelSchema.shape.kpi.parse({ value: 'n', compare: [{ column: 'p' }] })).toThrow(
      /label/,
    );
  });

  it('a table lays out a header and formatted cells', async () => {
    const rows = [
      { code: 'C-001', name: 'Acme GmbH', revenue: '120345.50', orders: 12n },
      { code: 'C-002', name: 'Bolt & Nut Ltd', revenue: '99000.00', orders: 7n },
      { code: 'C-003', name: 'Corner Shop', revenue: null, orders: 0n },
    ];
    const spec = expandTable(
      [
        { field: 'code', title: 'Code' },
        { field: 'name', title: 'Customer' },
        { field: 'revenue', title: 'Revenue', format: 'money' },
        { field: 'orders', title: 'Orders', format: 'integer' },
      ],
      rows,
    );
    expect(validateSpec(spec)).toEqual([]);
    const svg = await renderSvg({ title: 'Top customers', ...spec }, rows);
    for (const t of ['Top customers', 'Code', 'Customer', 'Revenue', 'Orders', 'C-002'])
      expect(svg).toContain(t);
    expect(svg).toContain('Bolt &amp; Nut Ltd');
    expect(svg).toContain('€120,345.50');
    expect(svg).toContain('€99,000.00');
    expect(svg).toContain('—'); // the missing revenue
    expect(svg).not.toContain('…'); // columns wide enough: nothing truncated
  });
});

describe('specJson', () => {
  it('inlines the rows as numbers where the spec draws numbers, and carries the theme', () => {
    const json = specJson(barSpec, categories);
    expect(json.$schema).toMatch(/vega-lite\/v6/);
    const values = (json.data as { values: Record<string, unknown>[] }).values;
    expect(values[0]).toEqual({ category: 'Tools', revenue: 1234567.5 });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(validateSpec(json)).toEqual([]);
    const json2 = specJson(barSpec, [{ category: 'x', revenue: '1', n: 5n }]);
    expect(JSON.stringify(json2)).toContain('"n":5');
  });
});

describe('validateSpec', () => {
  it('accepts the specs above', () => {
    expect(validateSpec(lineSpec)).toEqual([]);
    expect(validateSpec(barSpec)).toEqual([]);
  });

  it('refuses a bad spec, naming the path', () => {
    const typo = validateSpec({
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominl' } },
    });
    expect(typo).toHaveLength(1);
    expect(typo[0]).toMatch(/^\/encoding\/x\/type: must be one of .*"quantitative"/);
    expect(validateSpec({ mark: 'bars' })[0]).toMatch(/^\/mark: .*"bar"/);
    expect(validateSpec({ mark: 'bar', encoding: { colour: { field: 'a' } } })).toEqual([
      '/encoding: unknown property "colour"',
    ]);
    expect(validateSpec([])).toEqual(['the spec: must be an object']);
  });
});

describe('timing', () => {
  it('prints the render time of a 24-point line chart', async () => {
    await renderSvg(lineSpec, monthly); // warm
    const runs = 10;
    const svgMs: number[] = [];
    const pngMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      const svg = await renderSvg(lineSpec, monthly);
      svgMs.push(performance.now() - t);
      t = performance.now();
      renderPng(svg);
      pngMs.push(performance.now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `24-point line chart: SVG median ${median(svgMs).toFixed(1)} ms, max ${Math.max(...svgMs).toFixed(1)} ms; PNG (scale 2) median ${median(pngMs).toFixed(1)} ms over ${runs} runs`,
    );
  });
});
