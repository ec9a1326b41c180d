/**
 * The PostgreSQL wire protocol door to the warehouse (docs/sql.md): analysts' own tools — psql,
 * DBeaver, notebooks — read it over the same sandboxed read path as POST /api/v1/sql. Off unless
 * SALESOPS_SQL_PORT is set; runs in the process that owns the warehouse, beside the HTTP server
 * (server.ts starts it). Read-only: every statement passes the analyst guard.
 *
 * The files, one concern each: frames.ts cuts the byte stream into messages, frontend.ts reads
 * them, backend.ts writes ours, connection.ts runs start-up, TLS and sign-in (credentials.ts),
 * session.ts the query protocols, run.ts the read path with its history, rows.ts and types.ts
 * the results, binary-params.ts parameters sent in binary, sqlstate.ts the errors, catalog.ts
 * the clients' catalog queries, cancel.ts the cancel requests. session-commands.ts recognises
 * the SET/SHOW/BEGIN clients send on their own, session-parameters.ts and session-settings.ts
 * answer them, connect-queries.ts answers a client's first questions about its session.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { AppContext } from '../context.ts';
import { ConfigError } from '../config.ts';
import { CancelRegistry } from './cancel.ts';
import { serveConnection, type WireShared } from './connection.ts';

/** A listening wire server. */
export interface WireServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

function secureContext(files: { certFile: string; keyFile: string }): tls.SecureContext {
  try {
    return tls.createSecureContext({
      cert: fs.readFileSync(files.certFile),
      key: fs.readFileSync(files.keyFile),
    });
  } catch (e) {
    throw new ConfigError(
      `SALESOPS_SQL_TLS_CERT / SALESOPS_SQL_TLS_KEY: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/**
 * Listen for wire clients on the context's `config.sqlWire`; undefined when it is off. A port
 * in use fails the start, naming the variable.
 */
export async function startWireServer(ctx: AppContext): Promise<WireServer | undefined> {
  const options = ctx.config.sqlWire;
  if (!options) return undefined;
  const shared: WireShared = {
    ctx,
    cancels: new CancelRegistry(),
    tls: options.tls ? secureContext(options.tls) : undefined,
  };
  const log = ctx.logger.child({ component: 'sqlwire' });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {}); // a client gone mid-answer: its connection just ends
    socket.on('close', () => sockets.delete(socket));
    serveConnection(shared, socket).catch((e: unknown) => {
      log.warn({ err: e }, 'a SQL wire connection ended on an error');
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new ConfigError(
              `SALESOPS_SQL_PORT: ${options.port} is already in use on ${options.host}`,
            )
          : e,
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: options.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
