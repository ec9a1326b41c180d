/**
 * The API contract: the OpenAPI document lists what each operation really answers, every list is
 * `{items, nextCursor}`, a wrong method is a 405 with Allow. A fixed set of good and bad calls over
 * many routes runs here and every answer is checked against /api/v1/openapi.json, so an
 * undocumented status fails this file on its own; the global teardown
 * (test/support/global-setup.ts) runs the same check over every answer the whole suite saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undocumented, type Observation } from './support/contract.ts';
import {
  describeBoth,
  startTestEnv,
  type RequestOptions,
  type TestEnv,
} from './support/harness.ts';
import { makeCustomer, makeProduct, makeWarehouse, uid } from './orders-fixtures.ts';

type Doc = Parameters<typeof undocumented>[0] & {
  paths: Record<string, Record<string, any>>;
};

const MONEY = new Set([
  'unitPrice',
  'discount',
  'lineTotal',
  'subtotal',
  'discountTotal',
  'returnedTotal',
  'total',
  'listPrice',
  'cost',
  'creditLimit',
  'expectedValue',
  'probability',
  'amount',
  'revenue',
  'quota',
]);

/** Every (property name, schema, name of the object it is a property of) under `node`. */
function* properties(node: unknown, owner = ''): Generator<[string, any, string]> {
  if (!node || typeof node !== 'object') return;
  const props = (node as { properties?: Record<string, unknown> }).properties;
  if (props) for (const [k, v] of Object.entries(props)) yield [k, v, owner];
  for (const [k, v] of Object.entries(node)) yield* properties(v, k);
}

describe('the OpenAPI document', () => {
  let env: TestEnv;
  let doc: Doc;
  beforeAll(async () => {
    env = await startTestEnv('embedded');
    doc = (await env.request('GET', '/api/v1/openapi.json', { key: null })).body;
  });
  afterAll(() => env?.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([p, ms]) =>
      Object.entries(ms).map(([m, op]) => ({ path: p, method: m, op })),
    );

  it('gives every operation a unique operationId', () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/customers']!.get.operationId).toBe('listCustomers');
    expect(doc.paths['/api/v1/orders']!.post.operationId).toBe('createOrder');
    expect(doc.paths['/api/v1/orders/{id}/confirm']!.post.operationId).toBe('confirmOrder');
    expect(doc.paths['/api/v1/reports/sales']!.get.operationId).toBe('getSalesReport');
  });

  it('lists 413/415 for bodies, 409/422 for writes, 503 where a part may be missing', () => {
    for (const { method, op, path } of operations()) {
      const statuses = Object.keys(op.responses);
      if (op.requestBody) expect(statuses, path).toEqual(expect.arrayContaining(['413', '415']));
      if (method !== 'get') expect(statuses, path).toEqual(expect.arrayContaining(['409', '422']));
    }
    for (const p of [
      '/api/v1/reports/sales',
      '/api/v1/models',
      '/api/v1/ingest/runs',
      '/api/v1/jobs',
      '/api/v1/warehouse/freshness',
    ])
      expect(Object.keys(doc.paths[p]!.get.responses)).toContain('503');
  });

  it("documents the reports' CSV and the cancel body", () => {
    for (const r of ['sales', 'team', 'inventory']) {
      const content = doc.paths[`/api/v1/reports/${r}`]!.get.responses['200'].content;
      expect(Object.keys(content).sort()).toEqual(['application/json', 'text/csv']);
    }
    const cancel = doc.paths['/api/v1/orders/{id}/cancel']!.post.requestBody;
    expect(cancel.required).toBe(false);
    expect(cancel.content['application/json'].schema.properties).toHaveProperty('reason');
  });

  it('documents the event stream as text/event-stream, and a resume past retention as 410', () => {
    const stream = doc.paths['/api/v1/events/stream']!.get;
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    for (const p of ['/api/v1/events', '/api/v1/events/stream'])
      expect(Object.keys(doc.paths[p]!.get.responses), p).toContain('410');
    expect(doc.paths['/api/v1/events']!.get.operationId).toBe('listEvents');
    expect(doc.paths['/api/v1/orders/{id}/timeline']!.get.operationId).toBe('listOrderTimeline');
  });

  it('types money and fractions as decimal strings, never ["string","number"]', () => {
    let seen = 0;
    for (const [name, schema, owner] of properties(doc.paths)) {
      if (!MONEY.has(name)) continue;
      // A price suggestion's expected changes are ratios (revenue −0.24 = −24 %), not amounts.
      if (owner === 'expectedChange') continue;
      // nullable → anyOf [the decimal, null]
      const s = schema.anyOf?.find((x: { type?: string }) => x.type !== 'null') ?? schema;
      if (s.type === 'integer') continue; // a count that shares a name (a model's tests.total)
      expect(s, name).toMatchObject({ type: 'string', format: 'decimal' });
      expect(typeof s.pattern, name).toBe('string');
      seen++;
    }
    expect(seen).toBeGreaterThan(20);
    expect(JSON.stringify(doc)).not.toMatch(/\["string","number"\]/);
  });

  it('the check finds an undocumented status or content type', () => {
    const seen = (o: Partial<Observation>): Observation => ({
      method: 'GET',
      path: '/api/v1/customers',
      status: 200,
      contentType: 'application/json',
      ...o,
    });
    expect(undocumented(doc, [seen({}), seen({ path: '/api/v1/nowhere', status: 404 })])).toEqual(
      [],
    );
    expect(undocumented(doc, [seen({ status: 418 })])).toEqual([
      'GET /api/v1/customers: status 418 is not documented',
    ]);
    expect(undocumented(doc, [seen({ contentType: 'text/csv' })])).toHaveLength(1);
    expect(undocumented(doc, [seen({ method: 'PUT', status: 404 })])).toHaveLength(1);
  });
});

describeBoth('answers match the document', (kind) => {
  let env: TestEnv;
  let doc: Doc;
  const seen: Observation[] = [];
  /** env.request that also notes the answer for the check at the end. */
  const call = async (method: string, url: string, opts: RequestOptions = {}) => {
    const r = await env.request(method, url, opts);
    seen.push({
      method,
      path: url.split('?')[0]!,
      status: r.status,
      contentType: (r.headers.get('content-type') ?? '').split(';')[0]!,
    });
    return r;
  };
  beforeAll(async () => {
    env = await startTestEnv(kind);
    doc = (await env.request('GET', '/api/v1/openapi.json', { key: null })).body;
  });
  afterAll(() => env?.close());

  it('answers every list as {items, nextCursor}', async () => {
    // A stream (text/event-stream) answers until the client leaves: not a list to read whole.
    const isStream = (ms: Record<string, any>) =>
      Boolean(ms.get.responses['200']?.content?.['text/event-stream']);
    const lists = Object.entries(doc.paths).filter(
      ([p, ms]) => ms.get && !p.includes('{') && !isStream(ms),
    );
    expect(lists.length).toBeGreaterThan(20);
    let envelopes = 0;
    for (const [p] of lists) {
      const r = await call('GET', p);
      expect(Array.isArray(r.body), `${p} answers a bare array`).toBe(false);
      const schema = doc.paths[p]!.get.responses['200']?.content?.['application/json']?.schema;
      if (r.status === 200 && schema?.properties?.items) {
        expect(Array.isArray(r.body.items), p).toBe(true);
        expect(r.body, p).toHaveProperty('nextCursor');
        envelopes++;
      }
    }
    expect(envelopes).toBeGreaterThanOrEqual(18);
  });

  it('pages the lists that page by id', async () => {
    for (let i = 0; i < 3; i++)
      expect((await call('POST', '/api/v1/teams', { body: { name: `T ${uid()}` } })).status).toBe(
        201,
      );
    const first = await call('GET', '/api/v1/teams?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await call('GET', `/api/v1/teams?limit=2&cursor=${first.body.nextCursor}`);
    expect(next.body.items[0].id).toBeGreaterThan(first.body.items[1].id);
    const bad = await call('GET', '/api/v1/warehouses?cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'cursor', in: 'query', message: 'not a cursor from this API' },
    ]);
  });

  it('answers a wrong method with 405 and Allow, an unknown path with 404', async () => {
    const wrong = await call('PUT', '/api/v1/customers');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(wrong.body).toMatchObject({ status: 405, title: 'Method Not Allowed' });
    expect(wrong.body.detail).toMatch(/PUT is not allowed on \/api\/v1\/customers/);
    const item = await call('POST', '/api/v1/customers/12');
    expect(item.status).toBe(405);
    expect(item.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');
    // Without a key too: the method is wrong whoever asks.
    expect((await call('DELETE', '/api/v1/orders', { key: null })).status).toBe(405);
    expect((await call('POST', '/health')).headers.get('allow')).toBe('GET, HEAD');
    expect((await call('GET', '/api/v1/no-such-thing')).status).toBe(404);
    expect((await call('PUT', '/api/v1/no-such-thing')).status).toBe(404);
  });

  it('documents every answer of good and bad calls over many routes', async () => {
    const customer = await makeCustomer(env);
    const warehouse = await makeWarehouse(env);
    const product = await makeProduct(env);
    const code = `C-${uid()}`;
    const good = await call('POST', '/api/v1/customers', { body: { code, name: 'Acme' } });
    expect(good.status).toBe(201);
    const id = good.body.id as number;
    const answers = [
      // 400 in each part of the request, 401, 403, 404, 409, 413, 415, 422
      await call('POST', '/api/v1/customers', { body: { code: 5, name: '' } }),
      await call('POST', '/api/v1/customers', { rawBody: 'null' }),
      await call('POST', '/api/v1/customers', { rawBody: '{"code":' }),
      await call('POST', '/api/v1/customers', {
        rawBody: 'code=x',
        headers: { 'content-type': 'text/plain' },
      }),
      await call('POST', '/api/v1/customers', { body: { code, name: 'Again' } }),
      await call('POST', '/api/v1/customers', { body: { code: 'X', name: 'x'.repeat(2_000_000) } }),
      await call('GET', '/api/v1/customers?limit=0'),
      await call('GET', '/api/v1/customers/abc'),
      await call('GET', '/api/v1/customers/999999'),
      await call('GET', '/api/v1/customers', { key: null }),
      await call('GET', '/api/v1/api-keys', { key: 'staff' }),
      await call('PATCH', `/api/v1/customers/${id}`, { body: { name: 'Acme Ltd' } }),
      await call('GET', `/api/v1/customers/${id}/contacts`),
      await call('POST', `/api/v1/customers/${id}/contacts`, { body: { name: 'Ann' } }),
      await call('DELETE', `/api/v1/customers/${id}`),
      await call('POST', `/api/v1/customers/${id}/restore`),
      await call('POST', '/api/v1/warehouses', { body: { code: `W-${uid()}`, name: 'W' } }),
      await call('POST', '/api/v1/products', { body: { sku: 'S', name: 'P', listPrice: 'x' } }),
      await call('GET', `/api/v1/products/${product}/price?quantity=2`),
      await call('GET', `/api/v1/products/${product}/price-history`),
      await call('POST', '/api/v1/orders', {
        body: { customerId: 999999, lines: [{ productId: product, quantity: 1 }] },
      }),
      await call('POST', '/api/v1/orders', {
        body: { customerId: customer, lines: [{ productId: product, quantity: 0 }] },
      }),
    ];
    const order = await call('POST', '/api/v1/orders', {
      body: {
        customerId: customer,
        warehouseId: warehouse,
        lines: [{ productId: product, quantity: 3 }],
      },
    });
    expect(order.status).toBe(201);
    const o = order.body.id as number;
    answers.push(
      await call('POST', `/api/v1/orders/${o}/confirm`), // no stock: 409
      await call('POST', `/api/v1/orders/${o}/ship`), // a draft cannot ship: 409
      await call('POST', `/api/v1/orders/${o}/return`, { body: { lines: [] } }),
      await call('POST', `/api/v1/orders/${o}/cancel`, { body: { reason: 5 } }),
      await call('POST', `/api/v1/orders/${o}/cancel`, {
        rawBody: 'because',
        headers: { 'content-type': 'text/plain' },
      }),
      await call('POST', `/api/v1/orders/${o}/cancel`), // no body: cancels without a reason
      await call('POST', `/api/v1/orders/${o}/cancel`, { body: { reason: 'again' } }),
      await call('GET', '/api/v1/order-rules/credit-limit'),
      await call('PATCH', '/api/v1/order-rules/credit-limit', { body: { params: { x: 1 } } }),
      await call('GET', '/api/v1/reports/sales?format=csv'),
      await call('GET', '/api/v1/reports/sales?from=nope'),
      await call('GET', '/api/v1/models/fct_orders'),
      await call('GET', '/api/v1/ingest/runs/999999'),
      await call('POST', '/api/v1/orders', {
        body: { customerId: customer, lines: [{ productId: product, quantity: 1 }] },
        headers: { 'idempotency-key': 'k'.repeat(300) },
      }),
    );
    const statuses = new Set([...answers.map((a) => a.status), order.status, good.status]);
    for (const s of [200, 201, 204, 400, 401, 403, 404, 409, 413, 415, 422])
      expect(statuses, `no call answered ${s}`).toContain(s);
    const cancelled = await call('GET', `/api/v1/orders/${o}`);
    expect(cancelled.body.status).toBe('cancelled');
    expect(undocumented(doc, seen)).toEqual([]);
  });
});
