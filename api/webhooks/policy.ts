/**
 * The dispatcher's rules as pure functions: which event types a webhook takes, when a failed
 * delivery is tried again, when it is given up (`dead`), and when a webhook that keeps failing is
 * disabled. docs/events.md ("Webhooks") states the same rules for admins.
 */

/**
 * An event type (`order.shipped`), every type of an area (`order.*`) or every type (`*`):
 * the feed's `types=` forms (lower case words with `_`, dot-separated), plus `*`.
 */
export const EVENT_TYPE_PATTERN =
  /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*)$/;

/** True when `type` matches one of `patterns`. */
export function matchesEventTypes(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

/** Longest wait between two attempts, however many failed: a receiver back up is found soon. */
export const MAX_RETRY_DELAY_MS = 4 * 3_600_000;

/**
 * The wait after failed attempt number `attempt` (1-based): base · 2^(attempt-1), at most
 * MAX_RETRY_DELAY_MS, then ±25 % jitter so the deliveries that failed together (a receiver that
 * was down) do not all come back in the same second.
 */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random()): number {
  const exponential = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(exponential * (0.75 + 0.5 * random));
}

/** What becomes of a delivery whose attempt failed. */
export type AfterFailure = { status: 'dead' } | { status: 'pending'; nextAttemptAt: Date };

/**
 * A failed delivery is retried until `windowMs` after its window started (its first attempt, or
 * its redelivery); the last retry is made at the window's end, and when that fails too the
 * delivery is dead.
 */
export function afterFailure(opts: {
  now: Date;
  windowStartedAt: Date;
  attempt: number;
  baseMs: number;
  windowMs: number;
  random?: number;
}): AfterFailure {
  const deadline = opts.windowStartedAt.getTime() + opts.windowMs;
  const now = opts.now.getTime();
  if (now >= deadline) return { status: 'dead' };
  const next = now + retryDelayMs(opts.attempt, opts.baseMs, opts.random);
  return { status: 'pending', nextAttemptAt: new Date(Math.min(next, deadline)) };
}

/**
 * A webhook is disabled when at least `failures` attempts in a row failed (any of its
 * deliveries; a success resets the count) and the first of them was at least `afterMs` ago: a
 * receiver down for a day, not one bad minute or one event it cannot take.
 */
export function shouldDisable(opts: {
  consecutiveFailures: number;
  failingSince: Date | null;
  now: Date;
  failures: number;
  afterMs: number;
}): boolean {
  if (opts.consecutiveFailures < opts.failures || !opts.failingSince) return false;
  return opts.now.getTime() - opts.failingSince.getTime() >= opts.afterMs;
}
