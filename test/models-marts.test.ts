/**
 * The repository's own models built on the hand-made data set (test/support/warehouse-fixtures.ts)
 * in a real DuckDB file: every model and test passes, and the marts hold the figures computed by
 * hand in the fixture's comments (docs/metrics.md definitions).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { loadProject, type Project } from '../models/engine/project.ts';
import { runProject, type RunSummary } from '../models/engine/runner.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { tempDir } from './support/harness.ts';
import { insertRaw, rowsOf, withConnection } from './support/raw-tables.ts';
import { loadSalesFixture } from './support/warehouse-fixtures.ts';

const VARS = { timezone: 'UTC', as_of: '2026-03-31' };

describe('models on the hand-made data set', () => {
  let dir: string;
  let w: Warehouse;
  let project: Project;
  let first: RunSummary;

  beforeAll(async () => {
    dir = tempDir('salesops-marts-');
    w = await openWarehouse(loadConfig({ SALESOPS_DATA_DIR: dir }), 'test');
    await withConnection(w, loadSalesFixture);
    project = loadProject();
    first = await runProject(w, project, { command: 'build', vars: VARS });
  });
  afterAll(() => {
    w?.close();
    releaseFolderLock(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds and tests every model without a failure or warning', () => {
    const bad = first.models.filter((m) => m.status !== 'success');
    expect(bad.map((m) => m.error)).toEqual([]);
    const warned = first.models.flatMap((m) => m.tests).filter((t) => t.status !== 'pass');
    expect(warned.map((t) => `${t.id}: ${t.message}`)).toEqual([]);
    expect(first.models).toHaveLength(project.models.size);
    expect(first.status).toBe('success');
  });

  it('sums revenue per month exactly, with growth, margin and its coverage', async () => {
    const rows = await rowsOf(
      w,
      `SELECT month_label, CAST(revenue AS VARCHAR) AS revenue, orders, units,
              CAST(gross_margin AS VARCHAR) AS margin, CAST(costed_revenue AS VARCHAR) AS costed,
              round(margin_coverage, 6) AS coverage, round(revenue_growth, 6) AS growth,
              CAST(average_order_value AS VARCHAR) AS aov
       FROM marts.mart_sales_monthly WHERE dimension = 'total' ORDER BY month_start`,
    );
    expect(rows).toEqual([
      // 289.99 + 150.00; margin 58 + 90 over the 240.00 of lines with a cost
      {
        month_label: '2026-01',
        revenue: '439.99000000',
        orders: '2',
        units: '11',
        margin: '148.00000000',
        costed: '240.00000000',
        coverage: 0.545467,
        growth: null,
        aov: '219.99500000',
      },
      // 137.495 + 0 (the returned order still counts as an order); (137.495 − 439.99) ÷ 439.99
      {
        month_label: '2026-02',
        revenue: '137.49500000',
        orders: '2',
        units: '4',
        margin: '93.99500000',
        costed: '137.49500000',
        coverage: 1,
        growth: -0.687504,
        aov: '68.74750000',
      },
      // the order without a rep; no cost known → margin null, coverage 0
      {
        month_label: '2026-03',
        revenue: '150.00000000',
        orders: '1',
        units: '2',
        margin: null,
        costed: '0.00000000',
        coverage: 0,
        growth: 0.090949,
        aov: '150.00000000',
      },
    ]);
  });

  it('counts an order once per category but once only in the total', async () => {
    const rows = await rowsOf(
      w,
      `SELECT key, label, CAST(sum(revenue) AS VARCHAR) AS revenue, sum(orders) AS orders
       FROM marts.mart_sales_daily WHERE dimension = 'category' GROUP BY ALL ORDER BY key`,
    );
    expect(rows).toEqual([
      { key: '1', label: 'Hardware', revenue: '249.99500000', orders: '2' },
      { key: '2', label: 'Tools', revenue: '127.50000000', orders: '3' },
      { key: '3', label: 'Software', revenue: '349.99000000', orders: '2' },
    ]);
  });

  it('scores customer value against the day after the latest revenue order', async () => {
    const rows = await rowsOf(
      w,
      `SELECT customer_code, orders, CAST(revenue AS VARCHAR) AS revenue,
              strftime(first_order_date, '%Y-%m-%d') AS first, tenure_days, days_since_last_order,
              recency_score, frequency_score, monetary_score, strftime(as_of_date, '%Y-%m-%d') AS as_of
       FROM marts.mart_customer_value ORDER BY customer_code`,
    );
    expect(rows).toEqual([
      {
        customer_code: 'C-ALFA',
        orders: '1',
        revenue: '289.99000000',
        first: '2026-01-15',
        tenure_days: '50',
        days_since_last_order: '50',
        recency_score: '1',
        frequency_score: '1',
        monetary_score: '3',
        as_of: '2026-03-06',
      },
      {
        customer_code: 'C-BETA',
        orders: '2',
        revenue: '150.00000000',
        first: '2026-01-31',
        tenure_days: '34',
        days_since_last_order: '14',
        recency_score: '2',
        frequency_score: '2',
        monetary_score: '1',
        as_of: '2026-03-06',
      },
      {
        customer_code: 'C-DELT',
        orders: '0',
        revenue: '0.00000000',
        first: null,
        tenure_days: null,
        days_since_last_order: null,
        recency_score: null,
        frequency_score: null,
        monetary_score: null,
        as_of: '2026-03-06',
      },
      {
        customer_code: 'C-GAMA',
        orders: '2',
        revenue: '287.49500000',
        first: '2026-02-10',
        tenure_days: '24',
        days_since_last_order: '1',
        recency_score: '3',
        frequency_score: '3',
        monetary_score: '2',
        as_of: '2026-03-06',
      },
    ]);
  });

  it('names the RFM segment by recency and the mean of F and M (docs/segmentation.md)', async () => {
    const rows = await rowsOf(
      w,
      `SELECT customer_code, rfm_cell, fm_score, segment
       FROM marts.mart_customer_rfm ORDER BY customer_code`,
    );
    // C-DELT has no revenue order and so no scores and no row. fm = ⌊(F + M + 1) / 2⌋.
    expect(rows).toEqual([
      { customer_code: 'C-ALFA', rfm_cell: '113', fm_score: 2, segment: 'lost' },
      { customer_code: 'C-BETA', rfm_cell: '221', fm_score: 2, segment: 'hibernating' },
      { customer_code: 'C-GAMA', rfm_cell: '332', fm_score: 3, segment: 'need_attention' },
    ]);
  });

  it('takes the pipeline at the end of each period, the current one as of as_of', async () => {
    const rows = await rowsOf(
      w,
      `SELECT period_label AS period, level, coalesce(rep_name, team_name) AS who,
              CAST(CAST(pipeline_value AS DECIMAL(38, 2)) AS VARCHAR) AS pipeline,
              CAST(CAST(weighted_pipeline AS DECIMAL(38, 2)) AS VARCHAR) AS weighted
       FROM marts.mart_team_performance
       ORDER BY period_type, period_start, team_id, level = 'rep', rep_id`,
    );
    const at = (period: string) =>
      rows.filter((r) => r.period === period).map((r) => `${r.who} ${r.pipeline}/${r.weighted}`);
    // End of January: 1 (won 5 Feb, then in proposal: 1000 × 0.5), 4 (2000 × 0.25) and 7 (900 ×
    // 0.1) for Ana; 3 (lost 15 Feb, then a lead: 800 × 0.1) for Ben; 5 (300 × 0.5) for Cid.
    // 2 and 6 were created on 1 February, after the cut.
    expect(at('2026-01')).toEqual([
      'North 4700.00/1170.00',
      'Ana 3900.00/1090.00',
      'Ben 800.00/80.00',
      'South 300.00/150.00',
      'Cid 300.00/150.00',
    ]);
    // End of February, and March (the period holding as_of): only 4, 5 and 7 are still open.
    for (const period of ['2026-02', '2026-03', '2026-Q1', '2026']) {
      expect(at(period).filter((r) => !r.endsWith(' 0.00/0.00'))).toEqual([
        'North 2900.00/590.00',
        'Ana 2900.00/590.00',
        'South 300.00/150.00',
        'Cid 300.00/150.00',
      ]);
    }
    // Nothing after as_of: the pipeline of a future month is not known yet.
    const months = rows.map((r) => String(r.period)).filter((p) => /^\d{4}-\d{2}$/.test(p));
    expect([...new Set(months)]).toEqual(['2026-01', '2026-02', '2026-03']);
  });

  it('derives a reorder point from demand where no rule sets one', async () => {
    const rows = await rowsOf(
      w,
      `SELECT product_id, warehouse_id, reorder_point, reorder_point_source AS source,
              lead_time_days, reorder_quantity, avg_daily_demand_90d, below_reorder_point AS below,
              suggested_reorder_quantity AS suggested
       FROM marts.mart_inventory_health
       WHERE (product_id, warehouse_id) IN ((502, 1), (502, 2), (500, 1)) ORDER BY ALL`,
    );
    expect(rows).toEqual([
      // the rule's own point and lead time win
      {
        product_id: '500',
        warehouse_id: '1',
        reorder_point: 30,
        source: 'rule',
        lead_time_days: 7,
        reorder_quantity: 100,
        avg_daily_demand_90d: 60 / 90,
        below: false,
        suggested: 0,
      },
      // 45 units in 90 days = 0.5/day × (14 lead time + 7 safety) = 10.5 → 11; 3 available
      {
        product_id: '502',
        warehouse_id: '1',
        reorder_point: 11,
        source: 'demand',
        lead_time_days: 14,
        reorder_quantity: null,
        avg_daily_demand_90d: 0.5,
        below: true,
        suggested: 8,
      },
      // no rule and no demand: nothing to base a point on
      {
        product_id: '502',
        warehouse_id: '2',
        reorder_point: null,
        source: null,
        lead_time_days: null,
        reorder_quantity: null,
        avg_daily_demand_90d: 0,
        below: null,
        suggested: null,
      },
    ]);
  });

  it('dates orders in the configured time zone', async () => {
    const paris = await runProject(w, project, {
      command: 'run',
      select: ['+mart_sales_monthly'],
      vars: { ...VARS, timezone: 'Europe/Paris' },
    });
    expect(paris.status).toBe('success');
    const rows = await rowsOf(
      w,
      `SELECT month_label, CAST(revenue AS VARCHAR) AS revenue, orders FROM marts.mart_sales_monthly
       WHERE dimension = 'total' ORDER BY month_start`,
    );
    // 2026-01-31 23:30 UTC is 1 February in Paris
    expect(rows.slice(0, 2)).toEqual([
      { month_label: '2026-01', revenue: '289.99000000', orders: '1' },
      { month_label: '2026-02', revenue: '287.49500000', orders: '3' },
    ]);
    await runProject(w, project, { command: 'run', select: ['+mart_sales_monthly'], vars: VARS });
  });

  it('merges new stock movements incrementally and the mart follows', async () => {
    await withConnection(w, (c) =>
      insertRaw(c, 'stock_movements', [
        {
          id: 13,
          product_id: 501,
          warehouse_id: 1,
          movement_type: 'shipment',
          on_hand_delta: -2,
          occurred_at: '2026-03-20T00:00:00Z',
        },
      ]),
    );
    const again = await runProject(w, project, {
      command: 'build',
      select: ['fct_stock_movements+'],
      vars: VARS,
    });
    const fct = again.models.find((m) => m.model === 'fct_stock_movements')!;
    expect(fct).toMatchObject({ status: 'success', mode: 'incremental', rows: 13 });
    // the 1-day lookback re-reads every row (all were written just now) and merges them on the key
    expect(fct.rowsChanged).toBe(13);
    const [drill] = await rowsOf(
      w,
      `SELECT units_shipped_30d, avg_daily_demand_30d FROM marts.mart_inventory_health
       WHERE product_id = 501 AND warehouse_id = 1`,
    );
    expect(drill).toEqual({ units_shipped_30d: '5', avg_daily_demand_30d: 5 / 30 });
  });
});
