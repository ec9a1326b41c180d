/** Catalog over HTTP on both databases: categories, products, price history, price lists, prices. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { makeCustomer, makeProduct, makeRepWithKey, uid, writeCounts } from './orders-fixtures.ts';

describeBoth('catalog', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('categories and products: create, read, update, soft delete, audited', async () => {
    const cat = await env.request('POST', '/api/v1/categories', {
      key: 'manager',
      body: { name: `Tools ${uid()}` },
    });
    expect(cat.status).toBe(201);
    const p = await env.request('POST', '/api/v1/products', {
      key: 'manager',
      body: {
        sku: `HAM-${uid()}`,
        name: 'Hammer',
        categoryId: cat.body.id,
        listPrice: 12.5,
        cost: '6.2500',
      },
    });
    expect(p.status, p.text).toBe(201);
    expect(p.body).toMatchObject({
      listPrice: '12.50',
      cost: '6.25',
      active: true,
      categoryId: cat.body.id,
    });
    const dup = await env.request('POST', '/api/v1/products', {
      key: 'manager',
      body: { sku: p.body.sku, name: 'Again', listPrice: '1' },
    });
    expect(dup.status).toBe(409);
    const patched = await env.request('PATCH', `/api/v1/products/${p.body.id}`, {
      key: 'manager',
      body: { name: 'Claw hammer', listPrice: '13.00' },
    });
    expect(patched.body).toMatchObject({ name: 'Claw hammer', listPrice: '13.00' });
    const history = await env.request('GET', `/api/v1/products/${p.body.id}/price-history`, {
      key: 'analyst',
    });
    expect(history.body.items.map((h: any) => h.listPrice)).toEqual(['13.00', '12.50']);
    expect(history.body.nextCursor).toBeNull();
    const audit = await env.ops.db
      .selectFrom('audit_log')
      .select(['action', 'diff'])
      .where('entity', '=', 'product')
      .where('entity_id', '=', String(p.body.id))
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);
    expect(audit[1]!.diff).toMatchObject({ name: { from: 'Hammer', to: 'Claw hammer' } });
    expect(
      (await env.request('DELETE', `/api/v1/products/${p.body.id}`, { key: 'manager' })).status,
    ).toBe(204);
    expect((await env.request('GET', `/api/v1/products/${p.body.id}`)).status).toBe(404);
    expect((await env.request('POST', '/api/v1/products', { key: 'staff', body: {} })).status).toBe(
      403,
    );
  });

  it('lists products with search, filters and cursor pagination', async () => {
    const tag = uid().replace(/\W/g, '');
    const cat = (await env.request('POST', '/api/v1/categories', { body: { name: `Cat ${tag}` } }))
      .body.id;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(await makeProduct(env, { name: `Widget ${tag} ${i}`, categoryId: cat }));
    const p1 = await env.request('GET', `/api/v1/products?q=${tag}&limit=2`, { key: 'staff' });
    expect(p1.body.items.map((p: any) => p.id)).toEqual(ids.slice(0, 2));
    const p2 = await env.request(
      'GET',
      `/api/v1/products?q=${tag}&limit=2&cursor=${p1.body.nextCursor}`,
    );
    expect(p2.body.items.map((p: any) => p.id)).toEqual(ids.slice(2, 4));
    const byCat = await env.request('GET', `/api/v1/products?categoryId=${cat}&limit=10`);
    expect(byCat.body.items).toHaveLength(5);
    await env.request('PATCH', `/api/v1/products/${ids[0]}`, { body: { active: false } });
    expect(
      (await env.request('GET', `/api/v1/products?categoryId=${cat}&active=true`)).body.items,
    ).toHaveLength(4);
    expect((await env.request('GET', '/api/v1/products?q=%25%25%25_nothing')).body.items).toEqual(
      [],
    );
    expect((await env.request('GET', '/api/v1/products?cursor=zzzz')).status).toBe(400);
    expect((await env.request('GET', '/api/v1/products?limit=0')).status).toBe(400);
  });

  it('resolves prices: customer group, then tier, then list price, with the rule that gave it', async () => {
    const productId = await makeProduct(env, { listPrice: '10.00' });
    const list = await env.request('POST', '/api/v1/price-lists', {
      body: { name: `Main ${uid()}` },
    });
    expect(list.status).toBe(201);
    const add = (body: object) =>
      env.request('POST', `/api/v1/price-lists/${list.body.id}/items`, {
        body: { productId, ...body },
      });
    expect((await add({ minQuantity: 10, unitPrice: '9.00' })).status).toBe(201);
    expect((await add({ minQuantity: 50, unitPrice: '8.00' })).status).toBe(201);
    const vip = await add({ customerGroup: 'key_account', unitPrice: '8.75' });
    expect(vip.status).toBe(201);
    await add({ unitPrice: '1.00', validFrom: '2020-01-01', validTo: '2020-02-01' });
    const vipCustomer = await makeCustomer(env, { group: 'key_account' });
    const plain = await makeCustomer(env);
    const price = (q: string) =>
      env.request('GET', `/api/v1/products/${productId}/price?${q}`, { key: 'staff' });
    expect((await price(`customerId=${plain}&quantity=1`)).body).toMatchObject({
      unitPrice: '10.00',
      source: 'list_price',
    });
    expect((await price(`customerId=${plain}&quantity=10`)).body).toMatchObject({
      unitPrice: '9.00',
      minQuantity: 10,
    });
    expect((await price(`customerId=${plain}&quantity=75`)).body.unitPrice).toBe('8.00');
    const v = (await price(`customerId=${vipCustomer}&quantity=75`)).body;
    expect(v).toMatchObject({
      unitPrice: '8.75',
      customerGroup: 'key_account',
      priceListItemId: vip.body.id,
    });
    expect(v.reason).toMatch(/customer group key_account/);
    expect((await price('quantity=1&at=2020-01-15')).body.unitPrice).toBe('1.00');
    // An order picks up the same price.
    await env.request('POST', '/api/v1/warehouses', { body: { code: `W${uid()}`, name: 'W' } });
    const order = await env.request('POST', '/api/v1/orders', {
      key: 'staff',
      body: { customerId: plain, lines: [{ productId, quantity: 60 }] },
    });
    expect(order.body.lines[0].unitPrice).toBe('8.00');
    // Deactivating the list takes its prices away.
    await env.request('PATCH', `/api/v1/price-lists/${list.body.id}`, { body: { active: false } });
    expect((await price('quantity=75')).body.source).toBe('list_price');
    const got = await env.request('GET', `/api/v1/price-lists/${list.body.id}`);
    expect(got.body).toMatchObject({ id: list.body.id, active: false });
    expect(got.body).not.toHaveProperty('items'); // they page at …/items
    const items = await env.request('GET', `/api/v1/price-lists/${list.body.id}/items`);
    expect(items.body.items).toHaveLength(4);
    expect((await price('quantity=0')).status).toBe(400);
    expect((await price('at=yesterday')).status).toBe(400);
    expect((await price('customerId=99999999')).status).toBe(404);
    expect((await env.request('GET', '/api/v1/products/99999999/price')).status).toBe(404);
  });

  it('pages a price list’s items by id with ?limit= and ?cursor=', async () => {
    const list = await env.request('POST', '/api/v1/price-lists', { body: { name: `P ${uid()}` } });
    expect(list.status, list.text).toBe(201);
    // Added in an order unlike id order by product, so the page order is visibly by id.
    const products = [await makeProduct(env), await makeProduct(env), await makeProduct(env)];
    const ids: number[] = [];
    for (const productId of [products[2], products[0], products[1]]) {
      const r = await env.request('POST', `/api/v1/price-lists/${list.body.id}/items`, {
        body: { productId, unitPrice: '5.00' },
      });
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.id);
    }
    const url = `/api/v1/price-lists/${list.body.id}/items`;
    const first = await env.request('GET', `${url}?limit=2`, { key: 'analyst' });
    expect(first.status, first.text).toBe(200);
    expect(first.body.items.map((i: any) => i.id)).toEqual(ids.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await env.request(
      'GET',
      `${url}?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { key: 'analyst' },
    );
    expect(second.body).toEqual({
      items: [expect.objectContaining({ id: ids[2] })],
      nextCursor: null,
    });
    expect((await env.request('GET', url)).body.items).toHaveLength(3); // default limit 50
    for (const bad of ['limit=0', 'limit=501', 'cursor=not-a-cursor']) {
      const r = await env.request('GET', `${url}?${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.body.errors[0].field).toBe(bad.split('=')[0]);
    }
  });

  it('hides other teams’ customers from price lookups', async () => {
    const mine = await makeRepWithKey(env, 'staff');
    const other = await makeRepWithKey(env, 'staff');
    const theirs = await makeCustomer(env, { ownerRepId: other.repId });
    const productId = await makeProduct(env);
    const r = await env.request('GET', `/api/v1/products/${productId}/price?customerId=${theirs}`, {
      key: mine.key,
    });
    expect(r.status).toBe(404);
  });

  it('bad input is a 4xx problem and writes nothing', async () => {
    const before = await writeCounts(env);
    const bad: [string, string, unknown, number][] = [
      ['POST', '/api/v1/products', { sku: 'X', name: 'X', listPrice: '-1' }, 400],
      ['POST', '/api/v1/products', { sku: 'X', name: 'X', listPrice: '1.23456' }, 400],
      ['POST', '/api/v1/products', { sku: 'X', name: 'X', listPrice: 'abc' }, 400],
      ['POST', '/api/v1/products', { sku: '', name: 'X', listPrice: '1' }, 400],
      [
        'POST',
        '/api/v1/products',
        { sku: 'X', name: 'X', listPrice: '1', categoryId: 99999999 },
        422,
      ],
      ['POST', '/api/v1/price-lists/99999999/items', { productId: 1, unitPrice: '1' }, 404],
      ['POST', '/api/v1/price-lists', { name: 'x', currency: 'euro' }, 400],
      ['PATCH', '/api/v1/products/abc', { name: 'x' }, 400],
      ['PATCH', '/api/v1/products/99999999', { name: 'x' }, 404],
    ];
    for (const [method, path, body, status] of bad) {
      const r = await env.request(method, path, { body });
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const list = await env.request('POST', '/api/v1/price-lists', { body: { name: `L ${uid()}` } });
    const item = await env.request('POST', `/api/v1/price-lists/${list.body.id}/items`, {
      body: { productId: 99999999, unitPrice: '1' },
    });
    expect(item.status).toBe(422);
    expect(item.body.errors[0].field).toBe('productId');
    const window = await env.request('POST', `/api/v1/price-lists/${list.body.id}/items`, {
      body: { productId: 1, unitPrice: '1', validFrom: '2026-02-01', validTo: '2026-01-01' },
    });
    expect(window.status).toBe(400);
    expect((await env.request('POST', '/api/v1/products', { rawBody: '{' })).status).toBe(400);
    const after = await writeCounts(env);
    expect(after.products).toBe(before.products);
  });
});
