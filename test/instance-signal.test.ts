/**
 * db/instance-signal.ts, which the change signal and the event hub share: on PostgreSQL a
 * `tell()` reaches the other instances' listeners (not the teller's own), coalesced to one
 * NOTIFY per interval; on the embedded database there is no other instance and both are no-ops.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InstanceSignal } from '../db/instance-signal.ts';
import type { OperationalDb } from '../db/operational.ts';
import { describeBoth, openTestDb, tempDir, type DbKind } from './support/harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeBoth('instance signal', (kind: DbKind) => {
  let ops: OperationalDb;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestDb(kind, tempDir());
    ops = opened.ops;
    dispose = opened.dispose;
  });
  afterAll(async () => {
    await dispose?.();
  });

  const make = (instance: string, heard: string[]) =>
    new InstanceSignal(ops, {
      channel: 'salesops_test_signal',
      instance,
      everyMs: 200,
      what: 'test',
      onOther: () => heard.push(instance),
      log: pino({ level: 'silent' }),
    });

  it('a tell reaches the others, once per interval however many writes', async () => {
    const heard: string[] = [];
    const a = make('a', heard);
    const b = make('b', heard);
    await a.listen();
    await b.listen();
    try {
      for (let i = 0; i < 10; i++) a.tell();
      await sleep(400);
      // b heard a (one coalesced NOTIFY); a does not hear itself. Embedded: no one.
      expect(heard).toEqual(kind === 'postgres' ? ['b'] : []);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
