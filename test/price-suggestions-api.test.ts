/**
 * GET /price-suggestions and /products/{id}/price-suggestion on both databases: the newest
 * segment run's stored items (ml.mart_price_suggestions, written here as the segment job writes
 * them) served as they are, with their run; a category filter by name; pages whose cursor keeps
 * to the run it started on; 404 for an unknown product, category or a product the run did not
 * analyse, 503 until a run has computed prices; managers, analysts and executives only.
 * test/segment-api.test.ts serves a real run's items end to end.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureMlTables } from '../segment/store-warehouse.ts';
import { insertProduct } from './crm-fixtures.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';

/** A category's pooled fit, as segment/price-suggestions.ts makes it. */
function categoryItem(categoryId: number, category: string, elasticity: number) {
  return {
    level: 'category',
    categoryId,
    category,
    elasticity,
    r2: 0.412,
    products: 2,
    periods: 9,
  };
}

/** A product's item, with a suggestion or the reason there is none. */
function productItem(
  productId: number,
  categoryId: number | null,
  category: string | null,
  suggested = true,
) {
  return {
    level: 'product',
    productId,
    sku: `SKU-${productId}`,
    name: `Product ${productId}`,
    categoryId,
    category,
    listPrice: '19.99',
    cost: '12.00',
    periods: 4,
    elasticity: suggested ? -2.512 : -0.4,
    r2: 0.8,
    categoryElasticity: -1.9,
    unitsPerDay: 3.25,
    suggestion: suggested
      ? {
          price: '23.99',
          optimalPrice: '19.93',
          clamped: null,
          priceChange: 0.2001,
          expectedChange: { units: -0.3675, revenue: -0.2409, margin: 0.0532 },
          per30Days: {
            current: { units: 97.5, revenue: '1949.03', margin: '779.03' },
            suggested: { units: 61.67, revenue: '1479.47', margin: '739.47' },
          },
        }
      : null,
    suggestionBasis: suggested ? 'product' : null,
    reason: suggested ? null : 'inelastic',
  };
}

async function writeRun(
  conn: DuckDBConnection,
  runId: number,
  asOf: string,
  items: readonly Record<string, unknown>[],
) {
  for (const item of items) {
    await conn.run(
      `INSERT INTO ml.mart_price_suggestions (run_id, level, category, product_id, sku, item)
       VALUES ($1, $2, $3, $4, $5, CAST($6 AS JSON))`,
      [
        runId,
        String(item.level),
        (item.category as string | null) ?? null,
        (item.productId as number | undefined) ?? null,
        (item.sku as string | undefined) ?? null,
        JSON.stringify(item),
      ],
    );
  }
  await conn.run(
    `INSERT INTO meta.ml_runs (run_id, kind, started_at, finished_at, as_of, metrics)
     VALUES ($1, 'prices', TIMESTAMPTZ '2026-07-01 02:30:00+00', TIMESTAMPTZ '2026-07-01 02:30:04.25+00',
             CAST($2 AS DATE), CAST('{}' AS JSON))`,
    [runId, asOf],
  );
}

describeBoth('price suggestions API', (kind) => {
  let env: TestEnv;
  let conn: DuckDBConnection;
  /** Products in PostgreSQL: 0–2 Furniture, 3 Paper, 4 without a category, 5 in no run. */
  const p: number[] = [];
  let newest: Record<string, unknown>[];

  beforeAll(async () => {
    env = await startTestEnv(kind);
    for (let i = 0; i < 6; i++) p.push(await insertProduct(env));
    conn = await env.warehouse.connect();
  });
  afterAll(async () => {
    conn?.closeSync();
    await env?.close();
  });

  const get = (url: string, key = 'manager') => env.request('GET', `/api/v1${url}`, { key });

  it('answers 503 until a segment run has computed prices, saying what computes them', async () => {
    const expect503 = async (url: string) => {
      const r = await get(url);
      expect(r.status, url).toBe(503);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(r.body.detail).toMatch(/^price suggestions are not computed yet: .*salesops segment/);
    };
    await expect503('/price-suggestions');
    await expect503(`/products/${p[0]}/price-suggestion`);
    // The tables exist but no run has written to them.
    await ensureMlTables(conn);
    await expect503('/price-suggestions?category=Paper');
    await expect503(`/products/${p[0]}/price-suggestion`);
  });

  it("serves the newest run's items as stored, categories by name, each pooled fit before its products", async () => {
    await writeRun(conn, 3, '2026-05-31', [
      categoryItem(1, 'Furniture', -9),
      productItem(p[0]!, 1, 'Furniture'),
    ]);
    // Written out of order: the answer orders them.
    newest = [
      productItem(p[3]!, 2, 'Paper'),
      categoryItem(2, 'Paper', -1.1),
      productItem(p[4]!, null, null),
      categoryItem(1, 'Furniture', -2.2),
      productItem(p[2]!, 1, 'Furniture'),
      productItem(p[0]!, 1, 'Furniture'),
      productItem(p[1]!, 1, 'Furniture', false),
    ];
    await writeRun(conn, 4, '2026-06-30', newest);
    const r = await get('/price-suggestions');
    expect(r.status, r.text).toBe(200);
    const run = { id: 4, asOf: '2026-06-30', finishedAt: '2026-07-01T02:30:04.250Z' };
    expect(r.body).toEqual({
      items: [3, 5, 6, 4, 1, 0, 2].map((i) => ({ ...newest[i], run })),
      nextCursor: null,
    });
  });

  it('filters by category name in any case; an unknown name is a 404 listing the names', async () => {
    const r = await get('/price-suggestions?category=pAPER');
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual(
      [newest[1], newest[0]].map((i) => ({ ...i, run: expect.anything() })),
    );
    const none = await get('/price-suggestions?category=Pens');
    expect(none.status).toBe(404);
    expect(none.body.errors).toEqual([
      {
        field: 'category',
        in: 'query',
        message:
          'run #4 has no price suggestions for a category named "Pens"; its categories are: Furniture, Paper',
      },
    ]);
    const empty = await get('/price-suggestions?category=');
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('category');
  });

  it('pages through the run it started on, even when a newer run lands meanwhile', async () => {
    const whole = (await get('/price-suggestions')).body.items;
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/price-suggestions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.items[0].run.id).toBe(4);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
      // A newer run after the first page: the pages go on with run 4.
      if (pages++ === 0) await writeRun(conn, 5, '2026-07-01', [categoryItem(9, 'Toys', -3)]);
    } while (cursor);
    expect(seen).toEqual(whole);
    expect(pages).toBe(3);
    const fresh = await get('/price-suggestions');
    expect(fresh.body).toMatchObject({
      items: [{ ...categoryItem(9, 'Toys', -3), run: { id: 5 } }],
    });
    // A cursor of a run that is gone, or one this API never wrote: 400 naming `cursor`.
    const first = await get('/price-suggestions?limit=1&category=Toys');
    expect(first.body.nextCursor).toBeNull();
    const old = Buffer.from('2.1', 'utf8').toString('base64url');
    for (const c of [old, 'bm90LWEtY3Vyc29y', '%20']) {
      const r = await get(`/price-suggestions?cursor=${c}`);
      expect(r.status, c).toBe(400);
      expect(r.body.errors[0]).toMatchObject({ field: 'cursor', in: 'query' });
    }
  });

  it("answers a product's item with its run; 404 for an unknown product or one the run left out", async () => {
    await writeRun(conn, 6, '2026-07-02', newest);
    const one = await get(`/products/${p[0]}/price-suggestion`);
    expect(one.status, one.text).toBe(200);
    expect(one.body).toEqual({
      ...productItem(p[0]!, 1, 'Furniture'),
      run: { id: 6, asOf: '2026-07-02', finishedAt: '2026-07-01T02:30:04.250Z' },
    });
    const inelastic = await get(`/products/${p[1]}/price-suggestion`);
    expect(inelastic.body).toMatchObject({ suggestion: null, reason: 'inelastic' });

    const left = await get(`/products/${p[5]}/price-suggestion`);
    expect(left.status).toBe(404);
    expect(left.body.detail).toBe(
      `product ${p[5]} has no price suggestion in run #6 (as of 2026-07-02): the run analyses the products that were active when it ran; the next segment run includes this one if it is active now`,
    );
    const unknown = await get('/products/999999999/price-suggestion');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('product 999999999 was not found');
    await env.ops.db
      .updateTable('products')
      .set({ deleted_at: new Date() })
      .where('id', '=', p[2]!)
      .execute();
    expect((await get(`/products/${p[2]}/price-suggestion`)).status).toBe(404);
    const bad = await get('/products/abc/price-suggestion');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ field: 'id', in: 'path' });
  });

  it('is for managers, analysts and executives; staff get a 403', async () => {
    for (const role of ['manager', 'analyst', 'executive', 'admin']) {
      expect((await get('/price-suggestions', role)).status, role).toBe(200);
      expect((await get(`/products/${p[0]}/price-suggestion`, role)).status, role).toBe(200);
    }
    for (const url of ['/price-suggestions', `/products/${p[0]}/price-suggestion`]) {
      const r = await get(url, 'staff');
      expect(r.status).toBe(403);
      expect(r.body.detail).toContain('role staff');
    }
  });
});
