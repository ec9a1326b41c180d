/**
 * The executive overview agrees with the reports API (issue #14: "tiles equal the reports API"):
 * for each filter set, the revenue tile's revenue, orders and units equal GET /reports/sales to
 * the cent, and its previous-period and last-year figures equal the report run on the shifted
 * dates, computed here independently of the panel's SQL. The charts and tables agree with the
 * report grouped the same way. Data: the hand-made sales set (test/support/warehouse-fixtures.ts)
 * plus four 2025 orders below, so the comparisons have something to compare with.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { insertRaw, withConnection } from './support/raw-tables.ts';
import {
  buildFixtureMarts,
  loadSalesFixture,
  rawOrder,
  seedFixtureTeams,
} from './support/warehouse-fixtures.ts';

/** 2025 orders, every line whole cents (so a sum of per-year report rows is exact). */
async function addLastYear(env: TestEnv): Promise<void> {
  await withConnection(env.warehouse, async (c) => {
    await insertRaw(c, 'orders', [
      rawOrder(2000, 101, 11, 'delivered', '2025-01-20T10:00:00Z'), // 62.50, Tools, DE, Ben
      rawOrder(2001, 102, 20, 'shipped', '2025-02-15T10:00:00Z'), // 180.00, Software, FR, Cid
      rawOrder(2002, 100, 10, 'delivered', '2025-12-20T10:00:00Z'), // 200.00, Hardware, FR, Ana
      rawOrder(2003, 103, null, 'confirmed', '2025-03-03T10:00:00Z'), // 12.50, Tools, ES, no rep
      rawOrder(2004, 100, 10, 'cancelled', '2025-01-10T10:00:00Z'), // not revenue
    ]);
    const line = (id: number, o: number, product: number, qty: number, price: string) => ({
      id,
      order_id: o,
      line_no: 1,
      product_id: product,
      quantity: qty,
      unit_price: price,
    });
    await insertRaw(c, 'order_lines', [
      { ...line(20, 2000, 500, 5, '12.5'), unit_cost: '4' }, // margin 42.50
      line(21, 2001, 502, 1, '180'), // cost unknown
      { ...line(22, 2002, 501, 2, '100'), unit_cost: '30' }, // margin 140.00
      { ...line(23, 2003, 500, 1, '12.5'), unit_cost: '4' }, // margin 8.50
      line(24, 2004, 501, 9, '100'),
    ]);
  });
}

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The previous period: as many days as from..to, ending the day before from. */
function previousPeriod(from: string, to: string): [string, string] {
  const n = (day(to) - day(from)) / DAY + 1;
  return [iso(day(from) - n * DAY), iso(day(from) - DAY)];
}

/** The same dates a year earlier; 29 February becomes 28 February. */
function lastYear(from: string, to: string): [string, string] {
  const back = (d: string) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    const leapDay = m === 2 && dd === 29;
    return `${y - 1}-${String(m).padStart(2, '0')}-${leapDay ? '28' : String(dd).padStart(2, '0')}`;
  };
  return [back(from), back(to)];
}

/** Money text → cents, exactly (no floating point). */
const cents = (s: string) => {
  const [whole, frac = ''] = s.replace('-', '').split('.');
  const c = BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0'));
  return s.startsWith('-') ? -c : c;
};
const money = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;

interface Figures {
  revenue: string;
  orders: number;
  units: number;
}

describeBoth('executive overview agrees with the reports API', (kind) => {
  let env: TestEnv;
  let managerNorth: string;

  beforeAll(async () => {
    env = await startTestEnv(kind);
    managerNorth = await seedFixtureTeams(env);
    await withConnection(env.warehouse, loadSalesFixture);
    await addLastYear(env);
    await buildFixtureMarts(env.warehouse);
  });
  afterAll(async () => {
    await env?.close();
  });

  const panel = async (id: string, q: string, key = 'executive') => {
    const r = await env.request('GET', `/api/v1/dashboards/executive/panels/${id}/data?${q}`, {
      key,
    });
    expect(r.status, `${id}?${q}: ${r.text}`).toBe(200);
    return r.body.rows as Record<string, unknown>[];
  };

  const report = async (groupBy: string, q: string, key = 'executive') => {
    const r = await env.request('GET', `/api/v1/reports/sales?groupBy=${groupBy}&${q}`, { key });
    expect(r.status, `report ${groupBy}?${q}: ${r.text}`).toBe(200);
    return r.body.rows as Record<string, any>[];
  };

  /** The report's totals: its year rows summed (orders are dated, so no order is in two years). */
  const reportTotals = async (q: string, key?: string): Promise<Figures> => {
    const rows = await report('year', q, key);
    return {
      revenue: money(rows.reduce((s, r) => s + cents(r.revenue), 0n)),
      orders: rows.reduce((s, r) => s + r.orders, 0),
      units: rows.reduce((s, r) => s + r.units, 0),
    };
  };

  const withDates = (q: string, [from, to]: [string, string]) =>
    [q.replace(/(^|&)(from|to)=[^&]*/g, ''), `from=${from}`, `to=${to}`]
      .filter(Boolean)
      .join('&')
      .replace(/^&/, '');

  const FILTERS = [
    '',
    'from=2026-02-01&to=2026-02-28',
    'from=2026-01-01&to=2026-03-31',
    'from=2027-01-01&to=2027-01-31', // nothing now, January 2026 a year earlier
    'team=1',
    'from=2026-01-01&to=2026-03-31&team=2',
    'rep=R-BEN',
    'from=2026-02-01&to=2026-03-31&rep=R-CID',
    'category=1', // Hardware with its subcategory Tools
    'from=2026-01-01&to=2026-02-28&category=2',
    'country=fr',
    'from=2026-01-01&to=2026-03-31&country=ES',
    'from=2026-01-15&to=2026-02-14&team=1&category=1',
    'from=2026-01-01&to=2026-03-31&country=FR&rep=R-ANA',
    'from=2026-03-01&to=2026-03-31&category=3&country=FR',
  ];

  it('the revenue tile equals the report to the cent for revenue, orders and units', async () => {
    for (const q of FILTERS) {
      const [tile] = await panel('revenue', q);
      const now = await reportTotals(q);
      expect({ revenue: tile!.revenue, orders: tile!.orders, units: tile!.units }, q).toEqual(now);
      const [orders] = await panel('orders', q);
      expect(orders!.orders, q).toBe(now.orders);
    }
  });

  it('the comparison figures equal the report on the shifted dates', async () => {
    let compared = 0;
    for (const q of FILTERS) {
      const from = /from=([\d-]+)/.exec(q)?.[1];
      const to = /to=([\d-]+)/.exec(q)?.[1];
      const [tile] = await panel('revenue', q);
      if (!from || !to) {
        // No period, nothing to compare with: the comparisons are null and the tile says why.
        expect(tile, q).toMatchObject({
          prev_revenue: null,
          prev_orders: null,
          prev_units: null,
          ly_revenue: null,
          ly_orders: null,
          ly_units: null,
          compare_note: 'pick a from and a to date to compare',
        });
        continue;
      }
      const prev = await reportTotals(withDates(q, previousPeriod(from, to)));
      const ly = await reportTotals(withDates(q, lastYear(from, to)));
      expect(
        {
          revenue: tile!.prev_revenue,
          orders: tile!.prev_orders,
          units: tile!.prev_units,
        },
        `${q} previous period`,
      ).toEqual(prev);
      expect(
        { revenue: tile!.ly_revenue, orders: tile!.ly_orders, units: tile!.ly_units },
        `${q} last year`,
      ).toEqual(ly);
      expect(tile!.compare_note).toBeNull();
      if (prev.orders + ly.orders > 0) compared++;
    }
    expect(compared, 'filter sets whose comparisons had orders').toBeGreaterThan(5);
  });

  it('the shifted dates: same length before from; 29 February a year back is the 28th', () => {
    expect(previousPeriod('2026-02-01', '2026-02-28')).toEqual(['2026-01-04', '2026-01-31']);
    expect(previousPeriod('2026-01-01', '2026-03-31')).toEqual(['2025-10-03', '2025-12-31']);
    expect(lastYear('2024-02-29', '2024-03-31')).toEqual(['2023-02-28', '2023-03-31']);
  });

  it("a manager's tile equals the manager's report (their team is forced on both)", async () => {
    for (const q of ['', 'from=2026-01-01&to=2026-01-31', 'from=2026-02-01&to=2026-02-28']) {
      const [tile] = await panel('revenue', q, managerNorth);
      const now = await reportTotals(q, managerNorth);
      expect({ revenue: tile!.revenue, orders: tile!.orders, units: tile!.units }, q).toEqual(now);
    }
  });

  it('average order value is revenue ÷ orders; gross margin % is over the costed lines', async () => {
    const q = 'from=2026-01-01&to=2026-03-31';
    const [aov] = await panel('average-order-value', q);
    expect(aov).toMatchObject({
      average_order_value: '145.50', // 727.485 ÷ 5 = 145.497
      prev_average_order_value: '200.00', // 2002 alone
      ly_average_order_value: '85.00', // (62.50 + 180 + 12.50) ÷ 3
    });
    const [none] = await panel('average-order-value', 'from=2027-01-01&to=2027-01-31');
    expect(none!.average_order_value).toBeNull(); // no orders: no average
    const [gm] = await panel('gross-margin', q);
    // Σ margin 58 + 90 + 24 + 69.995 + 0 over Σ costed revenue 90 + 150 + 37.5 + 99.995 + 0
    expect(gm!.gross_margin_pct).toBeCloseTo(241.995 / 377.495, 12);
    expect(gm!.prev_gross_margin_pct).toBeCloseTo(140 / 200, 12);
    expect(gm!.ly_gross_margin_pct).toBeCloseTo((42.5 + 8.5) / (62.5 + 12.5), 12); // 180 uncosted
    expect(gm!.coverage_note).toBe('costs known for 52% of revenue'); // 377.495 ÷ 727.485
  });

  it('the charts and tables agree with the report grouped the same way', async () => {
    for (const q of ['', 'from=2026-01-01&to=2026-03-31&team=1', 'category=1&country=FR']) {
      const months = await report('month', q);
      expect(await panel('monthly-revenue', q), q).toEqual(
        months.map((r) => ({ month: r.key, revenue: Number(r.revenue), orders: r.orders })),
      );
      const countries = await report('country', q);
      expect(
        (await panel('revenue-by-country', q)).map((r) => [r.country, r.revenue, r.orders]),
        q,
      ).toEqual(
        countries
          .sort((a, b) => Number(b.revenue) - Number(a.revenue) || a.key.localeCompare(b.key))
          .map((r) => [r.code, Number(r.revenue), r.orders]),
      );
      const categories = await report('category', q);
      expect(
        (await panel('revenue-by-category', q))
          .map((r) => [r.category_id, r.revenue])
          .sort((a, b) => Number(a[0]) - Number(b[0])),
        q,
      ).toEqual(categories.map((r) => [r.key, Number(r.revenue)]));
      const byRevenue = (a: any, b: any) =>
        Number(b.revenue) - Number(a.revenue) || String(a.code).localeCompare(String(b.code));
      const customers = (await report('customer', q)).sort(byRevenue).slice(0, 10);
      expect(
        (await panel('top-customers', q)).map((r) => [r.customer_code, r.customer, r.revenue]),
        q,
      ).toEqual(customers.map((r) => [r.code, r.label, r.revenue]));
      const products = (await report('product', q)).sort(byRevenue).slice(0, 10);
      expect(
        (await panel('top-products', q)).map((r) => [r.sku, r.product, r.revenue, r.units]),
        q,
      ).toEqual(products.map((r) => [r.code, r.label, r.revenue, r.units]));
    }
  });

  it('a tile without from and to says there is nothing to compare with', async () => {
    const res = await fetch(`${env.baseUrl}/api/v1/dashboards/executive/panels/revenue.svg`, {
      headers: { authorization: `Bearer ${env.keys.executive}` },
    });
    expect(res.status).toBe(200);
    const svg = await res.text();
    expect(svg).toContain('— vs previous period: pick a from and a to date to compare');
    const dated = await fetch(
      `${env.baseUrl}/api/v1/dashboards/executive/panels/revenue.svg?from=2026-02-01&to=2026-02-28`,
      { headers: { authorization: `Bearer ${env.keys.executive}` } },
    );
    // 137.495 against January's 4th–31st (439.99): −68.7 %; against February 2025 (180.00): −23.6 %
    const text = await dated.text();
    expect(text).toContain('▼ 68.7% vs previous period');
    expect(text).toContain('▼ 23.6% vs same period last year');
  });
});
