/**
 * `COPY … TO STDOUT` over a node-postgres connection, read lean. PostgreSQL sends one CopyData
 * message per row; pg-copy-streams gathers them through a buffer list and a Readable, which on
 * 1 M order lines cost this process ~0.4 s of CPU — on two cores, CPU that the ingest's DuckDB
 * parse needs. This reader strips the 5-byte message headers in place inside each socket chunk
 * (copyWithin, no allocation per row) and hands the sink one slice per chunk.
 *
 * It is a pg Submittable: `client.query(new CopyToSink(sql, sink)).done`. While the COPY runs it
 * takes the socket's data from pg's parser; at CopyDone, or at an ErrorResponse, it gives the rest
 * of the stream back, so pg sees CommandComplete / ErrorResponse / ReadyForQuery as usual.
 * ParameterStatus, Notice and Notification messages that arrive during the COPY are dropped
 * (nothing here LISTENs).
 */
import type pg from 'pg';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const COPY_OUT_RESPONSE = 0x48; // 'H'
/** Messages the backend may interleave with CopyData (ParameterStatus, Notice, Notification). */
const INTERLEAVED = new Set([COPY_OUT_RESPONSE, 0x53, 0x4e, 0x41]);

type DataHandler = (chunk: Buffer) => void;
/** The part of pg's Connection this needs (not in @types/pg). */
interface PgConnection {
  stream: NodeJS.EventEmitter;
  query(text: string): void;
}

export class CopyToSink implements pg.Submittable {
  /** Resolves with the row count once the backend is ready again; rejects on any failure. */
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (e: unknown) => void;
  private connection: PgConnection | undefined;
  private pgHandler: DataHandler | undefined;
  /** Bytes of a message header (or a whole non-data message) cut by the chunk boundary. */
  private carry: Buffer | undefined;
  /** Payload bytes of the current CopyData message still to come in later chunks. */
  private remaining = 0;
  private rows = 0;
  private failure: unknown;

  /** `sink` is called synchronously with a slice that is only valid during the call. */
  constructor(
    private readonly text: string,
    private readonly sink: (chunk: Uint8Array) => void,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => {}); // the caller awaits it; never an unhandled rejection
  }

  /** pg's Submittable contract: an Error returned here fails the query (a throw would escape). */
  submit(connection: unknown): Error | undefined {
    const conn = connection as PgConnection;
    const listeners = conn.stream.listeners('data') as DataHandler[];
    if (listeners.length !== 1) return new Error('unexpected pg connection: not one data listener');
    this.connection = conn;
    this.pgHandler = listeners[0]!;
    conn.stream.removeListener('data', this.pgHandler);
    conn.stream.on('data', this.onData);
    conn.query(this.text);
    return undefined;
  }

  private readonly onData = (input: Buffer): void => {
    let chunk = input;
    if (this.carry) {
      chunk = Buffer.concat([this.carry, input]);
      this.carry = undefined;
    }
    const len = chunk.length;
    let pos = 0;
    let out = 0;
    // Payload continuing from the previous chunk sits at the start: already in place.
    if (this.remaining > 0) {
      const n = Math.min(this.remaining, len);
      out = pos = n;
      this.remaining -= n;
    }
    while (pos < len) {
      if (len - pos < 5) {
        this.carry = Buffer.from(chunk.subarray(pos));
        break;
      }
      const code = chunk[pos]!;
      const bodyLength = chunk.readUInt32BE(pos + 1) - 4;
      if (code === COPY_DATA) {
        const start = pos + 5;
        const n = Math.min(bodyLength, len - start);
        chunk.copyWithin(out, start, start + n);
        out += n;
        pos = start + n;
        this.remaining = bodyLength - n;
        this.rows++;
        continue;
      }
      if (INTERLEAVED.has(code)) {
        if (pos + 5 + bodyLength > len) {
          this.carry = Buffer.from(chunk.subarray(pos));
          break;
        }
        pos += 5 + bodyLength;
        continue;
      }
      // CopyDone (consumed here), ErrorResponse or anything else: pg takes it from here.
      this.deliver(chunk.subarray(0, out));
      this.detach(chunk.subarray(code === COPY_DONE ? pos + 5 : pos));
      return;
    }
    this.deliver(chunk.subarray(0, out));
  };

  private deliver(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.failure !== undefined) return;
    try {
      this.sink(bytes);
    } catch (e) {
      // Fail at once (the ingest aborting, a full disk): the caller must not wait for the rest of
      // a big table. What PostgreSQL still sends is read and dropped here, so the connection
      // reaches ReadyForQuery and stays usable — or the caller closes it, which ends that too.
      this.failure = e;
      this.reject(e);
    }
  }

  private detach(rest: Buffer): void {
    const stream = this.connection!.stream;
    stream.removeListener('data', this.onData);
    stream.on('data', this.pgHandler!);
    if (rest.length) this.pgHandler!(rest);
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rows = Number(m[1]);
  }

  /** A server ErrorResponse or a broken connection; pg calls no handleReadyForQuery after it. */
  handleError(error: Error): void {
    this.failure ??= error;
    this.reject(this.failure);
  }

  handleReadyForQuery(): void {
    if (this.failure !== undefined) this.reject(this.failure);
    else this.resolve(this.rows);
  }
}
