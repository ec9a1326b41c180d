/** The ways a run is refused or fails that callers turn into plain messages (CLI) or 409/400 (API). */

/** A run is already in progress; the message says which and what to do. */
export class IngestBusyError extends Error {
  override name = 'IngestBusyError';
}

/** The request names tables the run cannot copy. */
export class IngestRequestError extends Error {
  override name = 'IngestRequestError';
}

/** A failure while copying one table; the message starts with the table's name. */
export class TableFailure extends Error {
  override name = 'TableFailure';
  constructor(
    readonly table: string,
    cause: unknown,
  ) {
    super(`${table}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }

  /** Wrap `e` as a failure of `table`, unless it already names one. */
  static of(table: string, e: unknown): TableFailure {
    return e instanceof TableFailure ? e : new TableFailure(table, e);
  }
}

/**
 * The run was stopped through its abort signal (IngestOptions.signal) and rolled back; the
 * warehouse is as the last committed run left it. `reason` is the signal's reason.
 */
export class IngestAbortedError extends Error {
  override name = 'IngestAbortedError';
  constructor(readonly reason: unknown) {
    super(
      `the run was stopped before it finished (${reason instanceof Error ? reason.message : String(reason)}); nothing of it was committed`,
      { cause: reason },
    );
  }
}
