/**
 * `salesops ingest [--full] [--tables a,b] [--status] [--key KEY]`. Runs in this process when the
 * data folder is free; when `salesops start` holds it (PGlite and DuckDB allow one process per
 * folder), hands the run to that server over HTTP with an admin or manager key, or says plainly
 * how to. The server queues it behind a refresh cycle under way and this follows it to the end.
 */
import type { Config } from '../config.ts';
import { runningServer } from '../handoff.ts';
import { followRun } from '../jobs/follow.ts';
import { CliError, openMigratedDb, openWarehouseOrExplain } from '../runtime.ts';
import { IngestBusyError, IngestRequestError, TableFailure } from './errors.ts';
import { summaryLine, tableLine, terminalProgress } from './progress.ts';
import { runIngest } from './run.ts';
import type { TableResult } from './state.ts';
import { listRuns, type RunSummary } from './status.ts';

/** Options as commander parses them. */
export interface IngestCommandOptions {
  full?: boolean;
  tables?: string;
  status?: boolean;
  key?: string;
}

/** Where the command writes: results to stdout, progress to stderr. */
export interface CommandIo {
  print(line: string): void;
  note(line: string): void;
  /** Overwrite the current stderr line (TTY only). */
  live?(text: string): void;
}

/** Run the command. Throws CliError for everything the user should read as one line. */
export async function ingestCommand(
  config: Config,
  opts: IngestCommandOptions,
  io: CommandIo,
): Promise<void> {
  const tables = opts.tables
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (await handOver(config, opts, tables, io)) return;

  if (opts.status) {
    const warehouse = await openWarehouseOrExplain(config, 'ingest --status');
    try {
      printRuns(await listRuns(warehouse, { limit: 10 }), io);
    } finally {
      warehouse.close();
    }
    return;
  }

  const ops = await openMigratedDb(config, 'ingest');
  try {
    const warehouse = await openWarehouseOrExplain(config, 'ingest');
    try {
      const r = await runIngest(
        ops,
        warehouse,
        { tempDir: config.ingestTempDir, full: opts.full, tables },
        terminalProgress(io.note, io.live),
      );
      io.print(summaryLine(r.runId, r.tables, r.durationMs));
    } catch (e) {
      if (e instanceof IngestBusyError || e instanceof IngestRequestError) {
        throw new CliError(e.message);
      }
      if (e instanceof TableFailure) {
        throw new CliError(
          `ingest failed at ${e.message} — nothing was committed; the warehouse keeps the previous run's data`,
        );
      }
      throw e;
    } finally {
      warehouse.close();
    }
  } finally {
    await ops.close();
  }
}

/** Let the server that holds the data folder do it (handoff.ts finds it and authenticates). */
async function handOver(
  config: Config,
  opts: IngestCommandOptions,
  tables: string[] | undefined,
  io: CommandIo,
): Promise<boolean> {
  const server = runningServer(config, {
    key: opts.key,
    command: 'ingest',
    what: 'an admin or manager API key',
    warehouse: true,
  });
  if (!server) return false;
  const { call, url } = server;
  if (opts.status) {
    const list = (await call('GET', '/ingest/runs?limit=10')) as { items?: RunSummary[] };
    printRuns(list.items ?? [], io);
    return true;
  }
  // Queued behind any ingest or build the server is running (a refresh cycle), then followed.
  const queued = (await call('POST', '/ingest/runs', { full: opts.full, tables })) as JobRun;
  let announced = false;
  const run = await followRun<JobRun>(
    server,
    `/jobs/runs/${queued.id}`,
    (r) => {
      const runId = r.ingestRunId ?? (r.progress?.ingestRunId as number | undefined);
      if (runId && !announced) {
        io.note(`ingest run #${runId} started by the server at ${url}`);
        announced = true;
      }
    },
    io.note,
  );
  if (run.ingestRunId) {
    printRuns([(await call('GET', `/ingest/runs/${run.ingestRunId}`)) as RunSummary], io);
  }
  if (run.status !== 'succeeded') {
    throw new CliError(
      `ingest run ${run.ingestRunId ? `#${run.ingestRunId}` : `(job run #${run.id})`} ${run.status}: ` +
        (run.error ?? 'no reason given'),
    );
  }
  return true;
}

/** What the server answers for the ingest job's run (GET /jobs/runs/{id}). */
interface JobRun {
  id: number;
  status: string;
  ingestRunId: number | null;
  error: string | null;
  progress?: Record<string, unknown>;
}

/** Runs as text, newest first, with the tables that did something. */
function printRuns(runs: readonly RunSummary[], io: CommandIo): void {
  if (!runs.length) io.print('no ingest runs yet');
  for (const r of runs) {
    io.print(
      `#${r.runId}  ${r.status.padEnd(11)} ${r.mode.padEnd(11)} ${r.startedAt}  ` +
        `${r.durationMs === null ? '' : `${(r.durationMs / 1000).toFixed(2)} s  `}` +
        `${r.rowsRead ?? 0} read, ${r.rowsMerged ?? 0} merged, ${r.rowsDeleted ?? 0} deleted` +
        (r.error ? `  error: ${r.error}` : ''),
    );
    for (const t of r.tables) {
      if (t.mode === 'incremental' && !t.rowsRead && !t.rowsDeleted && t.status === 'succeeded')
        continue;
      io.print(tableLine(toResult(t)) + (t.status !== 'succeeded' ? `  [${t.status}]` : ''));
    }
    for (const w of r.warnings) io.print(`  warning: ${w}`);
  }
}

function toResult(t: RunSummary['tables'][number]): TableResult {
  return {
    table: t.table,
    mode: t.mode === 'incremental' ? 'incremental' : 'full',
    reason: t.reason ?? '',
    status: 'succeeded',
    rowsRead: t.rowsRead ?? 0,
    rowsMerged: t.rowsMerged ?? 0,
    rowsDeleted: t.rowsDeleted ?? 0,
    rowCount: t.rowCount,
    durationMs: t.durationMs ?? 0,
    watermark: t.watermark,
  };
}
