/**
 * Following a run the server was handed (`salesops models build`, `ingest`, `jobs run` while
 * `salesops start` holds the data folder): poll its record until it ends, telling the caller of
 * each answer so it can print what is new. A run queued behind a refresh cycle says so once, so
 * the person at the terminal knows why nothing moves yet.
 */
import type { RunningServer } from '../handoff.ts';

/** A run record as the API answers it: only what following needs. */
export interface FollowedRun {
  id: number;
  status: string;
}

const ENDED = new Set(['succeeded', 'failed', 'interrupted', 'skipped']);

/** How often to ask: quick enough that model lines appear as they finish. */
export const POLL_MS = 300;

/**
 * Poll `urlPath` (under /api/v1) until the run has ended; `onUpdate` sees every answer, the last
 * one included. `note` gets the one "waiting" line.
 */
export async function followRun<T extends FollowedRun>(
  server: Pick<RunningServer, 'call'>,
  urlPath: string,
  onUpdate: (run: T) => void,
  note: (line: string) => void,
  pollMs = POLL_MS,
): Promise<T> {
  let saidWaiting = false;
  for (;;) {
    const run = (await server.call('GET', urlPath)) as T;
    onUpdate(run);
    if (ENDED.has(run.status)) return run;
    if (run.status === 'queued' && !saidWaiting) {
      note(`run #${run.id} is queued behind the warehouse's running ingest or build; waiting…`);
      saidWaiting = true;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
