/** The runtime's errors that callers recognise (routes map them to problem+json). */
import type { JobOutcome } from './types.ts';

/** Asking for a job that does not exist (→ 404). */
export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
  constructor(readonly job: string) {
    super(`there is no job named "${job}"`);
  }
}

/** A job that failed with something worth keeping (a build's model outcomes). */
export class JobFailure extends Error {
  override name = 'JobFailure';
  constructor(
    message: string,
    readonly outcome: JobOutcome,
  ) {
    super(message);
  }
}
