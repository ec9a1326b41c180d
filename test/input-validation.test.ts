/**
 * The input rules of docs/conventions.md on both databases, through the real app: an empty PATCH is a
 * no-op on every area; U+0000 in a body, query or path is a 400 naming the field and writes
 * nothing; a date that does not exist is a 400 naming the field; duplicates and numbers out of
 * range name the field in words, with no database text.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { makeCustomer, makeProduct, makeWarehouse, uid } from './orders-fixtures.ts';

/** Database wording that must never reach a client. */
const DATABASE_TEXT =
  /Key \(|already exists\.|_key\b|_fkey|_check|constraint|SQLSTATE|\(2\d{4}\)|precision|syntax error|byte sequence|out of range for type/i;

describeBoth('input rules', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  const post = async (path: string, body: unknown) => {
    const r = await env.request('POST', `/api/v1${path}`, { body });
    expect(r.status, `${path}: ${r.text}`).toBe(201);
    return r.body;
  };
  /** The fields a 400 names, without the request part (another change drops `body.` etc.). */
  const fieldsOf = (r: { body: any }) =>
    ((r.body?.errors ?? []) as { field: string }[]).map((e) =>
      e.field.replace(/^(body|query|path)\./, ''),
    );
  const counts = async () =>
    (
      await sql<Record<string, number>>`
        SELECT (SELECT count(*) FROM customers)::int AS customers,
               (SELECT count(*) FROM orders)::int AS orders,
               (SELECT count(*) FROM activities)::int AS activities,
               (SELECT count(*) FROM price_list_items)::int AS items,
               (SELECT count(*) FROM opportunities)::int AS opportunities,
               (SELECT count(*) FROM quotas)::int AS quotas,
               (SELECT count(*) FROM warehouses)::int AS warehouses,
               (SELECT count(*) FROM products)::int AS products,
               (SELECT count(*) FROM audit_log)::int AS audit`.execute(env.ops.db)
    ).rows[0]!;
  const auditCount = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(env.ops.db))
      .rows[0]!.n;

  it('an empty PATCH answers 200 with the unchanged entity on every area, writing nothing', async () => {
    const customer = await post('/customers', { code: `C-${uid()}`, name: 'Empty patch Ltd' });
    const contact = await post(`/customers/${customer.id}/contacts`, { name: 'Ann' });
    const category = await post('/categories', { name: `Cat ${uid()}` });
    const productId = await makeProduct(env);
    const product = (await env.request('GET', `/api/v1/products/${productId}`)).body;
    const priceList = await post('/price-lists', { name: `List ${uid()}` });
    const item = await post(`/price-lists/${priceList.id}/items`, {
      productId,
      unitPrice: '9.50',
    });
    const warehouseId = await makeWarehouse(env);
    const warehouse = (await env.request('GET', `/api/v1/warehouses`)).body;
    const reorder = await post('/reorder-rules', {
      productId,
      warehouseId,
      reorderPoint: 5,
      reorderQuantity: 10,
    });
    const orderRule = (await env.request('GET', '/api/v1/order-rules/max-discount')).body;
    const team = await post('/teams', { name: `Team ${uid()}` });
    const rep = await post('/reps', { code: `R-${uid()}`, name: 'Rita', teamId: team.id });
    const quota = await post('/quotas', {
      teamId: team.id,
      periodType: 'month',
      periodStart: '2026-01-01',
      amount: '100',
    });
    const opportunity = await post('/opportunities', { customerId: customer.id, title: 'Deal' });
    const activity = await post('/activities', { type: 'task', subject: 'Call back' });
    const followup = await post('/followup-rules', {
      name: `Rule ${uid()}`,
      trigger: 'customer_created',
      action: { activityType: 'task', subject: 'Welcome' },
    });
    const cases: [string, unknown][] = [
      [`/customers/${customer.id}`, customer],
      [`/customers/${customer.id}/contacts/${contact.id}`, contact],
      [`/categories/${category.id}`, category],
      [`/products/${productId}`, product],
      [`/price-lists/${priceList.id}`, priceList],
      [`/price-lists/${priceList.id}/items/${item.id}`, item],
      [
        `/warehouses/${warehouseId}`,
        (Array.isArray(warehouse) ? warehouse : warehouse.items).find(
          (w: { id: number }) => w.id === warehouseId,
        ),
      ],
      [`/reorder-rules/${reorder.id}`, reorder],
      ['/order-rules/max-discount', orderRule],
      [`/teams/${team.id}`, team],
      [`/reps/${rep.id}`, rep],
      [`/quotas/${quota.id}`, quota],
      [`/opportunities/${opportunity.id}`, opportunity],
      [`/activities/${activity.id}`, activity],
      [`/followup-rules/${followup.id}`, followup],
    ];
    const audit = await auditCount();
    for (const [path, before] of cases) {
      const r = await env.request('PATCH', `/api/v1${path}`, { body: {} });
      expect(r.status, `${path}: ${r.text}`).toBe(200);
      expect(r.body, path).toEqual(before);
    }
    // A no-op is not an event: no audit row (docs/conventions.md).
    expect(await auditCount()).toBe(audit);
    // …and a real change after it still is.
    const renamed = await env.request('PATCH', `/api/v1/categories/${category.id}`, {
      body: { name: `${category.name} 2` },
    });
    expect(renamed.status).toBe(200);
    expect(await auditCount()).toBe(audit + 1);
  });

  it('a NUL character in a body, nested body, query or path is a 400 naming the field', async () => {
    const customerId = await makeCustomer(env);
    const productId = await makeProduct(env);
    const before = await counts();
    const cases: [string, string, unknown, string][] = [
      ['POST', '/customers', { code: `C-${uid()}`, name: 'a\u0000b' }, 'name'],
      [
        'POST',
        '/orders',
        {
          customerId,
          notes: 'leave at the door\u0000',
          lines: [{ productId, quantity: 1, unitPrice: '1\u00002' }],
        },
        'notes',
      ],
      ['POST', '/activities', { type: 'task', subject: 'x', notes: '\u0000' }, 'notes'],
      ['PATCH', `/customers/${customerId}`, { tags: ['ok', 'b\u0000d'] }, 'tags.1'],
      ['GET', '/customers?q=a%00b', undefined, 'q'],
      ['GET', '/products?q=%00', undefined, 'q'],
      ['GET', `/customers/${customerId}%00`, undefined, 'id'],
      ['PATCH', '/order-rules/max%00discount', { active: true }, 'id'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await env.request(method, `/api/v1${path}`, { body });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(fieldsOf(r), path).toContain(field);
      expect(r.body.errors.find((e: any) => e.field.endsWith(field)).message).toBe(
        'must not contain the NUL character',
      );
      expect(r.text).not.toMatch(DATABASE_TEXT);
    }
    // The order names both of its NUL fields, nested ones by their path.
    const order = await env.request('POST', '/api/v1/orders', { body: cases[1]![2] });
    expect(fieldsOf(order).sort()).toEqual(['lines.0.unitPrice', 'notes']);
    expect(await counts()).toEqual(before);
  });

  it('a date or time that does not exist is a 400 naming the field, on every area', async () => {
    const customerId = await makeCustomer(env);
    const productId = await makeProduct(env);
    const priceList = await post('/price-lists', { name: `List ${uid()}` });
    const team = await post('/teams', { name: `Team ${uid()}` });
    const activity = await post('/activities', { type: 'call', subject: 'Dates' });
    const before = await counts();
    const cases: [string, string, unknown, string][] = [
      ['GET', '/orders?from=2026-02-30', undefined, 'from'],
      ['GET', '/orders?to=2025-02-29T00:00:00Z', undefined, 'to'],
      ['GET', `/products/${productId}/price?at=2024-02-30`, undefined, 'at'],
      ['GET', `/products/${productId}/price?at=2024-04-31T10:00:00Z`, undefined, 'at'],
      [
        'POST',
        '/activities',
        { type: 'task', subject: 'x', dueAt: '2026-02-30T10:00:00Z' },
        'dueAt',
      ],
      [
        'POST',
        '/activities',
        { type: 'task', subject: 'x', dueAt: '2026-01-01T24:00:00Z' },
        'dueAt',
      ],
      ['PATCH', `/activities/${activity.id}`, { doneAt: '2026-13-01T10:00:00Z' }, 'doneAt'],
      [
        'POST',
        `/price-lists/${priceList.id}/items`,
        { productId, unitPrice: '1', validFrom: '2026-02-29' },
        'validFrom',
      ],
      [
        'POST',
        '/opportunities',
        { customerId, title: 'x', expectedCloseDate: '2026-06-31' },
        'expectedCloseDate',
      ],
      [
        'POST',
        '/quotas',
        { teamId: team.id, periodType: 'month', periodStart: '2026-02-30', amount: '1' },
        'periodStart',
      ],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await env.request(method, `/api/v1${path}`, { body });
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(400);
      expect(fieldsOf(r), path).toEqual([field]);
      expect(r.body.errors[0].message).toMatch(/not a date( and time)? that exists/);
    }
    expect(await counts()).toEqual(before);
    // A real leap day is a date like any other and is stored as given.
    const leap = await post('/activities', {
      type: 'task',
      subject: 'Leap',
      dueAt: '2024-02-29T10:00:00Z',
    });
    expect(leap.dueAt).toBe('2024-02-29T10:00:00.000Z');
    const orders = await env.request('GET', '/api/v1/orders?from=2024-02-29&to=2024-03-01');
    expect(orders.status).toBe(200);
  });

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
