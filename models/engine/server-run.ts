/**
 * `salesops models run|test|build` beside a running `salesops start`: the server owns the
 * warehouse, so the command hands the run to it (POST /models/runs) and follows it (GET
 * /models/runs/{id}), printing each model's line as it finishes and the summary line, exactly as
 * a local run does, and failing with exit 1 when the run failed.
 */
import type { Config } from '../../config.ts';
import { runningServer } from '../../handoff.ts';
import { followRun } from '../../jobs/follow.ts';
import { CliError } from '../../runtime.ts';
import { runSummaryLine, summaryLine, type ModelSummary } from './outcome-line.ts';

type Print = (line: string) => void;

interface ModelRun {
  id: number;
  status: string;
  models: (Omit<ModelSummary, 'model' | 'testsPassed' | 'testsFailed' | 'testsWarned'> & {
    name: string;
    error: string | null;
    tests: { passed: number; failed: number; warned: number };
  })[];
  freshness: { status: string; message: string }[];
  durationMs: number | null;
  modelRunId: string | null;
  error: string | null;
}

/** True when a server took the run (and it has been followed to its end). */
export async function handModelsToServer(
  config: Config,
  command: 'run' | 'test' | 'build',
  selectors: string[],
  opts: { fullRefresh?: boolean; key?: string; var?: Record<string, string> },
  io: { print: Print; note: Print },
): Promise<boolean> {
  const server = runningServer(config, {
    key: opts.key,
    command: `models ${command}`,
    what: 'an admin or manager API key',
    warehouse: true,
  });
  if (!server) return false;
  if (opts.var && Object.keys(opts.var).length) {
    throw new CliError(
      `--var cannot be handed to the server at ${server.url}: it builds with the project's ` +
        'default variables; stop it to build with others',
    );
  }
  const queued = (await server.call('POST', '/models/runs', {
    command,
    ...(selectors.length ? { select: selectors } : {}),
    ...(opts.fullRefresh ? { fullRefresh: true } : {}),
  })) as ModelRun;
  io.note(`model run #${queued.id} handed to the server at ${server.url}`);
  let printed = 0;
  const run = await followRun<ModelRun>(
    server,
    `/models/runs/${queued.id}`,
    (r) => {
      for (const m of r.models.slice(printed)) {
        io.print(
          summaryLine({
            ...m,
            model: m.name,
            testsPassed: m.tests.passed,
            testsFailed: m.tests.failed,
            testsWarned: m.tests.warned,
            error: m.error ?? undefined,
          }),
        );
      }
      printed = r.models.length;
    },
    io.note,
  );
  for (const f of run.freshness) {
    io.print(`${f.status === 'error' ? 'FAIL' : 'warn'}  freshness: ${f.message}`);
  }
  if (run.modelRunId) {
    io.print(
      runSummaryLine(
        run.status === 'succeeded',
        run.models.map((m) => ({ status: m.status, testsWarned: m.tests.warned })),
        run.durationMs ?? 0,
        run.modelRunId,
      ),
    );
  }
  if (run.status !== 'succeeded') {
    // A run that reached the engine said why in its lines; one that did not says it here.
    if (!run.modelRunId) {
      throw new CliError(`model run #${run.id} ${run.status}: ${run.error ?? 'no reason given'}`);
    }
    process.exitCode = 1;
  }
  return true;
}
