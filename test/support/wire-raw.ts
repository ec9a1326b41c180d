/**
 * A PostgreSQL client by hand, from pg-protocol's own client half (serialize, parse), for what
 * drivers do not expose: Execute with a row count, binary formats asked for, messages sent in a
 * chosen order. Each `exchange` sends messages and collects what comes back up to ReadyForQuery.
 */
import net from 'node:net';
import { parse, serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import type { WireServer } from '../../sqlwire/server.ts';

export { serialize };

export class RawWireClient {
  private queue: BackendMessage[] = [];
  private waiter: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    void parse(socket, (m) => {
      this.queue.push(m);
      this.waiter?.();
    });
  }

  /** Connect and sign in as `user` with `password`. */
  static async connect(wire: WireServer, user: string, password: string) {
    const socket = net.connect(wire.port, wire.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawWireClient(socket);
    socket.write(serialize.startup({ user, database: 'warehouse' }));
    const asked = await client.until((m) => m.name === 'authenticationCleartextPassword');
    if (!asked.some((m) => m.name === 'authenticationCleartextPassword'))
      throw new Error(`no password asked: ${JSON.stringify(asked)}`);
    socket.write(serialize.password(password));
    await client.until((m) => m.name === 'readyForQuery');
    return client;
  }

  private async until(done: (m: BackendMessage) => boolean): Promise<BackendMessage[]> {
    const got: BackendMessage[] = [];
    for (;;) {
      while (this.queue.length) {
        const m = this.queue.shift()!;
        got.push(m);
        if (done(m) || m.name === 'error') return got;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Send `messages` and return the names (and tags) of what comes back, to ReadyForQuery. */
  async exchange(...messages: Buffer[]): Promise<string[]> {
    this.socket.write(Buffer.concat(messages));
    const got = await this.until((m) => m.name === 'readyForQuery');
    if (got.at(-1)?.name === 'error')
      got.push(...(await this.until((m) => m.name === 'readyForQuery')));
    return summarise(got);
  }

  close(): void {
    this.socket.end(serialize.end());
  }
}

/** Runs of DataRows as `dataRow×n`, commandComplete with its tag, errors with their code. */
function summarise(messages: BackendMessage[]): string[] {
  const out: string[] = [];
  let rows = 0;
  const flush = () => {
    if (rows) out.push(`dataRow×${rows}`);
    rows = 0;
  };
  for (const m of messages) {
    if (m.name === 'dataRow') {
      rows++;
      continue;
    }
    flush();
    const any = m as BackendMessage & { text?: string; code?: string };
    if (m.name === 'commandComplete') out.push(`commandComplete ${any.text}`);
    else if (m.name === 'error') out.push(`error ${any.code}`);
    else out.push(m.name);
  }
  flush();
  return out;
}
