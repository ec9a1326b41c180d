/**
 * One Server-Sent Events stream (GET /api/v1/events/stream): sends the caller's visible events
 * after a start id, then each new one as it is published, until the client goes away.
 *
 * - Woken by the event hub (hub.ts: after each API write commits, by other instances' NOTIFY,
 *   and by its poll) when the newest id moves; without a hub (no background in this process)
 *   it publishes and reads on its own poll. Either way it reads `id > cursor` itself, so a
 *   wake-up carries no data and a lost one costs latency, never an event.
 * - Reads in pages of PAGE_SIZE events from id ranges of at most SCAN_WINDOW, up to the newest
 *   id published: a backlog of millions never sits in memory, only one page, and no query scans
 *   more than one window however few of its events the caller may see.
 * - Memory per stream is bounded: once more than `bufferBytes` wait for the client, it stops
 *   reading until they drain; a client that takes nothing for `stallMs` meanwhile is cut off with
 *   a final `cutoff` message saying where to resume (Last-Event-ID). So a slow reader sets the
 *   pace, and a stuck one costs at most the bound.
 * - Heartbeat comments every `heartbeatMs` on a connection with nothing waiting; each heartbeat
 *   also asks whether the caller's key or session is still valid (api/auth/still-signed-in.ts).
 */
import type { Request, Response } from 'express';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { stillSignedIn } from '../auth/still-signed-in.ts';
import { POLL_MS, type EventHub } from './hub.ts';
import { publishAll } from './publish.ts';
import { readEvents, readMarks, SCAN_WINDOW } from './repository.ts';
import { toEventDto, type FeedFilters } from './schemas.ts';
import { commentMessage, cutoffMessage, eventMessage, type CutoffReason } from './sse.ts';

/** Events read from the database at once. */
export const PAGE_SIZE = 500;
/** The least time a cut-off client gets to read the final message before its socket is closed. */
const FINAL_GRACE_MS = 5_000;

export interface StreamSettings {
  heartbeatMs: number;
  bufferBytes: number;
  stallMs: number;
}

export interface StreamInput {
  db: Kysely<DB>;
  /** The server's event hub; absent in a process without the background. */
  hub?: EventHub;
  req: Request;
  res: Response;
  principal: Principal;
  /** What the caller may see (visibility.ts), read once at the start. */
  visible: RawBuilder<SqlBool>;
  filters: FeedFilters;
  /** Resume after this id (checked against retention by the caller). */
  after: number;
  settings: StreamSettings;
  log: Logger;
  clock: () => Date;
}

/** Run the stream until the client goes away or it cuts itself off. */
export async function runEventStream(input: StreamInput): Promise<void> {
  await new EventStream(input).run();
}

class EventStream {
  /** Every visible event up to here has been sent. */
  private cursor: number;
  /** The last event actually sent: where the client resumes. */
  private lastSent: number;
  private ended = false;
  /** Set by a wake-up during a pass, so the loop reads again instead of sleeping. */
  private woken = false;
  private wakeWaiter: (() => void) | undefined;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly input: StreamInput) {
    this.cursor = input.after;
    this.lastSent = input.after;
  }

  async run(): Promise<void> {
    const { res, req, hub, settings } = this.input;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx buffers proxied answers unless told not to; a buffered stream is no stream.
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(commentMessage(`events after ${this.cursor}`));
    res.on('close', () => this.stop());
    if (hub) {
      this.cleanups.push(hub.subscribe(() => this.wake()));
      this.cleanups.push(
        hub.onClose(() => this.cutOff('shutting-down', 'the server is shutting down')),
      );
    } else {
      const poll = setInterval(() => this.wake(), POLL_MS);
      this.cleanups.push(() => clearInterval(poll));
    }
    const heartbeat = setInterval(() => void this.heartbeat(), settings.heartbeatMs);
    this.cleanups.push(() => clearInterval(heartbeat));
    try {
      await this.loop();
    } catch (err) {
      this.input.log.warn({ err }, 'an event stream failed');
      this.cutOff('error', 'the server could not read events');
    }
  }

  private async loop(): Promise<void> {
    while (!this.ended) {
      this.woken = false;
      // Without a hub nobody else numbers committed events for this process to read.
      if (!this.input.hub) await publishAll(this.input.db);
      if (!(await this.sendBacklog())) return;
      if (this.ended) return;
      if (!this.woken) await new Promise<void>((resolve) => (this.wakeWaiter = resolve));
    }
  }

  /** Send every visible event up to the newest published id; false once the stream ended. */
  private async sendBacklog(): Promise<boolean> {
    const { db, filters, visible } = this.input;
    for (;;) {
      const { last } = await readMarks(db);
      if (this.cursor >= last) return !this.ended;
      const upTo = Math.min(last, this.cursor + SCAN_WINDOW);
      const rows = await readEvents(db, {
        after: this.cursor,
        upTo,
        limit: PAGE_SIZE,
        filters,
        visible,
      });
      // Retention marks before it deletes (retention.ts): a mark past the cursor now means the
      // page may have lost rows to a prune that ran during the read. Send none of it.
      if ((await readMarks(db)).prunedThrough > this.cursor) {
        this.cutOff(
          'pruned',
          'events after the last one sent were removed by retention; reconnect to learn the oldest kept',
        );
        return false;
      }
      for (const row of rows) {
        if (this.ended) return false;
        this.input.res.write(eventMessage(toEventDto(row)));
        this.cursor = this.lastSent = row.id;
        if (!(await this.room())) return false;
      }
      // A short page read the window to its end; rows in it that are not among them are not for
      // this caller: skip past them.
      if (rows.length < PAGE_SIZE) this.cursor = Math.max(this.cursor, upTo);
    }
  }

  /**
   * True when the client may be sent more: at most `bufferBytes` wait for it, or they drained
   * within `stallMs`. Otherwise the stream cuts itself off (false).
   */
  private async room(): Promise<boolean> {
    const { res, settings } = this.input;
    if (this.ended) return false;
    if (res.writableLength <= settings.bufferBytes) return true;
    const drained = await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        res.off('drain', onDrain);
        res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(false), settings.stallMs);
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
    if (drained) return !this.ended;
    this.cutOff(
      'slow-consumer',
      `the client read nothing of ${res.writableLength} bytes for ${settings.stallMs / 1000} s`,
    );
    return false;
  }

  private wake(): void {
    this.woken = true;
    const waiter = this.wakeWaiter;
    this.wakeWaiter = undefined;
    waiter?.();
  }

  private async heartbeat(): Promise<void> {
    if (this.ended) return;
    const { db, principal, clock, res } = this.input;
    let signedIn: boolean;
    try {
      signedIn = await stillSignedIn(db, principal, clock());
    } catch (err) {
      // The database is away for a moment: the next heartbeat asks again.
      this.input.log.warn({ err }, 'an event stream could not check its caller');
      return;
    }
    if (!signedIn) {
      this.cutOff('signed-out', 'the key was revoked or the session ended; sign in again');
      return;
    }
    // With bytes waiting the connection is not quiet, and a full buffer must not grow.
    if (!this.ended && res.writableLength === 0) res.write(commentMessage('heartbeat'));
  }

  /** End the stream with the final message; the client resumes from `lastSent`. */
  private cutOff(reason: CutoffReason, why: string): void {
    if (this.ended) return;
    const { res, settings } = this.input;
    const detail = `${why}; reconnect with Last-Event-ID: ${this.lastSent} (or ?after=${this.lastSent})`;
    res.end(cutoffMessage({ reason, lastEventId: this.lastSent, detail }));
    this.stop();
    // A client that never reads would hold its socket (and the bytes in it) forever.
    const grace = setTimeout(() => res.destroy(), Math.max(settings.stallMs, FINAL_GRACE_MS));
    grace.unref();
    res.once('close', () => clearTimeout(grace));
  }

  /** Unsubscribe, stop the timers and let the loop finish. */
  private stop(): void {
    if (this.ended) return;
    this.ended = true;
    for (const undo of this.cleanups.splice(0)) undo();
    this.wake();
  }
}
