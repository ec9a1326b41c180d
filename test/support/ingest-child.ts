/**
 * An ingest run in a process of its own, for the tests that need a real second process: one
 * killed with SIGKILL at a named step (nothing in the process gets to clean up, as after a power
 * cut or the OOM killer), or one that stops at a step and holds its locks until the parent kills
 * it. Started by spawnIngestChild; the single argument is a JSON ChildRequest.
 *
 * Exit: 0 after a committed run (stdout: the result as JSON), 2 when refused as busy, 1 on any
 * other failure (stderr: the message), or killed by SIGKILL at `killAt`.
 */
import { loadConfig } from '../../config.ts';
import { openPostgres } from '../../db/postgres.ts';
import { IngestBusyError } from '../../ingest/errors.ts';
import { runIngest, type IngestOptions } from '../../ingest/run.ts';
import { openWarehouse } from '../../warehouse/duckdb.ts';

/** What the child is asked to do. */
export interface ChildRequest {
  pgUrl: string;
  dataDir: string;
  options?: Omit<IngestOptions, 'tempDir' | 'onStep'>;
  /** SIGKILL itself when the run reaches this step (see IngestOptions.onStep for the names). */
  killAt?: string;
  /** Print "held" and wait forever when the run reaches this step. */
  holdAt?: string;
}

const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
const config = loadConfig({ SALESOPS_DATA_DIR: request.dataDir, LOG_LEVEL: 'silent' });
const ops = await openPostgres(request.pgUrl, { max: 2 });
const warehouse = await openWarehouse(config, 'test-child');
try {
  const result = await runIngest(ops, warehouse, {
    ...request.options,
    tempDir: config.ingestTempDir,
    onStep: async (step) => {
      if (step === request.killAt) process.kill(process.pid, 'SIGKILL');
      if (step === request.holdAt) {
        process.stdout.write('held\n');
        await new Promise(() => {});
      }
    },
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = e instanceof IngestBusyError ? 2 : 1;
} finally {
  warehouse.close();
  await ops.close();
}
