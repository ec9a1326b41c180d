/**
 * The least a PostgreSQL client does to receive a query's answer, for bench/sql.ts: start up,
 * send the password, send one simple Query, then read messages until ReadyForQuery, counting
 * DataRows and parsing nothing — what the server costs, not a driver's parsing (as the HTTP
 * steps read the body without parsing it).
 */
import net from 'node:net';

function startup(user: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0warehouse\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196_608, 4);
  return Buffer.concat([head, params]);
}

function typed(type: string, text: string): Buffer {
  const body = Buffer.from(`${text}\0`);
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** A connected, signed-in client that runs one query at a time. */
export class WireBenchClient {
  private pending: Buffer = Buffer.alloc(0);
  private onMessage: ((type: string, body: Buffer) => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      let at = 0;
      while (this.pending.length - at >= 5) {
        const length = this.pending.readInt32BE(at + 1);
        if (this.pending.length - at < length + 1) break;
        const type = String.fromCharCode(this.pending[at]!);
        this.onMessage?.(type, this.pending.subarray(at + 5, at + 1 + length));
        at += length + 1;
      }
      this.pending = this.pending.subarray(at);
    });
  }

  /** Connect and sign in as `user` with `password`. */
  static async connect(
    host: string,
    port: number,
    user: string,
    password: string,
  ): Promise<WireBenchClient> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new WireBenchClient(socket);
    await client.until(startup(user), (type, body) => {
      // AuthenticationCleartextPassword (3); AuthenticationOk (0) is an R as well.
      if (type === 'R' && body.readInt32BE(0) === 3) socket.write(typed('p', password));
    });
    return client;
  }

  /** Send `bytes`, hand each message to `each` until ReadyForQuery; throws on an ErrorResponse. */
  private until(bytes: Buffer, each: (type: string, body: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onMessage = (type, body) => {
        if (type === 'E') reject(new Error(body.toString('utf8').replace(/\0/g, ' ')));
        else if (type === 'Z') resolve();
        else each(type, body);
      };
      this.socket.write(bytes);
    });
  }

  /** Run `sql`; the number of rows received. */
  async query(sql: string): Promise<number> {
    let rows = 0;
    await this.until(typed('Q', sql), (type) => {
      if (type === 'D') rows++;
    });
    return rows;
  }

  close(): void {
    this.socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
  }
}
