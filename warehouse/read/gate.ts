/**
 * How many analyst queries run at once. Each running DuckDB query holds one of libuv's threads
 * (node-api runs it as async work), and the same pool reads files, hashes passwords (scrypt)
 * and runs the dashboards' and the scheduler's queries: with analysts free to fill it, one
 * person's three cross joins would stop sign-in. So at most `running` analyst queries run —
 * config.ts keeps that below UV_THREADPOOL_SIZE — a few more wait in line, and the rest are
 * told 429 with Retry-After at once rather than piling up. Internal reads (reports, dashboards)
 * do not take a slot: they are short and trusted, and a busy analyst must not starve them.
 *
 * One gate per warehouse, kept beside it in a WeakMap rather than on the Warehouse object, so
 * the warehouse stays ignorant of who queries it and a closed warehouse takes its gate along.
 */
import { AppError } from '../../api/errors.ts';
import type { Warehouse } from '../duckdb.ts';

/** The gate's sizes. */
export interface GateLimits {
  /** Analyst queries running at once. */
  running: number;
  /** Analyst queries waiting for a slot; one more is a 429. */
  waiting: number;
}

/**
 * Seconds a refused caller is told to wait: a slot frees as soon as one running query ends,
 * and most end well within a second or two; a client that backs off further is welcome to.
 */
export const RETRY_AFTER_SECONDS = 2;

/** A counting semaphore with a bounded line. */
export class ReadGate {
  private active = 0;
  private readonly line: (() => void)[] = [];

  constructor(readonly limits: GateLimits) {}

  /** Queries running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.line.length };
  }

  /** Wait for a slot (429 when the line is full); call the answer to give it back. */
  async enter(): Promise<() => void> {
    if (this.active < this.limits.running) this.active++;
    else if (this.line.length < this.limits.waiting)
      await new Promise<void>((resolve) => this.line.push(resolve));
    else
      throw new AppError(
        'too_many_requests',
        `${this.limits.running} queries are running and ${this.limits.waiting} waiting; try again in ${RETRY_AFTER_SECONDS} s`,
        { retryAfterSeconds: RETRY_AFTER_SECONDS },
      );
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next in line, so `active` never dips and refills.
      const next = this.line.shift();
      if (next) next();
      else this.active--;
    };
  }
}

const gates = new WeakMap<Warehouse, ReadGate>();

/** The analyst gate of `warehouse`, made with `limits` on first use. */
export function gateOf(warehouse: Warehouse, limits: GateLimits): ReadGate {
  let gate = gates.get(warehouse);
  if (!gate) gates.set(warehouse, (gate = new ReadGate(limits)));
  return gate;
}
