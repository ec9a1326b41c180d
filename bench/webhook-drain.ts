/**
 * bench/webhook-drain.ts — how fast the webhook dispatcher (api/webhooks/dispatcher.ts) empties a
 * backlog, against the HTTP alone: `events` events already in the outbox (on `entities`
 * entities, so each entity's events go one at a time, in order) for one webhook whose receiver
 * runs in a worker thread.
 *
 * - baseline: the same number of signed POSTs of the same bodies to the same receiver, at the
 *   same concurrency, straight from postDelivery (no database at all);
 * - dispatcher: a WebhookDispatcher started on the backlog until the receiver has every event.
 * The ratio dispatcher / baseline is what the bookkeeping (pick, lease, record, per-entity order)
 * costs; the deliveries per second are what a burst of business meets.
 *
 *   npx tsx bench/webhook-drain.ts [events = 4000] [entities = 2000] [concurrency = default]
 * Uses a fresh database on TEST_PG_URL's cluster, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { recordEvents } from '../api/events/outbox.ts';
import { publishAll } from '../api/events/publish.ts';
import { resolveTarget } from '../api/webhooks/address.ts';
import { WebhookDispatcher } from '../api/webhooks/dispatcher.ts';
import { encryptSecret, generateSecret } from '../api/webhooks/secret.ts';
import { postDelivery } from '../api/webhooks/send.ts';
import { signDelivery, webhookMessageId } from '../api/webhooks/signature.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openPostgres } from '../db/postgres.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { startReceiverWorker } from './receiver-worker.ts';

const EVENTS = Number(process.argv[2] ?? 4000);
const ENTITIES = Number(process.argv[3] ?? 2000);
const CONCURRENCY = process.argv[4] ? Number(process.argv[4]) : undefined;

async function main(): Promise<void> {
  const target = await createTestDatabase('salesops_bench');
  const ops = await openPostgres(target.url, { max: 10 });
  let arrived = 0;
  let done: () => void = () => {};
  const receiver = await startReceiverWorker(() => {
    if (++arrived === EVENTS) done();
  });
  const allArrived = () => new Promise<void>((resolve) => (done = resolve));
  try {
    await migrateToLatest(ops.db);
    const key = randomBytes(32);
    const secret = generateSecret();
    await ops.db
      .insertInto('webhooks')
      .values({
        url: receiver.url,
        event_types: ['*'],
        secret_encrypted: encryptSecret(key, secret),
      })
      .execute();
    for (let from = 0; from < EVENTS; from += 1000)
      await ops.db.transaction().execute((trx) =>
        recordEvents(
          trx,
          Array.from({ length: Math.min(1000, EVENTS - from) }, (_, k) => ({
            type: 'order.updated',
            entity: { type: 'order', id: String(((from + k) % ENTITIES) + 1) },
            payload: { n: from + k, note: 'a bench event' },
          })),
        ),
      );
    await publishAll(ops.db);
    const bodies = (
      await ops.db.selectFrom('events').select(['id', 'payload']).orderBy('id').execute()
    ).map((e) => ({ id: Number(e.id), body: JSON.stringify({ id: e.id, data: e.payload }) }));

    // --- baseline: the HTTP alone -----------------------------------------------------------
    const concurrency = CONCURRENCY ?? new WebhookDispatcher(ops.db, pino(), opts(key)).concurrency;
    const resolved = await resolveTarget(new URL(receiver.url), true);
    let t0 = performance.now();
    let next = 0;
    const arrivedAll = allArrived();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const { id, body } = bodies[next++]!;
          const headers = signDelivery(
            secret,
            webhookMessageId(id),
            Math.floor(Date.now() / 1000),
            body,
          );
          const r = await postDelivery(resolved, headers, body);
          if (!r.ok) throw new Error(`baseline POST failed: ${r.error}`);
        }
      }),
    );
    await arrivedAll;
    const baseline = EVENTS / ((performance.now() - t0) / 1000);

    // --- the dispatcher -----------------------------------------------------------------------
    arrived = 0;
    const dispatched = allArrived();
    t0 = performance.now();
    const dispatcher = new WebhookDispatcher(ops.db, pino({ level: 'silent' }), {
      ...opts(key),
      concurrency: CONCURRENCY,
    });
    dispatcher.start();
    await dispatched;
    const rate = EVENTS / ((performance.now() - t0) / 1000);
    await dispatcher.close();

    console.log(
      `${EVENTS} events on ${ENTITIES} entities to one webhook, ${concurrency} in flight, on ${ops.description}:`,
    );
    console.log(`  baseline (signed POSTs alone): ${baseline.toFixed(0)} deliveries/s`);
    console.log(`  dispatcher:                    ${rate.toFixed(0)} deliveries/s`);
    console.log(`  ratio dispatcher / baseline:   ${(rate / baseline).toFixed(2)}`);
  } finally {
    await receiver.terminate();
    await ops.close();
    await target.drop();
  }
}

function opts(key: Buffer) {
  return {
    allowPrivate: true,
    key: () => key,
    retryBaseMs: 1000,
    retryWindowMs: 60_000,
    disableFailures: 1_000_000,
    disableAfterMs: 0,
  };
}

await main();
