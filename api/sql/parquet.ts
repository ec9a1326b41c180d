/**
 * The application/vnd.apache.parquet answer of POST /sql: DuckDB writes the file itself
 * (COPY … TO, FORMAT parquet) into the export folder — the one folder besides the ingest's that
 * the warehouse may write (warehouse/duckdb.ts) — then opened, removed, and streamed from the
 * open descriptor; a failed query removes it too. The query passes the same guard as every analyst query;
 * what COPY runs is DuckDB's own re-serialisation of the judged parse tree
 * (json_deserialize_sql), not the text as sent, so nothing outside that tree can ride along.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBTypeId, StatementType, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { Response } from 'express';
import type { AppContext } from '../../context.ts';
import { badSql } from '../../warehouse/read/errors.ts';
import { guardRead, refused } from '../../warehouse/read/guard.ts';
import { bindParams, withReadConnection } from '../../warehouse/read/run.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { sqlGate, sqlLimits, type SqlRequest } from './service.ts';

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A REPLACE clause that writes HUGEINT and UHUGEINT columns as text: DuckDB's Parquet writer
 * stores them as DOUBLE, which rounds 9007199254740993 to …992 — the loss the JSON and Arrow
 * answers avoid by sending the exact digits.
 */
function hugeColumns(prepared: DuckDBPreparedStatement): string {
  const casts: string[] = [];
  for (let i = 0; i < prepared.columnCount; i++) {
    const id = prepared.columnTypeId(i);
    if (id === DuckDBTypeId.HUGEINT || id === DuckDBTypeId.UHUGEINT) {
      const name = quoteName(prepared.columnName(i));
      casts.push(`CAST(${name} AS VARCHAR) AS ${name}`);
    }
  }
  return casts.length ? ` REPLACE (${casts.join(', ')})` : '';
}

/**
 * Run `request` for `principal` and send its first `limit` rows as a Parquet file (header
 * x-row-count: the rows written, which it also returns). Same errors as runSql.
 */
export async function sendParquet(
  ctx: AppContext,
  principal: Pick<Principal, 'role'>,
  request: SqlRequest,
  res: Response,
): Promise<number> {
  const { limit, timeoutMs } = sqlLimits(ctx, principal, request);
  const gate = sqlGate(ctx);
  const file = path.join(ctx.config.exportDir, `sql-${randomUUID()}.parquet`);
  const leave = await gate.enter();
  let rows: number;
  try {
    rows = await withReadConnection(ctx.warehouse!, timeoutMs, async (conn) => {
      const statement = await guardRead(conn, request.sql);
      const exact = hugeColumns(statement.prepared);
      statement.prepared.destroySync();
      if (statement.explain) throw refused('EXPLAIN answers as JSON, CSV or Arrow, not Parquet');
      const canonical = await conn.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [
        JSON.stringify(statement.tree),
      ]);
      const select = String(canonical.getRows()[0]![0]);
      const copy = await conn.prepare(
        `COPY (SELECT *${exact} FROM (${select}) LIMIT ${limit}) TO ${sqlString(file)} (FORMAT parquet)`,
      );
      try {
        if (copy.statementType !== StatementType.COPY) throw refused('not a read');
        bindParams(copy, request.params);
        const written = await copy.runAndReadAll();
        return Number(written.getRows()[0]![0]);
      } catch (e) {
        if (e instanceof AppError) throw e;
        if (/interrupt/i.test(String(e))) throw e; // withReadConnection says 408
        throw badSql(e, request.sql);
      } finally {
        copy.destroySync();
      }
    });
  } catch (e) {
    fs.rmSync(file, { force: true });
    throw e;
  } finally {
    leave();
  }
  // Opened, then removed at once: the open descriptor keeps the bytes readable while they are
  // sent (POSIX), and no other request — nor a crash mid-send — can find the file afterwards.
  const fd = fs.openSync(file, 'r');
  fs.rmSync(file, { force: true });
  res.status(200).type('application/vnd.apache.parquet');
  res.setHeader('content-disposition', 'attachment; filename="query.parquet"');
  res.setHeader('content-length', String(fs.fstatSync(fd).size));
  res.setHeader('x-row-count', String(rows));
  await pipeline(fs.createReadStream('', { fd }), res);
  return rows;
}
