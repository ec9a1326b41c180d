/**
 * The application/vnd.apache.arrow.stream answer of POST /sql, built with apache-arrow:
 * node-api has no Arrow output of DuckDB's own. Each column is in the Arrow type that holds it
 * exactly: BIGINT as Int64, DECIMAL as Decimal128 with its precision and scale, TIMESTAMPTZ as
 * Timestamp(µs, UTC), DATE as Date32, lists as List. What Arrow has no exact twin for (HUGEINT,
 * INTERVAL, UUID, structs, …) travels as Utf8 in the JSON answer's text form. Every field keeps
 * DuckDB's type name in its metadata (`duckdb.type`).
 *
 * A column's buffers are copied from DuckDB's vectors where their bytes are Arrow's
 * (arrow-vectors.ts: the common, flat types, and the bulk of a big answer); lists and the
 * text-only types are built from DuckDB values (arrow-values.ts).
 */
import type { DuckDBValue } from '@duckdb/node-api';
import {
  Field,
  RecordBatch,
  Schema,
  Struct,
  Table,
  makeData,
  tableToIPC,
  type Data,
} from 'apache-arrow';
import { valueColumnData } from './arrow-values.ts';
import { vectorColumnData } from './arrow-vectors.ts';
import { chunkRowCounts, type SqlResult } from './service.ts';
import { columnParts } from './vectors.ts';

/** Column `index` of `result` from its DuckDB vectors; undefined for a type they do not give. */
export function vectorColumn(result: SqlResult, index: number): Data | undefined {
  return vectorColumnData(result.columns[index]!.duckType, columnParts(result, index));
}

/** Column `index` of `result` from its DuckDB values: lists and text-only types (any type). */
export function valueColumn(result: SqlResult, index: number): Data {
  const kept = chunkRowCounts(result);
  const values: DuckDBValue[] = [];
  result.chunks.forEach((chunk, k) => {
    if (!kept[k]) return;
    const all = chunk.getColumnValues(index);
    for (let r = 0; r < kept[k]; r++) values.push(all[r]!);
  });
  return valueColumnData(result.columns[index]!.duckType, values);
}

/** `result` as one Arrow IPC stream (a schema message, one record batch). */
export function toArrowStream(result: SqlResult): Uint8Array {
  return arrowStreamOf(
    result,
    result.columns.map((_, i) => vectorColumn(result, i) ?? valueColumn(result, i)),
  );
}

/** The IPC stream of `result` with its columns' data already built. */
export function arrowStreamOf(result: SqlResult, columns: readonly Data[]): Uint8Array {
  const fields = result.columns.map(
    (c, i) => new Field(c.name, columns[i]!.type, true, new Map([['duckdb.type', c.type]])),
  );
  const schema = new Schema(fields);
  const batch = new RecordBatch(
    schema,
    makeData({
      type: new Struct(fields),
      length: result.rowCount,
      nullCount: 0,
      children: [...columns],
    }),
  );
  return tableToIPC(new Table(schema, batch), 'stream');
}
