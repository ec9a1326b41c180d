/**
 * Fix for pglite-socket 0.2's query queue. It hands PGlite one protocol message at a time and
 * keeps a connection's turn only while a transaction is open. pg sends every parameterised query
 * as Parse/Bind/Describe/Execute/Sync, so two concurrent autocommit queries from different
 * connections interleave and clobber each other's unnamed statement ("unnamed prepared statement
 * does not exist", "portal "" does not exist") — e.g. two requests authenticating at once.
 * This replacement also keeps the turn from a connection's first extended-protocol message to
 * its Sync, and lets the queue go on after a failed message instead of stalling.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

interface QueueItem {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (e: unknown) => void;
  onData: (data: Uint8Array) => void;
}

interface QueueInternals {
  queue: QueueItem[];
  processing: boolean;
  db: PGlite;
  lastHandlerId: number | null;
  processQueue: () => Promise<void>;
  clearQueueForHandler: (handlerId: number) => void;
}

/** Parse, Bind, Describe, Execute, Close, Flush: a Sync (or a simple Query) must follow. */
const MID_SEQUENCE = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));

/** Patch `server`'s queue in place; call before start(). */
export function keepExtendedQueryTurns(server: PGLiteSocketServer): void {
  const q = (server as unknown as { queryQueue: QueueInternals }).queryQueue;
  let midSequence = false;

  q.processQueue = async function processQueue(this: QueueInternals) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        let item: QueueItem | undefined;
        if (this.lastHandlerId !== null && (midSequence || this.db.isInTransaction())) {
          const i = this.queue.findIndex((x) => x.handlerId === this.lastHandlerId);
          if (i === -1) break; // its next message has not arrived yet; enqueue() resumes us
          item = this.queue.splice(i, 1)[0]!;
        } else {
          item = this.queue.shift()!;
        }
        let bytes = 0;
        const current = item;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(current.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (e) {
          midSequence = false;
          this.lastHandlerId = null;
          current.reject(e);
          continue;
        }
        this.lastHandlerId = current.handlerId;
        midSequence = MID_SEQUENCE.has(current.message[0]!);
        current.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };

  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    // A connection that went away mid-sequence must not keep the turn.
    if (q.lastHandlerId === handlerId && midSequence) {
      midSequence = false;
      if (!q.db.isInTransaction()) q.lastHandlerId = null;
      void q.processQueue();
    }
  };
}
