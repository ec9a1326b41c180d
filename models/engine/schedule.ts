/**
 * The runner's concurrency: which model starts when (parents first, at most `threads` at once,
 * skipping what depends on a failure) and, on abort, interrupting the statements under way.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ModelOutcome } from './materialize.ts';
import type { Project } from './project.ts';

/**
 * On abort, interrupts every busy connection, and again every 50 ms while any is busy: a
 * DuckDB interrupt only stops the statement running at that moment, and a model between two
 * statements would otherwise start its next one (a CTAS of minutes) right after.
 */
export class Interrupter {
  private timer?: NodeJS.Timeout;
  private readonly onAbort = () => {
    const tick = () => {
      for (const c of this.busy) c.interrupt();
    };
    tick();
    this.timer = setInterval(tick, 50);
  };
  constructor(
    private readonly busy: ReadonlySet<DuckDBConnection>,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }
  /** Stop listening and interrupting (the run is over). */
  stop(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    clearInterval(this.timer);
  }
}

/**
 * Start each selected model once its selected parents succeeded; skip it when one failed or was
 * skipped (unless `independent`, for tests, where one failure says nothing about the others).
 * At most `threads` at once. Returns outcomes in the order models finished, once `finished` has
 * resolved for all of them. `finished` (the meta write, one commit per model) does not hold a
 * slot: the next model starts at once, so the commit overlaps its build instead of delaying it.
 * Once `signal` fires nothing more starts, and it resolves when the running models settle.
 */
export async function schedule(
  project: Project,
  selected: readonly string[],
  threads: number,
  independent: boolean,
  signal: AbortSignal | undefined,
  work: (name: string) => Promise<ModelOutcome>,
  finished: (o: ModelOutcome) => Promise<void>,
): Promise<ModelOutcome[]> {
  const chosen = new Set(selected);
  const state = new Map<string, ModelOutcome['status'] | 'running'>();
  const waiting = [...selected]; // build order, so parents are always ahead of children
  const outcomes: ModelOutcome[] = [];
  const recorded: Promise<void>[] = [];
  let running = 0;
  return new Promise((resolve, reject) => {
    const record = (o: ModelOutcome) => {
      outcomes.push(o);
      recorded.push(finished(o));
      recorded.at(-1)!.catch(reject);
    };
    const pump = () => {
      // Aborted: start nothing more; resolve with what finished once the running ones stop.
      if (signal?.aborted) waiting.length = 0;
      for (let i = 0; i < waiting.length && running < threads;) {
        const name = waiting[i]!;
        const parents = [...project.dag.parents.get(name)!].filter((p) => chosen.has(p));
        const bad = independent
          ? undefined
          : parents.find((p) => {
              const s = state.get(p);
              return s === 'error' || s === 'skipped';
            });
        if (bad) {
          waiting.splice(i, 1);
          const now = new Date().toISOString();
          const o: ModelOutcome = {
            model: name,
            status: 'skipped',
            mode: 'none',
            rows: null,
            rowsChanged: null,
            durationMs: 0,
            startedAt: now,
            finishedAt: now,
            tests: [],
            error: `skipped: upstream ${bad} ${state.get(bad) === 'error' ? 'failed' : 'was skipped'}`,
          };
          state.set(name, 'skipped');
          record(o);
          continue;
        }
        if (independent || parents.every((p) => state.get(p) === 'success')) {
          waiting.splice(i, 1);
          state.set(name, 'running');
          running++;
          work(name)
            .then((o) => {
              state.set(name, o.status);
              record(o);
              running--;
              pump();
            })
            .catch(reject);
          continue;
        }
        i++;
      }
      if (running === 0 && waiting.length === 0)
        Promise.all(recorded).then(() => resolve(outcomes), reject);
      else if (running === 0) reject(new Error(`no model can start: ${waiting.join(', ')}`));
    };
    signal?.addEventListener('abort', () => running === 0 && pump(), { once: true });
    pump();
  });
}
