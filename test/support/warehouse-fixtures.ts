/**
 * The hand-made sales data set in the warehouse's `raw` tables (test/support/raw-tables.ts), for
 * model, report and dashboard tests, and the operational teams and reps that match it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { expect } from 'vitest';
import { createApiKey } from '../../api/auth/service.ts';
import { loadProject } from '../../models/engine/project.ts';
import { runProject, type RunSummary } from '../../models/engine/runner.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import type { TestEnv } from './harness.ts';
import { createRawTables, insertRaw, type RawRow } from './raw-tables.ts';

/** The vars the data set is built with: business dates in UTC, as of the end of its quarter. */
export const FIXTURE_VARS = { timezone: 'UTC', as_of: '2026-03-31' };

/** Build every model of the repository over the data set; the test fails unless each succeeds. */
export async function buildFixtureMarts(w: Warehouse): Promise<RunSummary> {
  const run = await runProject(w, loadProject(), { command: 'build', vars: FIXTURE_VARS });
  expect(run.models.filter((m) => m.status !== 'success')).toEqual([]);
  return run;
}

/** A raw order header numbered `SO-<id>`; the other columns take their defaults. */
export function rawOrder(
  id: number,
  customer: number,
  rep: number | null,
  status: string,
  at: string,
): RawRow {
  return { id, number: `SO-${id}`, customer_id: customer, rep_id: rep, status, ordered_at: at };
}

/**
 * The hand-made sales data set the marts and report tests assert on. Every figure in those
 * tests is computed by hand from these rows; the comments give the arithmetic.
 * Reps 10 Ana, 11 Ben (team 1 North), 20 Cid (team 2 South). Categories: 1 Hardware ⊃ 2 Tools,
 * 3 Software. Products 500 Hammer (Tools), 501 Drill (Hardware), 502 License (Software).
 */
export async function loadSalesFixture(conn: DuckDBConnection): Promise<void> {
  await createRawTables(conn);
  await insertRaw(conn, 'teams', [
    { id: 1, name: 'North', manager_rep_id: 10 },
    { id: 2, name: 'South', manager_rep_id: 20 },
  ]);
  await insertRaw(conn, 'sales_reps', [
    { id: 10, code: 'R-ANA', name: 'Ana', team_id: 1 },
    { id: 11, code: 'R-BEN', name: 'Ben', team_id: 1, manager_rep_id: 10 },
    { id: 20, code: 'R-CID', name: 'Cid', team_id: 2 },
  ]);
  await insertRaw(conn, 'customers', [
    { id: 100, code: 'C-ALFA', name: 'Alfa', country: 'FR', owner_rep_id: 10 },
    { id: 101, code: 'C-BETA', name: 'Beta', country: 'DE', owner_rep_id: 11 },
    { id: 102, code: 'C-GAMA', name: 'Gamma', country: 'FR', owner_rep_id: 20 },
    { id: 103, code: 'C-DELT', name: 'Delta', country: 'ES' },
  ]);
  await insertRaw(conn, 'product_categories', [
    { id: 1, name: 'Hardware' },
    { id: 2, name: 'Tools', parent_id: 1 },
    { id: 3, name: 'Software' },
  ]);
  await insertRaw(conn, 'products', [
    { id: 500, sku: 'SKU-HAM', name: 'Hammer', category_id: 2, list_price: '12.5', cost: '4' },
    { id: 501, sku: 'SKU-DRL', name: 'Drill', category_id: 1, list_price: '100', cost: '30' },
    { id: 502, sku: 'SKU-LIC', name: 'License', category_id: 3, list_price: '199.99' },
  ]);
  await insertRaw(conn, 'warehouses', [
    { id: 1, code: 'WH-A', name: 'Main' },
    { id: 2, code: 'WH-B', name: 'Second' },
  ]);
  await insertRaw(conn, 'orders', [
    rawOrder(1000, 100, 10, 'delivered', '2026-01-15T10:00:00Z'), // 90.00 + 199.99 = 289.99
    rawOrder(1001, 101, 11, 'shipped', '2026-01-31T23:30:00Z'), // 150.00; 1 Feb in Paris
    rawOrder(1002, 102, 20, 'confirmed', '2026-02-10T09:00:00Z'), // 37.50 + 99.995 = 137.495
    rawOrder(1003, 100, 10, 'cancelled', '2026-02-12T09:00:00Z'), // not revenue
    rawOrder(1004, 100, 10, 'draft', '2026-02-13T09:00:00Z'), // not revenue
    rawOrder(1005, 100, 10, 'pending_approval', '2026-02-14T09:00:00Z'), // not revenue
    rawOrder(1006, 101, 11, 'returned', '2026-02-20T12:00:00Z'), // an order, revenue 0.00
    rawOrder(1007, 102, null, 'delivered', '2026-03-05T08:00:00Z'), // 150.00, no rep
    {
      ...rawOrder(1008, 101, 11, 'delivered', '2026-03-06T08:00:00Z'),
      deleted_at: '2026-03-07T00:00:00Z',
    },
  ]);
  const line = (id: number, orderId: number, product: number, qty: number, price: string) => ({
    id,
    order_id: orderId,
    line_no: id % 10,
    product_id: product,
    quantity: qty,
    unit_price: price,
  });
  await insertRaw(conn, 'order_lines', [
    // 8 net × 12.5 × 0.9 = 90.00; margin 8 × (11.25 − 4) = 58.00
    { ...line(1, 1000, 500, 10, '12.5'), discount: '0.1', unit_cost: '4', returned_quantity: 2 },
    line(2, 1000, 502, 1, '199.99'), // cost unknown
    { ...line(3, 1001, 501, 2, '100'), discount: '0.25', unit_cost: '30' }, // 150.00; margin 90.00
    { ...line(4, 1002, 500, 3, '12.5'), unit_cost: '4.5' }, // 37.50; margin 24.00
    { ...line(5, 1002, 501, 1, '99.995'), unit_cost: '30' }, // 99.995; margin 69.995
    line(6, 1003, 501, 5, '100'),
    line(7, 1004, 502, 1, '199.99'),
    line(8, 1005, 500, 1, '12.5'),
    { ...line(9, 1006, 500, 4, '12.5'), unit_cost: '4', returned_quantity: 4 }, // 0.00
    { ...line(10, 1007, 502, 2, '150'), discount: '0.5' }, // 150.00
    line(11, 1008, 500, 100, '1'),
  ]);
  const opp = (id: number, rep: number, stage: string, value: string, created: string) => ({
    id,
    customer_id: 100,
    owner_rep_id: rep,
    stage,
    expected_value: value,
    created_at: created,
  });
  await insertRaw(conn, 'opportunities', [
    { ...opp(1, 10, 'won', '1000', '2026-01-10T10:00:00Z'), closed_at: '2026-02-05T10:00:00Z' }, // 26 d
    { ...opp(2, 10, 'won', '500', '2026-02-01T10:00:00Z'), closed_at: '2026-02-11T10:00:00Z' }, // 10 d
    {
      ...opp(3, 11, 'lost', '800', '2026-01-20T10:00:00Z'),
      closed_at: '2026-02-15T10:00:00Z',
      lost_reason: 'price',
    },
    {
      ...opp(4, 10, 'proposal', '2000', '2026-01-05T10:00:00Z'),
      probability: '0.25',
      expected_close_date: '2026-02-28',
    },
    {
      ...opp(5, 20, 'qualified', '300', '2026-01-05T10:00:00Z'),
      probability: '0.5',
      expected_close_date: '2026-03-10',
    },
    { ...opp(6, 20, 'won', '400', '2026-02-01T10:00:00Z'), closed_at: '2026-02-09T10:00:00Z' }, // 8 d
    opp(7, 10, 'lead', '900', '2026-01-05T10:00:00Z'), // no expected close date: no period
    {
      ...opp(8, 11, 'won', '5000', '2026-01-05T10:00:00Z'),
      closed_at: '2026-02-02T00:00:00Z',
      deleted_at: '2026-02-03T00:00:00Z',
    },
  ]);
  // Stage changes, from creation: the weight of an opportunity closed since a period ended is
  // the default probability of its stage then (January: 1 in proposal 0.5, 3 in lead 0.1).
  const change = (id: number, opp: number, from: string | null, to: string, at: string) => ({
    id,
    opportunity_id: opp,
    from_stage: from,
    to_stage: to,
    changed_at: at,
  });
  await insertRaw(conn, 'opportunity_stage_history', [
    change(1, 1, null, 'lead', '2026-01-10T10:00:00Z'),
    change(2, 1, 'lead', 'proposal', '2026-01-25T10:00:00Z'),
    change(3, 1, 'proposal', 'won', '2026-02-05T10:00:00Z'),
    change(4, 2, null, 'lead', '2026-02-01T10:00:00Z'),
    change(5, 2, 'lead', 'won', '2026-02-11T10:00:00Z'),
    change(6, 3, null, 'lead', '2026-01-20T10:00:00Z'),
    change(7, 3, 'lead', 'negotiation', '2026-02-10T10:00:00Z'),
    change(8, 3, 'negotiation', 'lost', '2026-02-15T10:00:00Z'),
    change(9, 4, null, 'proposal', '2026-01-05T10:00:00Z'),
    change(10, 5, null, 'qualified', '2026-01-05T10:00:00Z'),
    change(11, 6, null, 'qualified', '2026-02-01T10:00:00Z'),
    change(12, 6, 'qualified', 'won', '2026-02-09T10:00:00Z'),
    change(13, 7, null, 'lead', '2026-01-05T10:00:00Z'),
  ]);
  await insertRaw(conn, 'opportunity_lines', [
    { id: 1, opportunity_id: 4, line_no: 1, product_id: 501, quantity: 20, unit_price: '100' },
  ]);
  await insertRaw(conn, 'order_rules', [
    { id: 'credit-limit', kind: 'credit_limit', description: 'Within the credit limit' },
  ]);
  await insertRaw(conn, 'followup_rules', [
    {
      id: 1,
      name: 'Thank-you call',
      trigger: 'order_delivered',
      action: '{"activityType": "call", "subject": "Thank {customer}", "dueInDays": 2}',
    },
  ]);
  await insertRaw(conn, 'audit_log', [
    { id: 1, entity: 'customer', entity_id: '100', action: 'create' },
  ]);
  await insertRaw(conn, 'activities', [
    { id: 1, owner_rep_id: 10, done_at: '2026-02-03T10:00:00Z' },
    { id: 2, owner_rep_id: 10, done_at: '2026-02-04T10:00:00Z' },
    { id: 3, owner_rep_id: 11, done_at: '2026-03-01T10:00:00Z' },
    { id: 4, owner_rep_id: 20, due_at: '2026-02-20T10:00:00Z' }, // not done
    {
      id: 5,
      owner_rep_id: 20,
      done_at: '2026-02-27T10:00:00Z',
      deleted_at: '2026-02-28T00:00:00Z',
    },
  ]);
  await insertRaw(conn, 'quotas', [
    { id: 1, rep_id: 10, period_type: 'quarter', period_start: '2026-01-01', amount: '1000' },
    { id: 2, rep_id: 11, period_type: 'quarter', period_start: '2026-01-01', amount: '0' },
    { id: 3, team_id: 2, period_type: 'quarter', period_start: '2026-01-01', amount: '500' },
    { id: 4, team_id: 1, period_type: 'month', period_start: '2026-02-01', amount: '2000' },
    {
      id: 5,
      rep_id: 20,
      period_type: 'quarter',
      period_start: '2026-01-01',
      amount: '999',
      deleted_at: '2026-01-02T00:00:00Z',
    },
  ]);
  await insertRaw(conn, 'stock_levels', [
    { product_id: 500, warehouse_id: 1, on_hand: 50, reserved: 10 },
    { product_id: 501, warehouse_id: 1, on_hand: 5, reserved: 0 },
    { product_id: 500, warehouse_id: 2, on_hand: 20, reserved: 20 },
    { product_id: 502, warehouse_id: 2, on_hand: 0, reserved: 0 },
    // No rule: reorder point from demand, 45 units in 90 d → 0.5/day × (14 + 7) days = 10.5 → 11
    { product_id: 502, warehouse_id: 1, on_hand: 3, reserved: 0 },
  ]);
  await insertRaw(conn, 'reorder_rules', [
    {
      id: 1,
      product_id: 500,
      warehouse_id: 1,
      reorder_point: 30,
      reorder_quantity: 100,
      lead_time_days: 7,
    },
    { id: 2, product_id: 501, warehouse_id: 1, reorder_point: 10, reorder_quantity: 20 },
    { id: 3, product_id: 500, warehouse_id: 2, reorder_point: 25, reorder_quantity: 10 },
    { id: 4, product_id: 501, warehouse_id: 2, reorder_point: 0, reorder_quantity: 5 },
  ]);
  const move = (id: number, product: number, type: string, delta: number, at: string) => ({
    id,
    product_id: product,
    warehouse_id: 1,
    movement_type: type,
    on_hand_delta: delta,
    occurred_at: at,
  });
  await insertRaw(conn, 'stock_movements', [
    move(1, 500, 'shipment', -6, '2026-03-31T18:00:00Z'), // as-of day: in both windows
    move(2, 500, 'shipment', -9, '2026-03-02T00:00:00Z'),
    move(3, 500, 'shipment', -15, '2026-03-01T12:00:00Z'), // day 31 before as-of: 90 d only
    move(4, 500, 'shipment', -30, '2026-01-01T00:00:00Z'),
    move(5, 500, 'shipment', -100, '2025-12-31T12:00:00Z'), // outside 90 d
    move(6, 500, 'receipt', 200, '2026-03-10T00:00:00Z'),
    move(7, 500, 'return', 3, '2026-03-11T00:00:00Z'),
    move(8, 500, 'shipment', -4, '2026-04-01T00:00:00Z'), // after as-of
    move(9, 501, 'shipment', -3, '2026-03-15T00:00:00Z'),
    { ...move(10, 500, 'reservation', 0, '2026-03-12T00:00:00Z'), reserved_delta: 10 },
    move(11, 502, 'shipment', -30, '2026-02-15T00:00:00Z'), // 90 d only
    move(12, 502, 'shipment', -15, '2026-03-20T00:00:00Z'), // 30 d and 90 d
  ]);
}

/**
 * Two more customers for the dashboards' lapsing-customers panel, on top of loadSalesFixture,
 * kept apart so the marts tests' customer figures (RFM ntiles over every ordering customer) stay
 * as they are. Their only orders are revenue orders placed without lines (a header imported
 * alone): revenue 0.00, and no line for mart_sales_lines to see, so every sales figure, report
 * and executive panel is unchanged. The as-of date stays 2026-03-06 (the day after the latest
 * revenue order); the 90 days before it start on 2025-12-06.
 * Epsilon (104, owner Ben, North): last order 2025-11-20, 106 days → lapsing.
 * Zeta (105, owner Cid, South): last order 2025-12-06, 90 days → inside the window, not lapsing.
 */
export async function loadDashboardExtras(conn: DuckDBConnection): Promise<void> {
  await insertRaw(conn, 'customers', [
    { id: 104, code: 'C-EPSI', name: 'Epsilon', country: 'FR', owner_rep_id: 11 },
    { id: 105, code: 'C-ZETA', name: 'Zeta', country: 'DE', owner_rep_id: 20 },
  ]);
  await insertRaw(conn, 'orders', [
    {
      id: 1009,
      number: 'SO-1009',
      customer_id: 104,
      status: 'delivered',
      ordered_at: '2025-11-20T10:00:00Z',
    },
    {
      id: 1010,
      number: 'SO-1010',
      customer_id: 105,
      status: 'delivered',
      ordered_at: '2025-12-06T10:00:00Z',
    },
  ]);
}

/**
 * The operational side of the sales fixture: teams North (1) and South (2), reps R-ANA and R-BEN
 * (North) and R-CID (South), as the fixture's rows name them — a manager's scope comes from the
 * operational database, as everywhere in the API. → an API key of the North manager (R-ANA).
 */
export async function seedFixtureTeams(env: TestEnv): Promise<string> {
  await env.ops.db
    .insertInto('teams')
    .values([
      { id: 1, name: 'North' },
      { id: 2, name: 'South' },
    ])
    .execute();
  await env.ops.db
    .insertInto('sales_reps')
    .values([
      { id: 10, code: 'R-ANA', name: 'Ana', team_id: 1 },
      { id: 11, code: 'R-BEN', name: 'Ben', team_id: 1 },
      { id: 20, code: 'R-CID', name: 'Cid', team_id: 2 },
    ])
    .execute();
  return (await createApiKey(env.ops.db, { name: 'north', role: 'manager', repId: 10 })).key;
}
