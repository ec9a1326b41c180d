/**
 * Wake-ups when events commit: LISTEN on `salesops_events`, which the events table's statement
 * trigger NOTIFYs in the writing transaction (delivered at commit, so never ahead of the data).
 * PostgreSQL: one pooled connection kept listening, listening again after it is lost (and
 * waking once then, for what was missed). Embedded: PGlite's one backend LISTENs and every pool
 * client forwards what it hears (db/embedded.ts `notifications`) — the in-process signal.
 * Readers poll as well (hub.ts), so a lost wake-up costs latency, never an event.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { EmbeddedDb } from '../../db/embedded.ts';
import type { OperationalDb } from '../../db/operational.ts';

export const EVENTS_CHANNEL = 'salesops_events';
const RELISTEN_MS = 2_000;

export interface EventWakeups {
  close(): Promise<void>;
}

/** Call `wake` after every commit that wrote events (and after a lost listener comes back). */
export async function listenForEvents(
  ops: OperationalDb,
  wake: () => void,
  log: Logger,
): Promise<EventWakeups> {
  if (ops.kind === 'embedded') return listenEmbedded(ops as EmbeddedDb, wake);
  return listenPostgres(ops, wake, log);
}

async function listenEmbedded(ops: EmbeddedDb, wake: () => void): Promise<EventWakeups> {
  const onNotification = (msg: pg.Notification) => {
    if (msg.channel === EVENTS_CHANNEL) wake();
  };
  ops.notifications.on('notification', onNotification);
  await ops.pool.query(`LISTEN ${EVENTS_CHANNEL}`);
  return {
    async close() {
      ops.notifications.off('notification', onNotification);
    },
  };
}

async function listenPostgres(
  ops: OperationalDb,
  wake: () => void,
  log: Logger,
): Promise<EventWakeups> {
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const connect = async (): Promise<void> => {
    if (closed) return;
    try {
      const c = await ops.pool.connect();
      c.on('notification', (msg) => {
        if (msg.channel === EVENTS_CHANNEL) wake();
      });
      c.on('error', (err) => {
        log.warn({ err }, 'lost the event listener; listening again shortly');
        if (client === c) client = undefined;
        c.release(err);
        schedule();
      });
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      client = c;
      wake(); // whatever committed while nobody listened
    } catch (err) {
      log.warn({ err }, 'could not listen for events; retrying');
      schedule();
    }
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RELISTEN_MS);
    retry.unref();
  };
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) {
        await c.query(`UNLISTEN ${EVENTS_CHANNEL}`).catch(() => {});
        c.release();
      }
    },
  };
}
