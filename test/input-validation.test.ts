/**
 * The input rules of docs/conventions.md on both databases, through the real app: an empty PATCH
 * is a no-op on every area; U+0000 in a body, query or path is a 400 naming the field and writes
 * nothing; a date that does not exist is a 400 naming the field. Duplicates, numbers out of range
 * and codes are in test/input-validation-values.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { DATABASE_TEXT, inputRuleCalls } from './support/input-rules.ts';
import { makeCustomer, makeProduct, makeWarehouse, uid } from './orders-fixtures.ts';

describeBoth('input rules', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });
  const { post, fieldsOf, counts, auditCount } = inputRuleCalls(() => env);

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
});
