/**
 * Type parsers for every pool we open, so PostgreSQL and the embedded PGlite return the same JS
 * values: int8 (ids, count(*)) as numbers — ids stay far below 2^53 — numeric as decimal strings
 * (money must never pass through a float), date as 'YYYY-MM-DD' (no time-zone shift).
 */
import pg from 'pg';

const INT8_OID = 20;
const DATE_OID = 1082;

/** Passed as `types` to every pg.Pool. */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => Number(v);
    if (oid === DATE_OID) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;
