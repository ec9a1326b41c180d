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

  /**
   * Connect and sign in as `user` with `password`; `startup` adds StartupMessage parameters
   * (pgjdbc sends DateStyle, TimeZone, client_encoding there). What the server sent on the way
   * in (ParameterStatus…) is in `signIn`.
   */
  static async connect(
    wire: WireServer,
    user: string,
    password: string,
    startup: Record<string, string> = {},
  ) {
    const socket = net.connect(wire.port, wire.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawWireClient(socket);
    socket.write(serialize.startup({ ...startup, user, database: 'warehouse' }));
    const asked = await client.until((m) => m.name === 'authenticationCleartextPassword');
    if (!asked.some((m) => m.name === 'authenticationCleartextPassword'))
      throw new Error(`no password asked: ${JSON.stringify(asked)}`);
    socket.write(serialize.password(password));
    client.signIn = await client.until((m) => m.name === 'readyForQuery');
    return client;
  }

  /** The messages from authenticationOk to the first ReadyForQuery. */
  signIn: BackendMessage[] = [];

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
    return summarise(await this.talk(...messages));
  }

  /** Send `messages` and return what comes back, to ReadyForQuery, as pg-protocol parsed it. */
  async talk(...messages: Buffer[]): Promise<BackendMessage[]> {
    this.socket.write(Buffer.concat(messages));
    const got = await this.until((m) => m.name === 'readyForQuery');
    while (got.at(-1)?.name === 'error')
      got.push(...(await this.until((m) => m.name === 'readyForQuery')));
    return got;
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

/**
 * Every message as one line, with what a test compares: `ready T`, `status TimeZone=UTC`,
 * `row ["read committed"]`, `complete SET`, `error 42501`, `notice WARNING 25P01`.
 */
export function transcript(messages: BackendMessage[]): string[] {
  return messages.map((m) => {
    const any = m as BackendMessage & {
      status?: string;
      parameterName?: string;
      parameterValue?: string;
      fields?: unknown[];
      text?: string;
      code?: string;
      severity?: string;
    };
    switch (m.name) {
      case 'readyForQuery':
        return `ready ${any.status}`;
      case 'parameterStatus':
        return `status ${any.parameterName}=${any.parameterValue}`;
      case 'dataRow':
        return `row ${JSON.stringify(any.fields)}`;
      case 'rowDescription':
        return `columns ${(m as unknown as { fields: { name: string }[] }).fields.map((f) => f.name).join(',')}`;
      case 'commandComplete':
        return `complete ${any.text}`;
      case 'error':
        return `error ${any.code}`;
      case 'notice':
        return `notice ${any.severity} ${any.code}`;
    }
    return m.name;
  });
}
