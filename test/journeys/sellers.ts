/**
 * The journeys of the people who sell: Tom (staff) sells to a new customer, from draft to a
 * return, and Eva (his manager) approves a large order and reads the team report. Steps of the
 * one story in users.test.ts, kept in their own file by concern; `j` is that story's shared
 * state, read when each step runs.
 */
import { describe, expect, it } from 'vitest';
import { cents, items, lastQuarter, show } from './support.ts';
import type { Journey } from './readers.ts';

export function sellerJourneys(
  kind: string,
  j: Pick<Journey, 'admin' | 'staff' | 'manager'>,
): void {
  describe('staff: Tom sells to a new customer', () => {
    let customerId: number;
    let products: { id: number; available: number }[];
    let order: any;

    const level = async (productId: number) =>
      items(await j.staff.get(`/stock?productId=${productId}&warehouseId=1`))[0];

    it('creates the customer', async () => {
      const r = await j.staff.post('/customers', {
        code: `J-${kind}`,
        name: 'Journey Bakery GmbH',
        email: 'orders@journey-bakery.example',
        country: 'DE',
        group: 'retail',
      });
      expect(r.status, show(r)).toBe(201);
      customerId = r.body.id;
      const me = (await j.staff.get('/me')).body;
      expect(r.body.ownerRepId).toBe(me.repId);
    });

    it('takes a two-line order for it, one line with a 5 % discount', async () => {
      // Two products in stock that cost something: the demo refuses orders under 10.00.
      const stock = items(await j.staff.get('/stock?warehouseId=1&limit=1000'));
      const catalog = items(await j.staff.get('/products?limit=500'));
      const price = new Map(catalog.map((p) => [p.id, Number(p.listPrice)]));
      products = stock
        .filter((s) => s.available >= 10 && (price.get(s.productId) ?? 0) >= 10)
        .slice(0, 2)
        .map((s) => ({ id: s.productId, available: s.available }));
      expect(products).toHaveLength(2);
      const r = await j.staff.post('/orders', {
        customerId,
        warehouseId: 1,
        notes: 'first order, deliver before noon',
        lines: [
          { productId: products[0]!.id, quantity: 3 },
          { productId: products[1]!.id, quantity: 4, discount: '0.05' },
        ],
      });
      expect(r.status, show(r)).toBe(201);
      order = r.body;
      expect(order).toMatchObject({ status: 'draft', customerId });
      expect(order.number).toMatch(/^SO-\d{6,}$/);
      expect(order.lines).toHaveLength(2);
    });

    it('may not hand an order to a rep of another team', async () => {
      const south = items(await j.admin.get('/reps?teamId=2&limit=1'))[0];
      const r = await j.staff.post('/orders', {
        customerId,
        repId: south.id,
        lines: [{ productId: products[0]!.id, quantity: 1 }],
      });
      expect(r.status, show(r)).toBe(422);
      expect(r.body.errors).toEqual([expect.objectContaining({ field: 'repId' })]);
    });

    it('confirms it, and the stock is reserved', async () => {
      expect(order, 'the order taken in the step before').toBeDefined();
      const before = await level(products[0]!.id);
      const r = await j.staff.post(`/orders/${order.id}/confirm`);
      expect(r.status, show(r)).toBe(200);
      expect(r.body.status).toBe('confirmed');
      expect((await level(products[0]!.id)).reserved).toBe(before.reserved + 3);
    });

    it('ships it, and the units leave the warehouse', async () => {
      expect(order, 'the order taken before').toBeDefined();
      const before = await level(products[0]!.id);
      const r = await j.staff.post(`/orders/${order.id}/ship`);
      expect(r.status, show(r)).toBe(200);
      expect(r.body.status).toBe('shipped');
      const after = await level(products[0]!.id);
      expect(after.onHand).toBe(before.onHand - 3);
      expect(after.reserved).toBe(before.reserved - 3);
    });

    it('marks it delivered', async () => {
      expect(order, 'the order taken before').toBeDefined();
      const r = await j.staff.post(`/orders/${order.id}/deliver`);
      expect(r.status, show(r)).toBe(200);
      expect(r.body.status).toBe('delivered');
    });

    it('takes the discounted line back; totals still add up to the cent', async () => {
      expect(order, 'the order taken before').toBeDefined();
      const line = order.lines.find((l: any) => l.productId === products[1]!.id);
      const before = await level(products[1]!.id);
      const r = await j.staff.post(`/orders/${order.id}/return`, {
        lines: [{ lineId: line.id, quantity: 4 }],
        reason: 'wrong size',
      });
      expect(r.status, show(r)).toBe(200);
      expect(r.body.status).toBe('returned');
      const { subtotal, discountTotal, returnedTotal, total } = r.body;
      expect(cents(returnedTotal)).toBeGreaterThan(0n);
      expect(cents(subtotal) - cents(discountTotal) - cents(returnedTotal)).toBe(cents(total));
      expect((await level(products[1]!.id)).onHand).toBe(before.onHand + 4);
    });

    it('cancels another order after confirming it, and the reservation is released', async () => {
      const created = await j.staff.post('/orders', {
        customerId,
        lines: [{ productId: products[0]!.id, quantity: 2 }],
      });
      expect(created.status, show(created)).toBe(201);
      const before = await level(products[0]!.id);
      const confirmed = await j.staff.post(`/orders/${created.body.id}/confirm`);
      expect(confirmed.body?.status, show(confirmed)).toBe('confirmed');
      const r = await j.staff.post(`/orders/${created.body.id}/cancel`, {
        reason: 'customer changed their mind',
      });
      expect(r.status, show(r)).toBe(200);
      expect(r.body.status).toBe('cancelled');
      expect(await level(products[0]!.id)).toEqual(before);
    });
  });

  describe('a manager: Eva approves a large order and reads the team report', () => {
    let pending: any;

    it("sees Tom's large order wait for approval", async () => {
      // Tom's customer has no credit limit; the demo's approval rule fires above 20,000.00.
      const customer = items(await j.staff.get('/customers?q=Journey%20Bakery'))[0];
      const product = (await j.staff.get('/products?limit=1')).body.items[0];
      const quantity = Math.ceil(26_000 / Number(product.listPrice));
      const received = await j.staff.post('/stock/movements', {
        type: 'receipt',
        productId: product.id,
        warehouseId: 1,
        quantity,
        reason: 'container for the bakery chain',
      });
      expect(received.status, show(received)).toBe(201);
      const created = await j.staff.post('/orders', {
        customerId: customer.id,
        warehouseId: 1,
        lines: [{ productId: product.id, quantity }],
      });
      expect(created.status, show(created)).toBe(201);
      const confirmed = await j.staff.post(`/orders/${created.body.id}/confirm`);
      expect(confirmed.status, show(confirmed)).toBe(200);
      expect(confirmed.body.status).toBe('pending_approval');
      const waiting = items(await j.manager.get('/orders?status=pending_approval&limit=500'));
      pending = waiting.find((o) => o.id === created.body.id);
      expect(pending, 'the manager sees the order of her team').toBeDefined();
    });

    it('approves it', async () => {
      expect(pending, 'the pending order of the step before').toBeDefined();
      const r = await j.manager.post(`/orders/${pending.id}/approve`);
      expect(r.status, show(r)).toBe(200);
      expect(r.body.status).toBe('confirmed');
    });

    it('reads the team report for last quarter: revenue, quota and attainment', async () => {
      const period = lastQuarter();
      const r = await j.manager.get(`/reports/team?period=${period}`);
      expect(r.status, show(r)).toBe(200);
      expect(r.body.period).toBe(period);
      const team = r.body.rows.filter((row: any) => row.level === 'team');
      expect(team.map((row: any) => row.teamName)).toEqual(['North']);
      expect(cents(team[0].revenue)).toBeGreaterThan(0n);
      expect(team[0].quota, 'every month of the quarter has quotas').not.toBeNull();
      expect(team[0].attainment).not.toBeNull();
      const reps = r.body.rows.filter((row: any) => row.level === 'rep');
      expect(reps.length).toBeGreaterThan(0);
      for (const rep of reps) expect(rep.quota, rep.repName).not.toBeNull();
    });
  });
}
