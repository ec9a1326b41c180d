/**
 * Where `salesops sql` runs a query. Beside a running `salesops start` (it owns the data
 * folder) the query is handed to it, POST /api/v1/sql with the caller's key, asking for the
 * JSON or CSV answer. Otherwise this process opens the warehouse itself and runs the query
 * through the same door the server uses, `readSql` with its guard: the CLI is no back door,
 * one read at a time under the same rules, only the time limit is an admin's.
 */
import fs from 'node:fs';
import type { Config } from '../../config.ts';
import { runningServer, type RunningServer } from '../../handoff.ts';
import { CliError, openWarehouseOrExplain } from '../../runtime.ts';
import type { Warehouse } from '../../warehouse/duckdb.ts';
import { readSql } from '../../warehouse/read/run.ts';
import { AppError } from '../errors.ts';
import type { SqlAnswer } from './cli-format.ts';
import { toCsvText } from './csv.ts';
import { toJsonAnswer } from './json.ts';
import { sqlResultOf, TIMEOUT_CAP_MS, type SqlResult } from './service.ts';

/** One query to run; limit and time limit default to the server's (config). */
export interface SqlCliRun {
  sql: string;
  limit?: number;
  timeoutMs?: number;
}

/** A place queries run: a server, or the warehouse file opened here. */
export interface SqlSource {
  /** Said once by the prompt: where the queries go. */
  readonly where: string;
  json(run: SqlCliRun): Promise<SqlAnswer>;
  csv(run: SqlCliRun): Promise<{ text: string; rowCount: number; truncated: boolean }>;
  /**
   * The readable relations with their descriptions, from the server's GET /sql/schema; undefined
   * where there is none (an older server, or no server): `\d` then asks information_schema.
   */
  schema(): Promise<SchemaRelation[] | undefined>;
  close(): void;
}

/** One relation of GET /sql/schema. */
export interface SchemaRelation {
  schema: string;
  name: string;
  kind: string;
  description: string | null;
  columns: { name: string; type: string; description: string | null }[];
}

const text = (v: unknown) => typeof v === 'string';
const orNull = (v: unknown) => v === null || typeof v === 'string';

/** `body` when it is GET /sql/schema's answer as this command reads it, else undefined. */
export function schemaItems(body: unknown): SchemaRelation[] | undefined {
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return undefined;
  const fits = items.every(
    (r: SchemaRelation) =>
      text(r?.schema) &&
      text(r.name) &&
      text(r.kind) &&
      orNull(r.description) &&
      Array.isArray(r.columns) &&
      r.columns.every((c) => text(c?.name) && text(c.type) && orNull(c.description)),
  );
  return fits ? (items as SchemaRelation[]) : undefined;
}

/** The running server that owns the folder (with a key), else the warehouse opened here. */
export async function openSqlSource(config: Config, key: string | undefined): Promise<SqlSource> {
  const server = runningServer(config, {
    key,
    command: 'sql',
    what: 'an analyst or admin API key',
    warehouse: true,
  });
  return server ? remoteSource(server) : localSource(config);
}

function remoteSource(server: RunningServer): SqlSource {
  const post = async (run: SqlCliRun, accept: string) => {
    const reply = await server.send('POST', '/sql', run, accept);
    if (reply.status >= 200 && reply.status < 300) return reply;
    let detail = `HTTP ${reply.status}`;
    try {
      detail = String((JSON.parse(reply.text) as { detail?: string }).detail ?? detail);
    } catch {
      /* not a problem document: the status says it */
    }
    // The query's own faults read the same as when it runs here; the key's name the server.
    if (reply.status === 401 || reply.status === 403 || reply.status >= 500)
      throw new CliError(`the server at ${server.url} answered ${reply.status}: ${detail}`);
    throw new CliError(inCliWords(detail));
  };
  return {
    where: `the server at ${server.url}`,
    async json(run) {
      return JSON.parse((await post(run, 'application/json')).text) as SqlAnswer;
    },
    async csv(run) {
      const reply = await post(run, 'text/csv');
      return {
        text: reply.text,
        rowCount: Number(reply.headers.get('x-row-count') ?? 0),
        truncated: reply.headers.get('x-truncated') === 'true',
      };
    },
    async schema() {
      const reply = await server.send('GET', '/sql/schema', undefined, 'application/json');
      if (reply.status !== 200) return undefined; // 404 before the endpoint existed
      try {
        return schemaItems(JSON.parse(reply.text));
      } catch {
        return undefined;
      }
    },
    close() {},
  };
}

/** The warehouse file, opened by this process: a clear line when it is missing or taken. */
async function openLocal(config: Config): Promise<Warehouse> {
  if (!fs.existsSync(config.warehousePath))
    throw new CliError(
      `there is no warehouse at ${config.warehousePath} yet: salesops start builds one ` +
        '(or salesops ingest, then salesops models build)',
    );
  try {
    return await openWarehouseOrExplain(config, 'sql');
  } catch (e) {
    // DuckDB's file lock: another process (not a salesops that took the folder) has it open.
    const message = (e as Error).message;
    if (!/Could not set lock on file/.test(message)) throw e;
    const pid = /\(PID (\d+)\)/.exec(message)?.[1];
    throw new CliError(
      `the warehouse ${config.warehousePath} is open in another process` +
        (pid ? ` (pid ${pid})` : '') +
        '; DuckDB allows one process per file: close it, or run salesops sql beside salesops start with --key',
    );
  }
}

/** The API's words for its options, as the command's options (`timeoutMs` is `--timeout`). */
function inCliWords(message: string): string {
  return message.replace('ask for a longer timeoutMs', 'pass a longer --timeout (seconds)');
}

async function localSource(config: Config): Promise<SqlSource> {
  const warehouse = await openLocal(config);
  const runHere = async (r: SqlCliRun): Promise<SqlResult> => {
    const cap = TIMEOUT_CAP_MS.admin!;
    const timeoutMs = r.timeoutMs ?? Math.min(config.sqlTimeoutMs, cap);
    if (timeoutMs > cap) throw new CliError(`--timeout: at most ${cap / 1000} seconds`);
    const read = await readSql(warehouse, r.sql, {
      limit: r.limit ?? config.sqlRowLimit,
      timeoutMs,
    });
    // As runSql (service.ts) shapes it, without its role and gate: one query at a time here.
    return sqlResultOf(read);
  };
  const run = async (r: SqlCliRun): Promise<SqlResult> => {
    try {
      return await runHere(r);
    } catch (e) {
      if (e instanceof AppError) throw new CliError(inCliWords(e.message));
      throw e;
    }
  };
  return {
    where: `the warehouse ${config.warehousePath} (no server holds the folder)`,
    async json(r) {
      return toJsonAnswer(await run(r)) as SqlAnswer;
    },
    async csv(r) {
      const result = await run(r);
      return { text: toCsvText(result), rowCount: result.rowCount, truncated: result.truncated };
    },
    schema: async () => undefined,
    close: () => warehouse.close(),
  };
}
