/**
 * A minimal HTTP/1.1 client for the load generators of bench/orders.ts and bench/refresh-latency.ts.
 */
import net from 'node:net';

/**
 * One keep-alive HTTP/1.1 connection that sends a request and reads its answer, one at a time —
 * as load tools (wrk, autocannon) do, so that the client's own CPU, which shares the machine with
 * the app, stays small: Node's http client cost ~0.8 ms of CPU per order here. It reads exactly
 * what the app sends: a status line, headers with Content-Length, a JSON body.
 */
export class HttpConnection {
  private readonly socket: net.Socket;
  private pending: Buffer = Buffer.alloc(0);
  private waiting:
    | { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void }
    | undefined;

  constructor(
    url: URL,
    private readonly headers: string,
  ) {
    this.socket = net.connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', (e) => this.waiting?.reject(e));
  }

  post(path: string, payload: string): Promise<{ status: number; body: string }> {
    return this.request('POST', path, payload);
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return this.request('GET', path, '');
  }

  request(
    method: string,
    path: string,
    payload: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(
        `${method} ${path} HTTP/1.1\r\n${this.headers}Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const end = this.pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.pending.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.pending.length < end + 4 + length) return;
    const body = this.pending.toString('utf8', end + 4, end + 4 + length);
    this.pending = this.pending.subarray(end + 4 + length);
    const waiting = this.waiting!;
    this.waiting = undefined;
    waiting.resolve({ status: Number(head.slice(9, 12)), body });
  }
}
