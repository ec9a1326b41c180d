/** What every route needs, built once at start and passed down (no hidden globals). */
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { OperationalDb } from './db/operational.ts';
import type { Warehouse } from './warehouse/duckdb.ts';
import type { JobRuntime } from './jobs/runtime.ts';
import type { DashboardCatalog } from './dashboards/catalog.ts';
import type { ReportCatalog } from './dashboards/report-catalog.ts';
import type { EventHub } from './api/events/hub.ts';

export interface AppContext {
  readonly config: Config;
  readonly ops: OperationalDb;
  /** Absent when a command runs without the warehouse (e.g. keys create). */
  readonly warehouse?: Warehouse;
  readonly logger: Logger;
  /** The job runtime, in a server that runs background work (absent in CLI-only contexts). */
  readonly jobs?: JobRuntime;
  /** Told after each API write to business data: the warehouse is stale (jobs/changes.ts). */
  readonly changes?: { written(): void };
  /**
   * What time it is for sign-in rules (session expiry, lockouts, link lifetimes): computed here
   * and passed to SQL, because SQL's now() cannot be moved by a test's fake timers. Default: the
   * system clock.
   */
  readonly clock?: () => Date;
  /** Publishes events and wakes their readers (api/events/hub.ts); in a server, not the CLI. */
  readonly events?: EventHub;
  /** The dashboard files, loaded and checked at start (dashboards/catalog.ts). */
  readonly dashboards?: DashboardCatalog;
  /** The scheduled reports (dashboards/reports.yaml), loaded and checked after the dashboards. */
  readonly reports?: ReportCatalog;
}

/** The context's clock, or the system's. */
export function nowOf(ctx: { clock?: () => Date }): Date {
  return ctx.clock ? ctx.clock() : new Date();
}
