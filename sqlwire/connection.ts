/**
 * One client connection, from its first byte to authentication: SSLRequest answered `S` and the
 * socket upgraded when TLS is configured (else `N`), GSSENCRequest declined, a CancelRequest
 * passed on, then StartupMessage, a cleartext password and who it is (credentials.ts). The
 * password travels in clear inside this protocol, so it is asked for only over TLS or from this
 * machine (loopback); anyone else is refused before sending it. Then the session (session.ts).
 *
 * Written here rather than with pg-gateway (0.2.4): its start-up takes ~80 lines of ours, but it
 * has no CancelRequest or BackendKeyData, runs on Web streams over the Node socket, logs with
 * console.error, and hands every later message to one callback — the extended protocol, which is
 * most of the work, would be ours anyway.
 */
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { TIMEOUT_CAP_MS } from '../api/sql/service.ts';
import type { Principal } from '../api/auth/principal.ts';
import type { AppContext } from '../context.ts';
import * as be from './backend.ts';
import type { CancelRegistry } from './cancel.ts';
import { authenticate } from './credentials.ts';
import { FrameReader } from './frames.ts';
import { readPassword, readStartup } from './frontend.ts';
import { Outbox } from './send.ts';
import { WireSession } from './session.ts';
import { STARTUP_REPORTED } from './session-parameters.ts';
import { problemOf, SQLSTATE } from './sqlstate.ts';

/** What every connection shares: the app, the cancel registry, TLS when configured. */
export interface WireShared {
  ctx: AppContext;
  cancels: CancelRegistry;
  tls?: tls.SecureContext;
}

/** True for a client on this machine. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (isIP(v4) === 4 && v4.startsWith('127.')) || address === '::1';
}

function fatal(code: string, message: string): Buffer {
  return be.errorResponse({ severity: 'FATAL', code, message });
}

/** Serve one client socket until it goes. */
export async function serveConnection(shared: WireShared, socket: Socket): Promise<void> {
  // As PostgreSQL's authentication_timeout: a client that does not finish signing in within a
  // minute is cut off, so idle half-open sockets cannot pile up.
  const deadline = setTimeout(() => socket.destroy(), SIGN_IN_TIMEOUT_MS);
  try {
    await startAndServe(shared, socket, () => clearTimeout(deadline));
  } finally {
    clearTimeout(deadline);
  }
}

/** Time a client has from connecting to being signed in. */
export const SIGN_IN_TIMEOUT_MS = 60_000;

async function startAndServe(
  shared: WireShared,
  socket: Socket,
  signedIn: () => void,
): Promise<void> {
  const reader = new FrameReader(socket);
  const out = new Outbox(socket);
  let secure = false;
  let parameters: Record<string, string> | undefined;
  while (!parameters) {
    const frame = await reader.next(false);
    if (!frame) return;
    const m = readStartup(frame.body);
    if (m.kind === 'ssl' && shared.tls && !secure && reader.pending === 0) {
      await out.send(Buffer.from('S'));
      reader.release();
      const upgraded = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext: shared.tls,
      });
      upgraded.on('error', () => socket.destroy());
      reader.attach(upgraded);
      out.use(upgraded);
      secure = true;
    } else if (m.kind === 'ssl' || m.kind === 'gssenc') {
      await out.send(Buffer.from('N'));
    } else if (m.kind === 'cancel') {
      shared.cancels.cancel(m.processId, m.secretKey);
      out.end();
      return;
    } else if (m.kind === 'unsupported') {
      out.end(fatal(SQLSTATE.protocolViolation, `protocol ${m.code} is not supported (3.0 is)`));
      return;
    } else parameters = m.parameters;
  }

  const user = parameters.user ?? '';
  if (!user) {
    out.end(fatal(SQLSTATE.invalidAuthorization, 'no user name: give your email, or `key`'));
    return;
  }
  if (!secure && !isLoopback(socket.remoteAddress)) {
    out.end(
      fatal(
        SQLSTATE.invalidAuthorization,
        shared.tls
          ? 'the password would travel in clear: connect with TLS (sslmode=require)'
          : 'the password would travel in clear: this server takes passwords over TLS only ' +
              '(SALESOPS_SQL_TLS_CERT and _KEY) or from this machine',
      ),
    );
    return;
  }
  await out.send(be.authenticationCleartextPassword());
  const answer = await reader.next(true);
  if (!answer) return;
  if (answer.type !== 0x70 /* p */) {
    out.end(fatal(SQLSTATE.protocolViolation, 'expected a password message'));
    return;
  }
  let principal: Principal;
  try {
    principal = await authenticate(shared.ctx, user, readPassword(answer.body));
  } catch (e) {
    const p = problemOf(e); // 28P01 for a refused secret, as PostgreSQL says it
    if (p.code === SQLSTATE.internal) shared.ctx.logger.error({ err: e }, 'SQL wire sign-in');
    out.end(fatal(p.code, p.message));
    return;
  }
  if (TIMEOUT_CAP_MS[principal.role] === undefined) {
    out.end(
      fatal(
        SQLSTATE.insufficientPrivilege,
        `role ${principal.role} may not run its own SQL (analysts and admins may; docs/access.md)`,
      ),
    );
    return;
  }

  const session = new WireSession(shared.ctx, principal, reader, out, parameters);
  const key = shared.cancels.register(() => session.cancel());
  // A client that goes away mid-query wants no answer: its query stops, freeing its slot.
  socket.once('close', () => session.cancel());
  try {
    await out.sendAll([
      be.authenticationOk(),
      // TimeZone among them is UTC: TIMESTAMPTZ values are sent in UTC (+00), whatever
      // SALESOPS_TIMEZONE or the client's own zone says (session-settings.ts).
      ...STARTUP_REPORTED.map((key) => session.settings.status(key)),
      be.backendKeyData(key.processId, key.secretKey),
      be.readyForQuery(),
    ]);
    signedIn();
    await session.serve();
  } finally {
    key.release();
    out.end();
  }
}
