/**
 * PostgreSQL column → DuckDB column, as one pure mapping. Each column says how PostgreSQL writes
 * it into the CSV (`extract`), what read_csv parses it as (`csvType`) and, when that is not the
 * final type, the DuckDB expression that finishes the conversion (`load`).
 *
 * Rules: integers, floats, booleans, dates, times, uuid keep their type; numeric(p,s) → DECIMAL(p,s)
 * (money stays exact); numeric without a precision → DECIMAL(38,10), refusing loudly a value with
 * more than 10 significant decimals rather than rounding it; numeric wider than DuckDB's 38 digits
 * → VARCHAR; timestamptz → TIMESTAMPTZ; json/jsonb → JSON; one-dimensional arrays of scalars →
 * LIST; bytea → BLOB; enums, domains over unknown types, inet, xml, … → VARCHAR with
 * PostgreSQL's text form (flagged `asText`).
 */
import { ident, literal } from './quote.ts';

/** One column as information_schema.columns describes it. */
export interface PgColumn {
  name: string;
  dataType: string;
  udtName: string;
  numericPrecision: number | null;
  numericScale: number | null;
}

/** How one column travels. */
export interface ColumnPlan {
  name: string;
  /** PostgreSQL type in the form compared for schema drift, e.g. `numeric(14,2)`, `_text`. */
  pgType: string;
  duckType: string;
  /** Expression in the PostgreSQL SELECT that feeds COPY. */
  extract: string;
  /** Type read_csv parses the field as. */
  csvType: string;
  /** DuckDB expression over the CSV field giving `duckType`; absent when csvType is final. */
  load?: (field: string) => string;
  /** True when the type has no DuckDB counterpart and travels as PostgreSQL's text form. */
  asText?: boolean;
}

const SCALARS: Readonly<Record<string, string>> = {
  int2: 'SMALLINT',
  int4: 'INTEGER',
  int8: 'BIGINT',
  oid: 'BIGINT',
  float4: 'FLOAT',
  float8: 'DOUBLE',
  bool: 'BOOLEAN',
  text: 'VARCHAR',
  varchar: 'VARCHAR',
  bpchar: 'VARCHAR',
  char: 'VARCHAR',
  name: 'VARCHAR',
  citext: 'VARCHAR',
  uuid: 'UUID',
  date: 'DATE',
  time: 'TIME',
  timetz: 'TIMETZ',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
};

/** Array element types whose JSON form casts back exactly (numbers beyond int64 would not). */
const LIST_ELEMENTS = new Set([
  'int2',
  'int4',
  'int8',
  'bool',
  'text',
  'varchar',
  'bpchar',
  'uuid',
  'date',
  'timestamptz',
]);

/** DuckDB's widest DECIMAL. */
const MAX_DECIMAL_PRECISION = 38;

function pgTypeOf(c: PgColumn): string {
  if (c.udtName === 'numeric' && c.numericPrecision !== null) {
    return `numeric(${c.numericPrecision},${c.numericScale ?? 0})`;
  }
  return c.udtName;
}

/** Plan the transfer of one column. */
export function planColumn(c: PgColumn): ColumnPlan {
  const col = ident(c.name);
  const base = { name: c.name, pgType: pgTypeOf(c), extract: col };
  const scalar = SCALARS[c.udtName];
  if (scalar) return { ...base, duckType: scalar, csvType: scalar };

  switch (c.udtName) {
    case 'numeric': {
      const p = c.numericPrecision;
      const s = c.numericScale ?? 0;
      if (p === null) {
        return {
          ...base,
          duckType: 'DECIMAL(38,10)',
          csvType: 'VARCHAR',
          load: (f) =>
            `CASE WHEN regexp_matches(${f}, '\\.\\d{10}\\d*[1-9]') ` +
            `THEN error('numeric ' || ${f} || ' in ' || ${literal(c.name)} || ' has more than 10 decimals') ` +
            `ELSE CAST(${f} AS DECIMAL(38,10)) END`,
        };
      }
      if (p <= MAX_DECIMAL_PRECISION && s >= 0 && s <= p) {
        return { ...base, duckType: `DECIMAL(${p},${s})`, csvType: `DECIMAL(${p},${s})` };
      }
      return { ...base, duckType: 'VARCHAR', csvType: 'VARCHAR', asText: true };
    }
    case 'money':
      return {
        ...base,
        extract: `${col}::numeric`,
        duckType: 'DECIMAL(19,2)',
        csvType: 'DECIMAL(19,2)',
      };
    case 'json':
    case 'jsonb':
      return { ...base, duckType: 'JSON', csvType: 'VARCHAR', load: (f) => `CAST(${f} AS JSON)` };
    case 'bytea':
      // PostgreSQL wraps base64 every 76 characters; DuckDB wants it in one piece.
      return {
        ...base,
        extract: `translate(encode(${col}, 'base64'), E'\\n', '')`,
        duckType: 'BLOB',
        csvType: 'VARCHAR',
        load: (f) => `from_base64(${f})`,
      };
    case 'interval':
      // PostgreSQL's own interval text ("-1 days +02:00:00") is not DuckDB's; spell out the parts.
      return {
        ...base,
        extract:
          `format('%s months %s days %s microseconds', ` +
          `extract(year from ${col})::bigint * 12 + extract(month from ${col})::bigint, ` +
          `extract(day from ${col})::bigint, ` +
          `(extract(epoch from ${col} - date_trunc('day', ${col})) * 1000000)::bigint)`,
        duckType: 'INTERVAL',
        csvType: 'INTERVAL',
      };
  }

  if (c.dataType === 'ARRAY' && c.udtName.startsWith('_')) {
    const element = c.udtName.slice(1);
    const elementType = SCALARS[element];
    if (elementType && LIST_ELEMENTS.has(element)) {
      return {
        ...base,
        extract: `to_jsonb(${col})::text`,
        duckType: `${elementType}[]`,
        csvType: 'VARCHAR',
        load: (f) => `CAST(CAST(${f} AS JSON) AS ${elementType}[])`,
      };
    }
    return {
      ...base,
      extract: `to_jsonb(${col})::text`,
      duckType: 'JSON',
      csvType: 'VARCHAR',
      load: (f) => `CAST(${f} AS JSON)`,
    };
  }
  return { ...base, duckType: 'VARCHAR', csvType: 'VARCHAR', asText: true };
}

/** The DuckDB expression reading CSV field `field` (an identifier) as the column's final type. */
export function loadExpression(plan: ColumnPlan, field: string): string {
  return plan.load ? plan.load(field) : field;
}
