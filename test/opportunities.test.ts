/** The pipeline on both databases: stages, probabilities, lost reasons, history, won → order. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import {
  auditRows,
  insertCustomer,
  insertProduct,
  seedTeams,
  type TeamWorld,
} from './crm-fixtures.ts';

describeBoth('opportunities', (kind) => {
  let env: TestEnv;
  let world: TeamWorld;
  let customer: number;
  let product: number;
  beforeAll(async () => {
    env = await startTestEnv(kind);
    world = await seedTeams(env);
    customer = await insertCustomer(env, { owner: world.reps.n1 });
    product = await insertProduct(env, '12.50', '7.00');
  });
  afterAll(async () => {
    await env?.close();
  });
  const create = async (body: Record<string, unknown>, key: string = world.keys.staffN1) => {
    const r = await env.request('POST', '/api/v1/opportunities', {
      key,
      body: { customerId: customer, title: 'Deal', ...body },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const patch = (id: number, body: Record<string, unknown>, key: string = world.keys.staffN1) =>
    env.request('PATCH', `/api/v1/opportunities/${id}`, { key, body });
  const count = async (table: 'opportunities' | 'opportunity_stage_history' | 'orders') =>
    Number(
      (
        await env.ops.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('opens as a lead with the default probability, priced lines and a first history entry', async () => {
    const o = await create({
      lines: [
        { productId: product, quantity: 4 },
        { productId: product, quantity: 2, discount: '0.1' },
      ],
      expectedCloseDate: '2026-06-30',
    });
    expect(o).toMatchObject({
      stage: 'lead',
      probability: '0.1000',
      ownerRepId: world.reps.n1,
      // 4 × 12.50 + 2 × 12.50 × 0.9
      expectedValue: '72.50',
      expectedCloseDate: '2026-06-30',
      closedAt: null,
      orderId: null,
    });
    expect(o.lines).toEqual([
      { lineNo: 1, productId: product, quantity: 4, unitPrice: '12.5000', discount: '0.0000' },
      { lineNo: 2, productId: product, quantity: 2, unitPrice: '12.5000', discount: '0.1000' },
    ]);
    expect(o.stageHistory).toMatchObject([{ fromStage: null, toStage: 'lead' }]);
    expect((await auditRows(env, 'opportunity', o.id)).map((a) => a.action)).toEqual(['create']);
  });

  it('lets only managers set line prices', async () => {
    const staff = await env.request('POST', '/api/v1/opportunities', {
      key: world.keys.staffN1,
      body: {
        customerId: customer,
        title: 'Cheap',
        lines: [{ productId: product, quantity: 1, unitPrice: '1.00' }],
      },
    });
    expect(staff.status).toBe(403);
    expect(staff.body.errors[0].field).toBe('lines.0.unitPrice');
    const mgr = await create(
      { lines: [{ productId: product, quantity: 1, unitPrice: '1.00' }] },
      world.keys.managerN,
    );
    expect(mgr.expectedValue).toBe('1.00');
  });

  it('defaults probability per stage, keeps an override until the stage changes', async () => {
    const o = await create({});
    const qualified = await patch(o.id, { stage: 'qualified' });
    expect(qualified.body.probability).toBe('0.2500');
    const override = await patch(o.id, { probability: 0.33 });
    expect(override.body.probability).toBe('0.3300');
    const renamed = await patch(o.id, { title: 'Renamed' });
    expect(renamed.body.probability).toBe('0.3300');
    const both = await patch(o.id, { stage: 'proposal', probability: '0.6' });
    expect(both.body.probability).toBe('0.6000');
    const next = await patch(o.id, { stage: 'negotiation' });
    expect(next.body.probability).toBe('0.7500');
    expect(
      next.body.stageHistory.map((h: { fromStage: string | null; toStage: string }) => [
        h.fromStage,
        h.toStage,
      ]),
    ).toEqual([
      [null, 'lead'],
      ['lead', 'qualified'],
      ['qualified', 'proposal'],
      ['proposal', 'negotiation'],
    ]);
    const audit = await auditRows(env, 'opportunity', o.id);
    expect(audit[2]!.diff).toEqual({ probability: { from: '0.2500', to: '0.3300' } });
  });

  it('needs a reason to lose, closes and reopens', async () => {
    const o = await create({ stage: 'proposal' });
    const history = await count('opportunity_stage_history');
    const noReason = await patch(o.id, { stage: 'lost' });
    expect(noReason.status).toBe(422);
    expect(noReason.body.errors).toEqual([
      { field: 'lostReason', in: 'body', message: 'is required when the stage is lost' },
    ]);
    const blank = await patch(o.id, { stage: 'lost', lostReason: '   ' });
    expect(blank.status).toBe(422);
    const wrongProbability = await patch(o.id, {
      stage: 'lost',
      lostReason: 'price',
      probability: 0.5,
    });
    expect(wrongProbability.status).toBe(422);
    expect(wrongProbability.body.errors[0].field).toBe('probability');
    expect(await count('opportunity_stage_history')).toBe(history);
    const created = await env.request('POST', '/api/v1/opportunities', {
      key: world.keys.staffN1,
      body: { customerId: customer, title: 'Born lost', stage: 'lost' },
    });
    expect(created.status).toBe(422);

    const lost = await patch(o.id, { stage: 'lost', lostReason: 'Chose a competitor' });
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({
      stage: 'lost',
      probability: '0.0000',
      lostReason: 'Chose a competitor',
    });
    expect(lost.body.closedAt).not.toBeNull();
    const reopened = await patch(o.id, { stage: 'qualified' });
    expect(reopened.body).toMatchObject({
      stage: 'qualified',
      lostReason: null,
      closedAt: null,
      probability: '0.2500',
    });
    expect((await patch(o.id, { lostReason: 'why not' })).status).toBe(422);
  });

  it('wins into a draft order built from its lines, once', async () => {
    const bare = await create({ stage: 'negotiation' });
    const noLines = await patch(bare.id, { stage: 'won', createOrder: true });
    expect(noLines.status).toBe(422);
    expect(noLines.body.errors[0].field).toBe('createOrder');
    const notWon = await patch(bare.id, { createOrder: true });
    expect(notWon.status).toBe(422);

    const o = await create({
      stage: 'negotiation',
      lines: [{ productId: product, quantity: 3, discount: '0.05' }],
    });
    const orders = await count('orders');
    const won = await patch(o.id, { stage: 'won', createOrder: true });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ stage: 'won', probability: '1.0000' });
    expect(won.body.orderId).toEqual(expect.any(Number));
    expect(await count('orders')).toBe(orders + 1);
    const order = await env.ops.db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', won.body.orderId)
      .executeTakeFirstOrThrow();
    expect(order).toMatchObject({
      status: 'draft',
      customer_id: customer,
      rep_id: world.reps.n1,
      total: '35.62', // 37.50 − round(1.875): the money rule of docs/api.md
    });
    const lines = await env.ops.db
      .selectFrom('order_lines')
      .selectAll()
      .where('order_id', '=', order.id)
      .execute();
    expect(lines).toMatchObject([
      {
        product_id: product,
        quantity: 3,
        unit_price: '12.5000',
        discount: '0.0500',
        unit_cost: '7.0000',
      },
    ]);
    const events = await env.ops.db
      .selectFrom('order_events')
      .select('event_type')
      .where('order_id', '=', order.id)
      .execute();
    expect(events).toEqual([{ event_type: 'order.created' }]);

    expect((await patch(o.id, { createOrder: true })).status).toBe(409);
    const reopen = await patch(o.id, { stage: 'negotiation' });
    expect(reopen.status).toBe(409);
    expect(reopen.body.detail).toContain(`order ${order.id}`);
    expect(await count('orders')).toBe(orders + 1);
  });

  it("shows staff their own pipeline and managers their team's", async () => {
    const mine = await create({ title: 'Mine' });
    const teammates = await create({ title: 'Teammate' }, world.keys.staffN2);
    const see = async (key: string, id: number) =>
      (await env.request('GET', `/api/v1/opportunities/${id}`, { key })).status;
    expect(await see(world.keys.staffN1, mine.id)).toBe(200);
    expect(await see(world.keys.staffN1, teammates.id)).toBe(404);
    expect((await patch(teammates.id, { title: 'grab' })).status).toBe(404);
    expect(await see(world.keys.managerN, teammates.id)).toBe(200);
    expect(await see(world.keys.managerS, mine.id)).toBe(404);
    expect(await see('analyst', mine.id)).toBe(200);
    const list = await env.request('GET', `/api/v1/opportunities?customerId=${customer}&owner=me`, {
      key: world.keys.staffN1,
    });
    const ids = list.body.items.map((o: { id: number }) => o.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(teammates.id);
    const team = await env.request(
      'GET',
      `/api/v1/opportunities?customerId=${customer}&open=true`,
      { key: world.keys.managerN },
    );
    expect(team.body.items.map((o: { id: number }) => o.id)).toEqual(
      expect.arrayContaining([mine.id, teammates.id]),
    );
    // Staff cannot hand a deal to a teammate; a manager can.
    expect((await patch(mine.id, { ownerRepId: world.reps.n2 })).status).toBe(422);
    expect((await patch(mine.id, { ownerRepId: world.reps.n2 }, world.keys.managerN)).status).toBe(
      200,
    );
    expect(
      (
        await env.request('DELETE', `/api/v1/opportunities/${mine.id}`, {
          key: world.keys.managerN,
        })
      ).status,
    ).toBe(204);
    expect(await see(world.keys.managerN, mine.id)).toBe(404);
  });

  it('answers bad input with problem+json and writes nothing', async () => {
    const before = await count('opportunities');
    const cases: [Record<string, unknown>, number, string][] = [
      [{ stage: 'closed' }, 400, 'stage'],
      [{ probability: 1.5 }, 400, 'probability'],
      [{ expectedValue: 'lots' }, 400, 'expectedValue'],
      [{ expectedCloseDate: '2026-02-30' }, 400, 'expectedCloseDate'],
      [{ lines: [{ productId: product, quantity: 0 }] }, 400, 'lines.0.quantity'],
      [{ lines: [{ productId: 999999, quantity: 1 }] }, 422, 'lines.0.productId'],
      [{ customerId: 999999 }, 422, 'customerId'],
      [{ customerId: 'x' }, 400, 'customerId'],
    ];
    for (const [body, status, field] of cases) {
      const r = await env.request('POST', '/api/v1/opportunities', {
        key: world.keys.staffN1,
        body: { customerId: customer, title: 'Bad', ...body },
      });
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await env.request('POST', '/api/v1/opportunities', { rawBody: '[' })).status).toBe(400);
    const huge = await env.request('POST', '/api/v1/opportunities', {
      body: {
        customerId: customer,
        title: 'x',
        lines: Array.from({ length: 60_000 }, () => ({ productId: product, quantity: 1 })),
      },
    });
    expect(huge.status).toBe(413);
    expect(
      (await env.request('PATCH', '/api/v1/opportunities/999999', { body: { title: 'x' } })).status,
    ).toBe(404);
    expect((await env.request('GET', '/api/v1/opportunities?stage=closed')).status).toBe(400);
    expect(await count('opportunities')).toBe(before);
  });
});
