/**
 * The runner's own error, apart from the runner so the API's error mapping (api/problem.ts) can
 * recognise it without loading the engine. The load-time errors are ModelFileError (header.ts)
 * and SelectionError (selection.ts).
 */

/** A run stopped by its AbortSignal; `reason` is the signal's. Nothing of it was published. */
export class RunInterruptedError extends Error {
  override name = 'RunInterruptedError';
  constructor(
    /** The run's id in meta.runs, or undefined when it was aborted before it started. */
    readonly runId: string | undefined,
    readonly reason: unknown,
  ) {
    const why = reason instanceof Error ? reason.message : String(reason);
    super(`model run ${runId ?? '(not started)'} was interrupted (${why}); nothing was published`, {
      cause: reason,
    });
  }
}
