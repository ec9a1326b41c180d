/**
 * segment/price-periods.ts on a hand-made warehouse: raw rows → the repository's models built in
 * a real DuckDB file → list-price periods. Every figure below is counted by hand from the rows.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { releaseFolderLock } from '../db/folder-lock.ts';
import { readPricePeriods, type ProductPriceHistory } from '../segment/price-periods.ts';
import { openWarehouse, type Warehouse } from '../warehouse/duckdb.ts';
import { tempDir } from './support/harness.ts';
import { createRawTables, insertRaw, withConnection } from './support/raw-tables.ts';
import { buildFixtureMarts } from './support/warehouse-fixtures.ts';

const ms = (iso: string) => Date.parse(iso);

/**
 * Revenue orders: 1, 2, 3, 5, 6, 7 (returned still counts), 10. Not: 4 cancelled, 8 deleted,
 * 9 draft. The order history runs from 2026-01-01 to the end of 2026-03-01.
 */
async function loadPriceFixture(conn: Parameters<typeof createRawTables>[0]): Promise<void> {
  await createRawTables(conn);
  await insertRaw(conn, 'teams', [{ id: 1, name: 'North' }]);
  await insertRaw(conn, 'sales_reps', [{ id: 1, code: 'R-1', name: 'Ana', team_id: 1 }]);
  await insertRaw(conn, 'customers', [{ id: 1, code: 'C-1', name: 'Alfa', owner_rep_id: 1 }]);
  await insertRaw(conn, 'product_categories', [
    { id: 2, name: 'Tools' },
    { id: 3, name: 'Paint' },
  ]);
  const product = (id: number, name: string, category: number, price: string, cost: string) => ({
    id,
    sku: `SKU-${id}`,
    name,
    category_id: category,
    list_price: price,
    cost,
  });
  await insertRaw(conn, 'products', [
    product(10, 'Hammer', 2, '12.0000', '5.0000'),
    product(11, 'Saw', 2, '20.0000', '8.0000'),
    product(12, 'Brush', 3, '3.5000', '1.0000'),
    { ...product(13, 'Old', 2, '9.0000', '1.0000'), active: false },
    product(14, 'Roller', 3, '6.0000', '2.0000'),
  ]);
  const price = (id: number, productId: number, p: string, cost: string, from: string) => ({
    id,
    product_id: productId,
    list_price: p,
    cost,
    valid_from: from,
  });
  await insertRaw(conn, 'product_price_history', [
    price(1, 10, '10.0000', '4.0000', '2025-12-01T00:00:00Z'),
    price(2, 10, '10.0000', '4.5000', '2026-01-11T00:00:00Z'), // cost only: the same period
    price(3, 10, '12.0000', '5.0000', '2026-02-10T12:00:00Z'), // at noon, not midnight
    price(4, 11, '20.0000', '8.0000', '2026-02-01T00:00:00Z'),
    price(5, 12, '3.0000', '1.0000', '2025-06-01T00:00:00Z'),
    price(6, 12, '3.5000', '1.0000', '2026-01-03T00:00:00Z'),
    price(7, 12, '4.0000', '1.0000', '2026-04-01T00:00:00Z'), // after the last order
    price(8, 13, '9.0000', '1.0000', '2025-06-01T00:00:00Z'),
  ]);
  const order = (id: number, status: string, at: string) => ({
    id,
    number: `SO-${id}`,
    customer_id: 1,
    rep_id: 1,
    status,
    ordered_at: at,
  });
  await insertRaw(conn, 'orders', [
    order(1, 'delivered', '2026-01-01T09:00:00Z'),
    order(2, 'delivered', '2026-01-05T10:00:00Z'),
    order(3, 'shipped', '2026-01-20T10:00:00Z'),
    order(4, 'cancelled', '2026-01-25T10:00:00Z'),
    order(5, 'confirmed', '2026-02-10T11:59:00Z'),
    order(6, 'delivered', '2026-02-10T12:00:00Z'),
    order(7, 'returned', '2026-02-15T08:00:00Z'),
    { ...order(8, 'delivered', '2026-02-20T08:00:00Z'), deleted_at: '2026-02-21T00:00:00Z' },
    order(9, 'draft', '2026-02-25T08:00:00Z'),
    order(10, 'delivered', '2026-03-01T15:00:00Z'),
  ]);
  let id = 0;
  const line = (orderId: number, productId: number, quantity: number) => ({
    id: ++id,
    order_id: orderId,
    line_no: id,
    product_id: productId,
    quantity,
    unit_price: '1',
  });
  await insertRaw(conn, 'order_lines', [
    line(1, 10, 3),
    line(2, 12, 1),
    line(3, 10, 2),
    line(3, 10, 1), // the same product twice in one order: two lines, 3 units
    line(3, 11, 5), // before the Saw's first price: in no period
    line(4, 10, 50),
    line(5, 10, 1),
    line(6, 10, 4),
    line(6, 11, 2),
    { ...line(7, 12, 6), returned_quantity: 6 }, // units ordered, returns not deducted
    line(8, 10, 100),
    line(9, 10, 9),
    line(10, 11, 1),
  ]);
}

describe('list-price periods from the warehouse', () => {
  let dir: string;
  let w: Warehouse;

  beforeAll(async () => {
    dir = tempDir('salesops-price-');
    w = await openWarehouse(loadConfig({ SALESOPS_DATA_DIR: dir }), 'test');
    await withConnection(w, loadPriceFixture);
    await buildFixtureMarts(w);
  });
  afterAll(() => {
    w?.close();
    releaseFolderLock(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const read = (filter: Parameters<typeof readPricePeriods>[1] = {}) =>
    withConnection(w, (c) => readPricePeriods(c, filter));
  const ids = (ps: ProductPriceHistory[]) => ps.map((p) => p.productId);

  it('splits the history where the list price changed, clipped to the order history', async () => {
    const products = await read();
    expect(ids(products)).toEqual([10, 11, 12, 14]); // 13 is inactive
    const [hammer, saw, brush, roller] = products;
    expect(hammer).toEqual({
      productId: 10,
      sku: 'SKU-10',
      name: 'Hammer',
      categoryId: 2,
      category: 'Tools',
      listPrice: '12.0000',
      cost: '5.0000',
      periods: [
        {
          listPrice: '10.0000',
          fromMs: ms('2026-01-01T00:00:00Z'), // the first order day, not 2025-12-01
          toMs: ms('2026-02-10T12:00:00Z'),
          days: 40.5,
          lines: 4, // orders 1, 3 (two lines) and 5 (11:59); 4 cancelled
          units: 7, // 3 + 2 + 1 + 1
          marketOrders: 4, // 1, 2, 3, 5
        },
        {
          listPrice: '12.0000',
          fromMs: ms('2026-02-10T12:00:00Z'),
          toMs: ms('2026-03-02T00:00:00Z'), // the day after the last order
          days: 19.5,
          lines: 1, // order 6; 8 deleted, 9 draft
          units: 4,
          marketOrders: 3, // 6, 7, 10
        },
      ],
    });
    expect(saw!.periods).toEqual([
      {
        listPrice: '20.0000',
        fromMs: ms('2026-02-01T00:00:00Z'),
        toMs: ms('2026-03-02T00:00:00Z'),
        days: 29,
        lines: 2, // orders 6 and 10; order 3's Saw came before its first price
        units: 3,
        marketOrders: 4, // 5, 6, 7, 10
      },
    ]);
    expect(
      brush!.periods.map((p) => [p.listPrice, p.days, p.lines, p.units, p.marketOrders]),
    ).toEqual([
      ['3.0000', 2, 0, 0, 1],
      ['3.5000', 58, 2, 7, 6], // the 4.00 from April is not in the history yet
    ]);
    expect(brush!.listPrice).toBe('3.5000');
    expect(roller!.periods).toEqual([]); // no price history
  });

  it('reads one category by name, or the category of one product', async () => {
    expect(ids(await read({ category: 'Paint' }))).toEqual([12, 14]);
    expect(ids(await read({ categoryOf: 11 }))).toEqual([10, 11]);
    expect(ids(await read({ category: 'Nothing' }))).toEqual([]);
    // The periods do not depend on what else is read: the market is every product's orders.
    const [brush] = await read({ category: 'Paint' });
    expect(brush!.periods.map((p) => p.marketOrders)).toEqual([1, 6]);
  });
});
