/**
 * The read path's problems (AppError, as POST /api/v1/sql answers them) as ErrorResponse
 * fields with the SQLSTATE a PostgreSQL client expects: clients and drivers branch on the code
 * (psql's and DBeaver's messages, a driver's retry on 53300), not on our words. The message is
 * the same detail the HTTP answer gives; anything that is not an AppError is a bug of ours and
 * says only that.
 */
import { AppError } from '../api/errors.ts';
import type { Problem } from './backend.ts';

/** SQLSTATE codes this server sends (PostgreSQL's Appendix A). */
export const SQLSTATE = {
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  invalidText: '22P02',
  insufficientPrivilege: '42501',
  queryCanceled: '57014',
  outOfMemory: '53200',
  tooManyConnections: '53300',
  cannotConnectNow: '57P03',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  protocolViolation: '08P01',
  featureNotSupported: '0A000',
  invalidParameterValue: '22023',
  cantChangeParameter: '55P02',
  readOnlyTransaction: '25006',
  internal: 'XX000',
} as const;

/** A wire-layer error with its own SQLSTATE (protocol misuse, a session command's value). */
export class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The SQLSTATE of a 400 from DuckDB, by the kind of error its message starts with. */
function badSqlCode(e: AppError): string {
  const duck = typeof e.extra.duckdb === 'string' ? e.extra.duckdb : '';
  if (/^Catalog Error: Table with name/i.test(duck)) return SQLSTATE.undefinedTable;
  if (/^Catalog Error: (Scalar |Table |Aggregate )?Function/i.test(duck))
    return SQLSTATE.undefinedFunction;
  if (/^Binder Error: Referenced column/i.test(duck)) return SQLSTATE.undefinedColumn;
  if (/^Conversion Error/i.test(duck)) return SQLSTATE.invalidText;
  if (e.extra.errors?.[0]?.field === 'params') return SQLSTATE.invalidParameterValue;
  return SQLSTATE.syntaxError;
}

/** 1-based character position of `line`/`column` in `sql` (ErrorResponse's P field). */
function positionOf(sql: string, extra: AppError['extra']): number | undefined {
  const line = Number(extra.line);
  const column = Number(extra.column);
  if (!Number.isInteger(line) || !Number.isInteger(column) || line < 1 || column < 1)
    return undefined;
  const lines = sql.split('\n');
  if (line > lines.length) return undefined;
  let at = 0;
  for (let i = 0; i < line - 1; i++) at += lines[i]!.length + 1;
  return at + column;
}

/** What `e` tells the client, for a statement `sql` (when there was one). */
export function problemOf(e: unknown, sql?: string): Problem {
  if (!(e instanceof AppError))
    return {
      severity: 'ERROR',
      code: SQLSTATE.internal,
      message: 'internal error (the server log has the details)',
    };
  const base = { severity: 'ERROR' as const, message: e.message };
  switch (e.status) {
    case 400:
      return {
        ...base,
        code: badSqlCode(e),
        position: sql === undefined ? undefined : positionOf(sql, e.extra),
      };
    case 401:
      return { ...base, code: SQLSTATE.invalidPassword };
    case 403:
      return { ...base, code: SQLSTATE.insufficientPrivilege };
    case 408:
      return { ...base, code: SQLSTATE.queryCanceled };
    case 422:
      return {
        ...base,
        code: /more memory/.test(e.message)
          ? SQLSTATE.outOfMemory
          : /^refused/.test(e.message)
            ? SQLSTATE.insufficientPrivilege
            : SQLSTATE.featureNotSupported,
      };
    case 429:
      return { ...base, code: SQLSTATE.tooManyConnections };
    case 503:
      return { ...base, code: SQLSTATE.cannotConnectNow };
  }
  return { ...base, code: SQLSTATE.internal };
}
