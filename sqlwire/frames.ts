/**
 * The bytes a client sends, cut into the protocol's messages. Before start-up a message has no
 * type byte (SSLRequest, CancelRequest, StartupMessage: length, then body); after it every
 * message is a type byte, a length that counts itself, and the body. Reading is pull-based:
 * the connection asks for the next message when it is ready for one, so a client that pipelines
 * (Parse, Bind, Execute, Sync in one write) is served in order, and a long query holds the rest.
 */
import type { Duplex } from 'node:stream';

/** One message from the client: its type (0 for the untyped start-up ones) and body. */
export interface Frame {
  type: number;
  body: Buffer;
}

/** A message longer than this is refused: a query is at most 100,000 characters (api/sql). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

export class FrameReader {
  private buffered: Buffer[] = [];
  private size = 0;
  private waiter: (() => void) | undefined;
  private ended = false;
  private detach: () => void = () => {};

  constructor(stream: Duplex) {
    this.attach(stream);
  }

  /** Read from `stream` from now on (the TLS socket after the upgrade). */
  attach(stream: Duplex): void {
    this.detach();
    const onData = (chunk: Buffer) => {
      this.buffered.push(chunk);
      this.size += chunk.length;
      this.wake();
    };
    const onEnd = () => {
      this.ended = true;
      this.wake();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onEnd);
    this.detach = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onEnd);
    };
  }

  /** Stop reading the current stream (before a TLS upgrade takes it over). */
  release(): void {
    this.detach();
    this.detach = () => {};
  }

  /** Bytes received and not yet read as a message (must be none before a TLS upgrade). */
  get pending(): number {
    return this.size;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  private peekInt32(at: number): number {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    this.buffered = [all];
    return all.readInt32BE(at);
  }

  /**
   * The next message, or undefined once the client has gone. `typed` is false before
   * start-up. Throws for a length the protocol cannot mean.
   */
  async next(typed: boolean): Promise<Frame | undefined> {
    const head = typed ? 5 : 4;
    for (;;) {
      if (this.size >= head) {
        const length = this.peekInt32(typed ? 1 : 0);
        if (length < 4 || length > MAX_FRAME_BYTES)
          throw new Error(`a message of ${length} bytes is not one this server reads`);
        const total = length + (typed ? 1 : 0);
        if (this.size >= total) {
          const bytes = this.take(total);
          return {
            type: typed ? bytes[0]! : 0,
            body: Buffer.from(bytes.subarray(head)),
          };
        }
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
