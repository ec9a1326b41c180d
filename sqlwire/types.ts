/**
 * DuckDB's types as PostgreSQL's, and a cell's value as PostgreSQL's text format, so a client
 * parses what it is sent the way it parses PostgreSQL's own answers: DECIMAL, HUGEINT and
 * UBIGINT as numeric (exact text, never a float), BIGINT as int8, timestamps with a space and
 * TIMESTAMPTZ with its `+00`, booleans `t`/`f`. Types PostgreSQL has no twin for (lists, structs,
 * maps, unions, BLOB — DuckDB's escapes are not bytea's) go as text: lists and structs as
 * their JSON. Starts from the JSON cells (api/sql/cells.ts), whose exactness is tested already.
 */
import { DuckDBDecimalType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { JsonCell } from '../api/sql/cells.ts';
import type { ColumnDescription } from './backend.ts';

/** PostgreSQL type OIDs (pg_type.oid) of the types this server sends. */
export const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  float4: 700,
  float8: 701,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
} as const;

const SIZE: Partial<Record<number, number>> = {
  [OID.bool]: 1,
  [OID.int2]: 2,
  [OID.int4]: 4,
  [OID.int8]: 8,
  [OID.float4]: 4,
  [OID.float8]: 8,
  [OID.date]: 4,
  [OID.time]: 8,
  [OID.timestamp]: 8,
  [OID.timestamptz]: 8,
  [OID.interval]: 16,
  [OID.uuid]: 16,
};

const BY_TYPE_ID: Partial<Record<DuckDBTypeId, number>> = {
  [DuckDBTypeId.BOOLEAN]: OID.bool,
  [DuckDBTypeId.TINYINT]: OID.int2,
  [DuckDBTypeId.SMALLINT]: OID.int2,
  [DuckDBTypeId.UTINYINT]: OID.int2,
  [DuckDBTypeId.INTEGER]: OID.int4,
  [DuckDBTypeId.USMALLINT]: OID.int4,
  [DuckDBTypeId.BIGINT]: OID.int8,
  [DuckDBTypeId.UINTEGER]: OID.int8,
  [DuckDBTypeId.UBIGINT]: OID.numeric,
  [DuckDBTypeId.HUGEINT]: OID.numeric,
  [DuckDBTypeId.UHUGEINT]: OID.numeric,
  [DuckDBTypeId.DECIMAL]: OID.numeric,
  [DuckDBTypeId.FLOAT]: OID.float4,
  [DuckDBTypeId.DOUBLE]: OID.float8,
  [DuckDBTypeId.VARCHAR]: OID.text,
  [DuckDBTypeId.DATE]: OID.date,
  [DuckDBTypeId.TIME]: OID.time,
  [DuckDBTypeId.TIMESTAMP]: OID.timestamp,
  [DuckDBTypeId.TIMESTAMP_S]: OID.timestamp,
  [DuckDBTypeId.TIMESTAMP_MS]: OID.timestamp,
  [DuckDBTypeId.TIMESTAMP_NS]: OID.timestamp,
  [DuckDBTypeId.TIMESTAMP_TZ]: OID.timestamptz,
  [DuckDBTypeId.INTERVAL]: OID.interval,
  [DuckDBTypeId.UUID]: OID.uuid,
};

/** The PostgreSQL type a DuckDB type is sent as (text when it has no twin). */
export function oidOf(type: DuckDBType): number {
  return BY_TYPE_ID[type.typeId] ?? OID.text;
}

/** A result column as RowDescription announces it (numeric with its precision and scale). */
export function describeColumn(name: string, type: DuckDBType): ColumnDescription {
  const typeOid = oidOf(type);
  const typeModifier =
    type instanceof DuckDBDecimalType ? ((type.width << 16) | type.scale) + 4 : -1;
  return { name, typeOid, typeSize: SIZE[typeOid] ?? -1, typeModifier };
}

/**
 * How a column's JSON cells become text: `iso` for timestamps (a space for the `T`, `+00` for
 * the `Z`), `plain` for everything else.
 */
export type CellStyle = 'plain' | 'iso';

export function cellStyle(typeOid: number): CellStyle {
  return typeOid === OID.timestamp || typeOid === OID.timestamptz ? 'iso' : 'plain';
}

/** A JSON cell as PostgreSQL's text format; null stays null (sent as length -1). */
export function cellText(cell: JsonCell, style: CellStyle): string | null {
  switch (typeof cell) {
    case 'string':
      if (style === 'iso' && cell.length > 10 && cell[10] === 'T')
        return cell.endsWith('Z')
          ? `${cell.slice(0, 10)} ${cell.slice(11, -1)}+00`
          : `${cell.slice(0, 10)} ${cell.slice(11)}`;
      return cell;
    case 'number':
      return String(cell);
    case 'boolean':
      return cell ? 't' : 'f';
    case 'object':
      return cell === null ? null : JSON.stringify(cell);
  }
  return String(cell);
}
