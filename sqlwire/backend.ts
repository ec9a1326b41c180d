/**
 * The messages this server sends, serialised with pg-protocol's Writer (the buffer writer
 * node-postgres uses for its own messages). pg-protocol writes the client's side of the
 * protocol and reads the server's; the server's side it has no writers for is here, one function
 * per message of https://www.postgresql.org/docs/current/protocol-message-formats.html.
 * A result's DataRows are not written here: rows.ts writes those straight into a shared buffer,
 * a million at a time.
 */
import { Writer } from 'pg-protocol/dist/buffer-writer.js';

/** A column as RowDescription announces it. */
export interface ColumnDescription {
  name: string;
  typeOid: number;
  /** Bytes of the type's values, -1 for variable length. */
  typeSize: number;
  /** Type-specific modifier (numeric's precision and scale), -1 for none. */
  typeModifier: number;
}

/** An error or notice's fields, as PostgreSQL names them. */
export interface Problem {
  severity: 'ERROR' | 'FATAL' | 'WARNING' | 'NOTICE';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the query. */
  position?: number;
}

const msg = (code: string, build?: (w: Writer) => void): Buffer => {
  const w = new Writer();
  build?.(w);
  return w.flush(code.charCodeAt(0));
};

export const authenticationOk = () => msg('R', (w) => w.addInt32(0));
export const authenticationCleartextPassword = () => msg('R', (w) => w.addInt32(3));

export const parameterStatus = (name: string, value: string) =>
  msg('S', (w) => w.addCString(name).addCString(value));

export const backendKeyData = (pid: number, secret: number) =>
  msg('K', (w) => w.addInt32(pid).addInt32(secret));

/** Idle (`I`), or between BEGIN and COMMIT (`T`): a marker only, see session-settings.ts. */
export const readyForQuery = (status: 'I' | 'T' = 'I') => msg('Z', (w) => w.addString(status));

export const parseComplete = () => msg('1');
export const bindComplete = () => msg('2');
export const closeComplete = () => msg('3');
export const noData = () => msg('n');
export const portalSuspended = () => msg('s');
export const emptyQueryResponse = () => msg('I');

/** A DataRow of text cells (rows.ts writes a result's rows itself, in bulk). */
export const dataRow = (cells: readonly (string | null)[]) =>
  msg('D', (w) => {
    w.addInt16(cells.length);
    for (const cell of cells) {
      if (cell === null) w.addInt32(-1);
      else {
        const bytes = Buffer.from(cell, 'utf8');
        w.addInt32(bytes.length).add(bytes);
      }
    }
  });

export const commandComplete = (tag: string) => msg('C', (w) => w.addCString(tag));

export const parameterDescription = (oids: readonly number[]) =>
  msg('t', (w) => {
    w.addInt16(oids.length);
    for (const oid of oids) w.addInt32(oid);
  });

/** RowDescription: every column in text format (0), from no table (0, 0). */
export const rowDescription = (columns: readonly ColumnDescription[]) =>
  msg('T', (w) => {
    w.addInt16(columns.length);
    for (const c of columns)
      w.addCString(c.name)
        .addInt32(0)
        .addInt16(0)
        .addInt32(c.typeOid)
        .addInt16(c.typeSize)
        .addInt32(c.typeModifier)
        .addInt16(0);
  });

function problemFields(w: Writer, p: Problem): void {
  const field = (code: string, value: string) => w.addString(code).addCString(value);
  field('S', p.severity);
  field('V', p.severity);
  field('C', p.code);
  field('M', p.message);
  if (p.detail) field('D', p.detail);
  if (p.hint) field('H', p.hint);
  if (p.position !== undefined) field('P', String(p.position));
  w.addString('\0');
}

export const errorResponse = (p: Problem) => msg('E', (w) => problemFields(w, p));
export const noticeResponse = (p: Problem) => msg('N', (w) => problemFields(w, p));
