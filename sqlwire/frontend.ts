/**
 * What the client's messages say, read with pg-protocol's BufferReader: the start-up family
 * (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage) and the typed messages of the
 * simple and extended query protocols. Pure: bytes in, plain objects out.
 */
import { BufferReader } from 'pg-protocol/dist/buffer-reader.js';

/** Request codes of the untyped start-up messages. */
const PROTOCOL_3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
const CANCEL_REQUEST = 80_877_102;

export type StartupMessage =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number }
  | { kind: 'startup'; parameters: Record<string, string> }
  | { kind: 'unsupported'; code: number };

function reader(body: Buffer): BufferReader {
  const r = new BufferReader();
  r.setBuffer(0, body);
  return r;
}

/** An untyped message sent before start-up. */
export function readStartup(body: Buffer): StartupMessage {
  const r = reader(body);
  const code = r.int32();
  if (code === SSL_REQUEST) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST)
    return { kind: 'cancel', processId: r.int32(), secretKey: r.int32() };
  if (code !== PROTOCOL_3) return { kind: 'unsupported', code };
  const parameters: Record<string, string> = {};
  let at = 4;
  while (at < body.length - 1) {
    const name = r.cstring();
    const value = r.cstring();
    at += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
    if (!name) break;
    parameters[name] = value;
  }
  return { kind: 'startup', parameters };
}

/** The password of a PasswordMessage ('p'). */
export const readPassword = (body: Buffer): string => reader(body).cstring();

/** The text of a simple Query ('Q'). */
export const readQuery = (body: Buffer): string => reader(body).cstring();

export interface ParseMessage {
  name: string;
  sql: string;
  /** Parameter types the client named (0: let the server decide). */
  paramOids: number[];
}

export function readParse(body: Buffer): ParseMessage {
  const r = reader(body);
  const name = r.cstring();
  const sql = r.cstring();
  const n = r.int16();
  const paramOids: number[] = [];
  for (let i = 0; i < n; i++) paramOids.push(r.int32());
  return { name, sql, paramOids };
}

export interface BindMessage {
  portal: string;
  statement: string;
  /** Format of each parameter: 0 text, 1 binary (one entry: all; none: all text). */
  paramFormats: number[];
  /** Each parameter's bytes, null for NULL. */
  params: (Buffer | null)[];
  resultFormats: number[];
}

export function readBind(body: Buffer): BindMessage {
  const r = reader(body);
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats: number[] = [];
  for (let i = r.int16(); i > 0; i--) paramFormats.push(r.int16());
  const params: (Buffer | null)[] = [];
  for (let i = r.int16(); i > 0; i--) {
    const len = r.int32();
    params.push(len < 0 ? null : r.bytes(len));
  }
  const resultFormats: number[] = [];
  for (let i = r.int16(); i > 0; i--) resultFormats.push(r.int16());
  return { portal, statement, paramFormats, params, resultFormats };
}

/** Describe ('D') and Close ('C'): a statement ('S') or a portal ('P'), by name. */
export function readTarget(body: Buffer): { what: 'S' | 'P'; name: string } {
  const r = reader(body);
  const what = String.fromCharCode(r.byte());
  return { what: what === 'S' ? 'S' : 'P', name: r.cstring() };
}

/** Execute ('E'): the portal and the most rows to send (0: all). */
export function readExecute(body: Buffer): { portal: string; maxRows: number } {
  const r = reader(body);
  return { portal: r.cstring(), maxRows: r.int32() };
}
