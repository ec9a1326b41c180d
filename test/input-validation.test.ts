/**
 * The input rules of docs/api.md on both databases, through the real app: an empty PATCH is a
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
    // A no-op is not an event: no audit row (docs/api.md).
    expect(await auditCount()).toBe(audit);
    // …and a real change after it still is.
    const renamed = await env.request('PATCH', `/api/v1/categories/${category.id}`, {
      body: { name: `${category.name} 2` },
    });
    expect(renamed.status).toBe(200);
    expect(await auditCount()).toBe(audit + 1);
  });
});
