/**
 * Every write route records the events docs/events.md says it does, no more and no fewer. The
 * routes come from the role matrix (docs/access.md, test/support/access-matrix.ts), so a new
 * write route fails here until the catalogue lists its events or says why it records none; the
 * expectations come from the catalogue table itself (test/support/event-catalogue.ts), so the
 * page and the app cannot drift. Each route is called once with a valid request as admin, over
 * HTTP, and what it recorded is read after the publisher numbered it; each "(when …)" case of
 * the catalogue is brought about once too (test/events-when.test.ts). Payloads are the route's
 * answer.
 */
import { loggedUrl } from '../api/webhooks/logged-url.ts';
import { describe, expect, it } from 'vitest';
import { readMatrix } from './support/access-matrix.ts';
import {
  eventsByRoute,
  expectedTypes,
  readCatalogue,
  readNoEventRoutes,
} from './support/event-catalogue.ts';
import {
  ANSWER_ONLY,
  EVENT_ONLY,
  checkEnvelope,
  useRouteSuite,
  without,
} from './support/event-recording.ts';
import { ok, orderIn, type WalkWorld } from './support/event-walk.ts';
import { eventsAfter, lastEventId } from './support/seen-events.ts';
import { QUEUES_RUNS, WALK } from './support/walk-requests.ts';
import { describeBoth, type TestEnv } from './support/harness.ts';

const CATALOGUE = readCatalogue();
const BY_ROUTE = eventsByRoute(CATALOGUE);
const NO_EVENTS = readNoEventRoutes();
const WRITES = readMatrix().filter((r) => r.method !== 'GET');

describe('events: the catalogue (docs/events.md)', () => {
  it('names each type once, and every route it names is a write route of the role matrix', () => {
    const types = CATALOGUE.map((r) => r.type);
    expect(types.filter((t, i) => types.indexOf(t) !== i)).toEqual([]);
    const writes = new Set(WRITES.map((r) => r.route));
    const named = [...BY_ROUTE.keys(), ...NO_EVENTS.keys()];
    expect(named.filter((r) => !writes.has(r))).toEqual([]);
  });

  it('lists every write route of the role matrix: with its events, or among those that record none, not both', () => {
    const both = [...NO_EVENTS.keys()].filter((r) => BY_ROUTE.has(r));
    expect(both, 'in the catalogue and among the routes without events').toEqual([]);
    const missing = WRITES.map((r) => r.route).filter((r) => !BY_ROUTE.has(r) && !NO_EVENTS.has(r));
    expect(missing, 'write routes docs/events.md says nothing about').toEqual([]);
    expect(
      WRITES.map((r) => r.route).filter((r) => !WALK[r]),
      'routes without a walk request',
    ).toEqual([]);
  });
});

describeBoth('events: every write route records its catalogue events', (kind) => {
  let env: TestEnv;
  let w: WalkWorld;
  let adminKeyId: number;
  /** Call `method url` as admin; the answer and the events it recorded. */
  const recorded = useRouteSuite(kind, (suite) => ({ env, w, adminKeyId } = suite));

  for (const row of WRITES) {
    it(`${row.route}`, async () => {
      const setup = WALK[row.route];
      if (!setup) throw new Error(`no walk request for ${row.route}`);
      const req = await setup(w);
      const { res, all, mine } = await recorded(row.method, req.url, req.body);
      // Jobs a route queued may record their own events (no actor); nothing else may appear.
      const others = all.filter((e) => e.actorKeyId !== adminKeyId);
      if (QUEUES_RUNS.has(row.route)) expect(others.every((e) => e.actorKeyId === null)).toBe(true);
      else
        expect(
          others.map((e) => e.type),
          'events of no actor',
        ).toEqual([]);

      const types = [...new Set(mine.map((e) => e.type))].sort();
      expect(types, `${row.route}: the types docs/events.md lists`).toEqual(
        expectedTypes(BY_ROUTE.get(row.route)),
      );
      for (const e of mine) checkEnvelope(e);

      // The payload is the route's answer (less one-time secrets and history lists).
      const answer = res.body as Record<string, any> | undefined;
      const items: Record<string, any>[] =
        answer?.movements ?? (answer?.id !== undefined ? [answer] : []);
      for (const item of items) {
        const e = mine.find((x) => x.entityId === String(item.id));
        if (!e) continue;
        // A webhook's URL is kept as origin + fingerprint outside its own answer (a URL is
        // often a credential: api/webhooks/logged-url.ts).
        const shown = e.entityType === 'webhook' ? { ...item, url: loggedUrl(item.url) } : item;
        expect(without(e.payload, EVENT_ONLY), `${row.route}: payload`).toEqual(
          without(shown, ANSWER_ONLY),
        );
      }
      // A change or delete of a record is about that record.
      if (row.method === 'PATCH' || row.method === 'DELETE')
        for (const e of mine)
          expect(req.url.endsWith(`/${e.entityId}`), `${e.type} ${e.entityId}`).toBe(true);
    });
  }

  it("an order's whole life records its events in order: create, confirm, approval, ship, deliver, return; and a cancel", async () => {
    const after = await lastEventId(env);
    const big = await ok(env, 'POST', '/orders', {
      customerId: w.customerId,
      lines: [{ productId: w.bigProductId, quantity: 1 }],
    });
    for (const action of ['confirm', 'approve', 'ship', 'deliver'])
      await ok(env, 'POST', `/orders/${big.id}/${action}`);
    const returned = await ok(env, 'POST', `/orders/${big.id}/return`, {
      lines: [{ lineId: big.lines[0].id, quantity: 1 }],
    });
    const small = await orderIn(w, 'confirmed');
    const cancelled = await ok(env, 'POST', `/orders/${small.id}/cancel`);
    const events = await eventsAfter(env, after);
    const of = (id: number) =>
      events.filter((e) => e.entityType === 'order' && e.entityId === String(id));
    expect(of(big.id).map((e) => e.type)).toEqual([
      'order.created',
      'order.pending_approval',
      'order.approved',
      'order.shipped',
      'order.delivered',
      'order.returned',
    ]);
    expect(of(big.id).map((e) => [e.payload.transition.fromStatus, e.payload.status])).toEqual([
      [null, 'draft'],
      ['draft', 'pending_approval'],
      ['pending_approval', 'confirmed'],
      ['confirmed', 'shipped'],
      ['shipped', 'delivered'],
      ['delivered', 'returned'],
    ]);
    expect(of(small.id).map((e) => e.type)).toEqual([
      'order.created',
      'order.confirmed',
      'order.cancelled',
    ]);
    // The last events are the orders as their last answers show them.
    expect(without(of(big.id).at(-1)!.payload, EVENT_ONLY)).toEqual(without(returned, ANSWER_ONLY));
    expect(without(of(small.id).at(-1)!.payload, EVENT_ONLY)).toEqual(
      without(cancelled, ANSWER_ONLY),
    );
    // order_events stays the order view of the outbox: the same types, in the same order.
    for (const order of [returned, cancelled])
      expect(order.events.map((e: { type: string }) => e.type)).toEqual(
        of(order.id).map((e) => e.type),
      );
  });
});
