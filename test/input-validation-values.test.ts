/**
 * The input rules of docs/conventions.md for values the database would refuse, on both databases
 * through the real app: duplicates and numbers out of range are a 4xx naming the field in words,
 * with no database text (also for a database error past the schemas); country and customer group
 * are codes. The other rules are in test/input-validation.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { DATABASE_TEXT, inputRuleCalls } from './support/input-rules.ts';
import { makeCustomer, makeProduct, makeWarehouse, uid } from './orders-fixtures.ts';

describeBoth('input rules: values the database would refuse', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });
  const { post, fieldsOf, counts } = inputRuleCalls(() => env);

  it('a duplicate code, SKU or name is a 409 naming the field in words, without database text', async () => {
    const code = `WH-${uid()}`;
    const wh = await post('/warehouses', { code, name: 'North' });
    const other = await post('/warehouses', { code: `WH-${uid()}`, name: 'South' });
    const cat = await post('/categories', { name: `Tools ${uid()}` });
    const productId = await makeProduct(env);
    const sku = (await env.request('GET', `/api/v1/products/${productId}`)).body.sku;
    const list = await post('/price-lists', { name: `Retail ${uid()}` });
    const before = await counts();
    const cases: [string, string, unknown, string, RegExp][] = [
      ['POST', '/warehouses', { code, name: 'Again' }, 'code', /warehouse with this code/],
      ['PATCH', `/warehouses/${other.id}`, { code }, 'code', /warehouse with this code/],
      ['POST', '/categories', { name: cat.name }, 'name', /category with this name/],
      ['POST', '/products', { sku, name: 'Again', listPrice: '1' }, 'sku', /product with this SKU/],
      ['POST', '/price-lists', { name: list.name }, 'name', /price list with this name/],
    ];
    for (const [method, path, body, field, message] of cases) {
      const r = await env.request(method, `/api/v1${path}`, { body });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(409);
      expect(fieldsOf(r)).toEqual([field]);
      expect(r.body.errors[0].message).toMatch(message);
      expect(r.text).not.toMatch(DATABASE_TEXT);
      expect(r.body).not.toHaveProperty('constraint');
    }
    expect(await counts()).toEqual(before);
    expect((await env.request('GET', '/api/v1/warehouses')).text).toContain(wh.code);
  });

  it('numbers beyond what a column holds are a 400 naming the field, before the database', async () => {
    const customerId = await makeCustomer(env);
    const productId = await makeProduct(env);
    const warehouseId = await makeWarehouse(env);
    const before = await counts();
    const huge = '99999999999999999999';
    const cases: [string, string, unknown, string, number][] = [
      [
        'POST',
        '/products',
        { sku: `S-${uid()}`, name: 'x', listPrice: '12345678901' },
        'listPrice',
        400,
      ],
      ['PATCH', `/customers/${customerId}`, { creditLimit: '1234567890123' }, 'creditLimit', 400],
      [
        'POST',
        '/customers',
        { code: `C-${uid()}`, name: 'x', creditLimit: 1e13 },
        'creditLimit',
        400,
      ],
      ['GET', `/products?categoryId=${huge}`, undefined, 'categoryId', 400],
      ['GET', `/orders?customerId=${huge}`, undefined, 'customerId', 400],
      ['GET', `/products/${huge}`, undefined, 'id', 400],
      [
        'POST',
        '/orders',
        { customerId: Number(huge), lines: [{ productId, quantity: 1 }] },
        'customerId',
        400,
      ],
      [
        'POST',
        '/stock/movements',
        { type: 'receipt', productId, warehouseId, quantity: 1e10 },
        'quantity',
        400,
      ],
      [
        'POST',
        '/orders',
        { customerId, lines: [{ productId, quantity: 1_000_000, unitPrice: '9999999999' }] },
        'lines.0.quantity',
        400,
      ],
      [
        'POST',
        '/opportunities',
        {
          customerId,
          title: 'Big',
          lines: [{ productId, quantity: 1_000_000, unitPrice: '9999999999' }],
        },
        'lines.0.quantity',
        400,
      ],
      [
        'POST',
        '/orders',
        {
          customerId,
          lines: [
            { productId, quantity: 100, unitPrice: '9000000000' },
            { productId, quantity: 100, unitPrice: '9000000000' },
          ],
        },
        'lines',
        400,
      ],
    ];
    for (const [method, path, body, field, status] of cases) {
      const r = await env.request(method, `/api/v1${path}`, { body });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
      expect(fieldsOf(r), `${method} ${path}`).toContain(field);
      expect(r.text).not.toMatch(DATABASE_TEXT);
    }
    expect(await counts()).toEqual(before);
    // Stock is an integer column: the receipt that would pass its limit is named, not a 500.
    for (let i = 0; i < 2; i++)
      await post('/stock/movements', { type: 'receipt', productId, warehouseId, quantity: 1e9 });
    const over = await env.request('POST', '/api/v1/stock/movements', {
      body: { type: 'receipt', productId, warehouseId, quantity: 1e9 },
    });
    expect(over.status, over.text).toBe(422);
    expect(fieldsOf(over)).toEqual(['quantity']);
  });

  it('database errors that slip past the schemas are still words naming the field', async () => {
    const { toAppError } = await import('../api/problem.ts');
    const failure = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (e) {
        return toAppError(e);
      }
      throw new Error('expected the statement to fail');
    };
    const db = env.ops.db;
    const cat = await post('/categories', { name: `Dup ${uid()}` });
    const dup = await failure(() =>
      db.insertInto('product_categories').values({ name: cat.name }).execute(),
    );
    expect(dup?.status).toBe(409);
    expect(dup?.extra.errors).toEqual([
      { field: 'name', in: 'body', message: 'a category with this name already exists' },
    ]);
    const fk = await failure(() =>
      db
        .insertInto('products')
        .values({ sku: `S-${uid()}`, name: 'x', list_price: '1', category_id: 99999999 })
        .execute(),
    );
    expect(fk?.status).toBe(422);
    expect(fk?.extra.errors).toEqual([
      { field: 'categoryId', in: 'body', message: 'refers to a record that does not exist' },
    ]);
    const overflow = await failure(() =>
      db
        .insertInto('quotas')
        .values({
          team_id: null,
          rep_id: null,
          period_type: 'month',
          period_start: '2026-01-01',
          amount: '1e13',
        })
        .execute(),
    );
    expect(overflow?.status).toBe(400);
    for (const e of [dup, fk, overflow]) {
      expect(JSON.stringify({ message: e?.message, ...e?.extra })).not.toMatch(DATABASE_TEXT);
    }
  });

  it('country is an ISO 3166 code and group one of the defined customer groups', async () => {
    const ok = await post('/customers', {
      code: `C-${uid()}`,
      name: 'Coded',
      country: 'de',
      group: 'key_account',
    });
    expect(ok).toMatchObject({ country: 'DE', group: 'key_account' });
    const list = await post('/price-lists', { name: `Groups ${uid()}` });
    const productId = await makeProduct(env);
    const before = await counts();
    const cases: [string, string, unknown, string, RegExp][] = [
      [
        'POST',
        '/customers',
        { code: `C-${uid()}`, name: 'x', country: 'Germany' },
        'country',
        /ISO 3166/,
      ],
      [
        'POST',
        '/customers',
        { code: `C-${uid()}`, name: 'x', country: 'XX' },
        'country',
        /ISO 3166/,
      ],
      ['PATCH', `/customers/${ok.id}`, { group: 'vip' }, 'group', /retail, wholesale, key_account/],
      ['GET', '/customers?country=Deutschland', undefined, 'country', /ISO 3166/],
      ['GET', '/customers?group=gold', undefined, 'group', /./],
    ];
    cases.push([
      'POST',
      `/price-lists/${list.id}/items`,
      { productId, unitPrice: '1', customerGroup: 'vip' },
      'customerGroup',
      /retail, wholesale, key_account/,
    ]);
    for (const [method, path, body, field, message] of cases) {
      const r = await env.request(method, `/api/v1${path}`, { body });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(400);
      expect(fieldsOf(r)).toEqual([field]);
      expect(r.body.errors[0].message).toMatch(message);
    }
    expect(await counts()).toEqual(before);
    const byCountry = await env.request('GET', '/api/v1/customers?country=de&group=key_account');
    expect(byCountry.body.items.map((c: { id: number }) => c.id)).toContain(ok.id);
    // Clearing both stays possible.
    const cleared = await env.request('PATCH', `/api/v1/customers/${ok.id}`, {
      body: { country: '', group: null },
    });
    expect(cleared.body).toMatchObject({ country: null, group: null });
  });
});
