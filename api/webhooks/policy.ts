/**
 * The dispatcher's rules as pure functions: which event types a webhook takes, when a failed
 * delivery is tried again, when it is given up (`dead`), and when a webhook that keeps failing is
 * disabled. docs/events.md ("Webhooks") states the same rules for admins.
 */
import { matchesType, parseTypePatterns } from '../events/type-patterns.ts';

/**
 * A webhook's event types: the feed's `types=` patterns (api/events/type-patterns.ts: a type
 * such as `order.shipped`, or an area such as `order.*`), one per entry, or `*` for every event.
 */
export function isEventTypePattern(pattern: string): boolean {
  return pattern === '*' || (!pattern.includes(',') && 'patterns' in parseTypePatterns(pattern));
}

/** A test of event types against `patterns` (checked by isEventTypePattern), parsed once. */
export function eventTypeMatcher(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const parsed = parseTypePatterns(patterns.join(','));
  if (!('patterns' in parsed)) return () => false;
  return (type) => matchesType(parsed.patterns, type);
}

/** True when `type` matches one of `patterns`. */
export function matchesEventTypes(patterns: readonly string[], type: string): boolean {
  return eventTypeMatcher(patterns)(type);
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
