/**
 * The outbox's read order (api/events/publish.ts): writers commit out of insert order, and a
 * reader that resumes "after the last id it saw" must still get every event exactly once, in
 * the order of the writes per entity. Concurrent writers hold their transactions open for
 * random times after inserting, so row_id order and commit order disagree, while a reader
 * publishes and reads in a loop. On PostgreSQL also two publishers race.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../db/schema.ts';
import { recordEvents } from '../api/events/outbox.ts';
import { publishAll, publishEvents } from '../api/events/publish.ts';
import { describeBoth, openTestDb, tempDir, type DbKind } from './support/harness.ts';

const WRITERS = 40;
const PER_WRITER = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  id: number;
  entity_id: string;
  n: number;
}

/** Read published events after `after`, oldest first. */
async function readAfter(db: Kysely<DB>, after: number): Promise<Seen[]> {
  const rows = await db
    .selectFrom('events')
    .select(['id', 'entity_id', sql<number>`(payload->>'n')::int`.as('n')])
    .where('id', '>', after)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), entity_id: r.entity_id, n: r.n }));
}

describeBoth('events: publication order', (kind: DbKind) => {
  let db: Kysely<DB>;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestDb(kind, tempDir());
    db = opened.ops.db;
    dispose = opened.dispose;
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('nothing waits: publishing does nothing and numbers nothing', async () => {
    expect(await publishEvents(db)).toBe(0);
  });

  it('a reader resuming after the last id it saw gets every event once, in write order per entity', async () => {
    // Each writer owns one entity and writes its events one transaction at a time, holding the
    // transaction open a random while after the insert: others insert and commit meanwhile.
    const writer = async (w: number) => {
      for (let n = 0; n < PER_WRITER; n++) {
        await db.transaction().execute(async (trx) => {
          await recordEvents(trx, [
            { type: 'test.written', entity: { type: 'test', id: w }, payload: { n } },
          ]);
          await sleep(Math.random() * 15);
        });
      }
    };
    const seen: Seen[] = [];
    let done = false;
    const reader = (async () => {
      let after = 0;
      for (;;) {
        const finished = done; // read before publishing: a last pass after the writers end
        await publishEvents(db);
        const got = await readAfter(db, after);
        seen.push(...got);
        if (got.length) after = got[got.length - 1]!.id;
        if (finished) return;
        await sleep(2);
      }
    })();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    done = true;
    await reader;

    expect(seen).toHaveLength(WRITERS * PER_WRITER);
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (let w = 0; w < WRITERS; w++) {
      const mine = seen.filter((s) => s.entity_id === String(w)).map((s) => s.n);
      expect(mine).toEqual([0, 1, 2, 3, 4]);
    }
    // The ids are dense from where this test began: nothing numbered twice or skipped.
    expect(ids[ids.length - 1]! - ids[0]! + 1).toBe(ids.length);
  });

  it('publishers racing number each event once', async () => {
    await recordEvents(
      db,
      Array.from({ length: 300 }, (_, i) => ({
        type: 'test.bulk',
        entity: { type: 'bulk', id: i },
        payload: { n: i },
      })),
    );
    const counts = await Promise.all([publishAll(db), publishAll(db), publishAll(db)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    const bulk = await db
      .selectFrom('events')
      .select(['id', 'entity_id'])
      .where('type', '=', 'test.bulk')
      .orderBy('id')
      .execute();
    expect(bulk.map((r) => Number(r.entity_id))).toEqual(bulk.map((_, i) => i));
    const counter = await db.selectFrom('event_counter').select('last').executeTakeFirstOrThrow();
    expect(Number(counter.last)).toBe(Number(bulk[bulk.length - 1]!.id));
  });

  it('a payload carrying a secret is refused before anything is written', async () => {
    await expect(
      recordEvents(db, [
        { type: 'test.secret', entity: { type: 'x', id: 1 }, payload: { key: { secret: 's' } } },
      ]),
    ).rejects.toThrow(/secret: key\.secret/);
    const n = await db
      .selectFrom('events')
      .select((e) => e.fn.countAll<string>().as('n'))
      .where('type', '=', 'test.secret')
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(0);
  });
});
