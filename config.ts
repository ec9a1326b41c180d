/**
 * The only reader of process.env. Parsed with zod once, frozen, and passed down:
 * library code never looks at the environment, so tests can build any config they need.
 */
import path from 'node:path';
import { envSchema, JOB_CRON, LOG_LEVELS, SECRET_VARIABLES } from './config-env.ts';
import type { TreeSettings } from './segment/tree-settings.ts';

/** Validated, frozen runtime configuration. */
export interface Config {
  /** Real PostgreSQL when set; undefined means the embedded PGlite default. */
  readonly databaseUrl: string | undefined;
  /** Folder that holds the PGlite data folder and the DuckDB warehouse file. */
  readonly dataDir: string;
  readonly pgliteDir: string;
  readonly warehousePath: string;
  /** Folder the warehouse may read (ingest temp files) — the DuckDB sandbox allows only these. */
  readonly ingestTempDir: string;
  readonly exportDir: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Time zone that business dates (order day, month) are computed in. */
  readonly timezone: string;
  /**
   * DuckDB's memory_limit. Its default is 80 % of the machine's RAM, so the buffer pool of a
   * long-running server only grew (ingest of 10 M lines peaked at 574 MB); past this it evicts
   * pages to the warehouse file and spills large joins and sorts to its temp folder.
   */
  readonly warehouseMemory: string;
  /**
   * Run the API's parameterised statements as named prepared statements on PostgreSQL
   * (db/prepared-pool.ts). Off for a pooler that cannot carry them across connections
   * (PgBouncer in transaction mode before 1.21, say).
   */
  readonly pgPrepared: boolean;
  /**
   * The key a CLI command presents when it hands its work to the server that holds the data
   * folder (handoff.ts); `--key` overrides it. A secret: never logged or printed.
   */
  readonly apiKey: string | undefined;
  /** Run the job scheduler in this process (SALESOPS_SCHEDULER=off: operational API only). */
  readonly scheduler: boolean;
  /** Time zone the job schedules are read in (SALESOPS_JOBS_TIMEZONE, default `timezone`). */
  readonly jobsTimezone: string;
  /** Shortest gap between two change-driven ingest → build cycles while the warehouse is stale. */
  readonly refreshSeconds: number;
  /** Job, ingest and model run history older than this many days is deleted by `cleanup`. */
  readonly historyDays: number;
  /**
   * The churn and propensity trees' depth and minimum rows to split, for every `segment` run
   * (SALESOPS_SEGMENT_TREE_DEPTH, SALESOPS_SEGMENT_MIN_SAMPLES; segment/tree-settings.ts); a
   * manual run may override them.
   */
  readonly segmentTree: Readonly<TreeSettings>;
  /**
   * Scheduled reports' images older than this many days are deleted by `cleanup`
   * (SALESOPS_REPORT_RETENTION_DAYS, default 30); their report.ready events stay, and the image
   * link in an older one answers 404.
   */
  readonly reportRetentionDays: number;
  /**
   * Schedule overrides by environment variable name (SALESOPS_JOB_STOCK_ALERTS_CRON → its
   * value, `off` included), checked against the job list when the scheduler starts
   * (jobs/schedule.ts), so the error can name both the variable and the job.
   */
  readonly jobCron: Readonly<Record<string, string>>;
  /**
   * Events older than this many days (since they were published) are removed from the outbox by
   * `cleanup`; a feed resume from before them answers 410 (SALESOPS_EVENT_RETENTION_DAYS).
   */
  readonly eventRetentionDays: number;
  /** A comment line on every event stream this often, for proxies that close quiet connections. */
  readonly eventHeartbeatMs: number;
  /**
   * Bytes an event stream may hold for a consumer that has not taken them; past this it waits
   * for the consumer (SALESOPS_EVENT_STREAM_BUFFER_KB), so memory per stream stays bounded.
   */
  readonly eventStreamBufferBytes: number;
  /** How long a stream waits for a consumer that takes nothing before it cuts it off. */
  readonly eventStreamStallMs: number;
  /**
   * Webhooks may target private, loopback and link-local addresses (SALESOPS_WEBHOOK_ALLOW_PRIVATE):
   * off by default, so an admin key cannot make the server probe its own network.
   */
  readonly webhookAllowPrivate: boolean;
  /**
   * The key webhook secrets are encrypted under (base64 of 32 bytes), or undefined: then a key
   * file in the data folder (api/webhooks/secret-key.ts). A secret: never logged or printed.
   */
  readonly webhookKey: string | undefined;
  /** The first retry's delay before jitter; each next one doubles (ms). */
  readonly webhookRetryBaseMs: number;
  /** A delivery is retried this long after its first attempt, then it is dead (ms). */
  readonly webhookRetryWindowMs: number;
  /**
   * A webhook is disabled when at least this many attempts in a row failed and the first of
   * them is at least `webhookDisableAfterMs` old.
   */
  readonly webhookDisableFailures: number;
  readonly webhookDisableAfterMs: number;
  /**
   * The base of links the server prints and answers with (first-start sign-in, set-password);
   * undefined means the URL it listens on, or the request's own origin.
   */
  readonly publicUrl: string | undefined;
  /** Behind a proxy: believe X-Forwarded-Proto/-For (Secure cookies, the request's origin). */
  readonly trustProxy: boolean;
  /** A session unused this long ends (SALESOPS_SESSION_IDLE_MINUTES, default 8 h). */
  readonly sessionIdleMinutes: number;
  /** A session ends this long after sign-in however much it is used (default 7 days). */
  readonly sessionMaxDays: number;
  /**
   * log2 of scrypt's N for new password hashes (default 17, OWASP's minimum). Stored with each
   * hash, so changing it leaves existing passwords valid.
   */
  readonly passwordCost: number;
  /** An analyst query's time limit when it asks for none (SALESOPS_SQL_TIMEOUT_SECONDS, ms). */
  readonly sqlTimeoutMs: number;
  /** Rows an analyst query answers when it asks for no `limit` (SALESOPS_SQL_ROW_LIMIT). */
  readonly sqlRowLimit: number;
  /**
   * Analyst queries running at once (SALESOPS_SQL_CONCURRENCY, default 2). Each holds one of
   * libuv's UV_THREADPOOL_SIZE threads (default 4), which file access, password hashing and the
   * dashboards' and scheduler's queries need too, so it must stay below that size: start-up
   * refuses otherwise. To allow more, raise UV_THREADPOOL_SIZE in the environment — setting it
   * from code is too late in an ES module program, whose loader has used the pool already.
   */
  readonly sqlConcurrency: number;
  /** Analyst queries waiting for a slot before the next is answered 429 (SALESOPS_SQL_QUEUE). */
  readonly sqlQueue: number;
  /**
   * The PostgreSQL wire protocol door to the same read path (sqlwire/, docs/sql.md): off when
   * undefined (SALESOPS_SQL_PORT unset), on `host`:`port` otherwise; with `tls` (PEM file paths,
   * SALESOPS_SQL_TLS_CERT and _KEY) it honours SSLRequest.
   */
  readonly sqlWire:
    | {
        readonly port: number;
        readonly host: string;
        readonly tls?: { readonly certFile: string; readonly keyFile: string };
      }
    | undefined;
}

/** Thrown when an environment variable is invalid; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Build a Config from an env-like record (process.env by default, anything in tests). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as a shell user expects from `PORT= npm start`.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // A malformed key is still most of a key: say what is wrong, never what was given.
    const got = SECRET_VARIABLES.has(name) ? 'value not shown' : `got ${JSON.stringify(env[name])}`;
    throw new ConfigError(`${name}: ${issue.message} (${got})`);
  }
  const e = parsed.data;
  if (e.SALESOPS_SQL_CONCURRENCY >= e.UV_THREADPOOL_SIZE)
    throw new ConfigError(
      `SALESOPS_SQL_CONCURRENCY: must be below UV_THREADPOOL_SIZE (${e.UV_THREADPOOL_SIZE}), which file access and sign-in share; raise UV_THREADPOOL_SIZE too (got ${e.SALESOPS_SQL_CONCURRENCY})`,
    );
  if ((e.SALESOPS_SQL_TLS_CERT === undefined) !== (e.SALESOPS_SQL_TLS_KEY === undefined))
    throw new ConfigError(
      `${e.SALESOPS_SQL_TLS_CERT === undefined ? 'SALESOPS_SQL_TLS_CERT' : 'SALESOPS_SQL_TLS_KEY'}: set both SALESOPS_SQL_TLS_CERT and SALESOPS_SQL_TLS_KEY (PEM files), or neither`,
    );
  const dataDir = path.resolve(e.SALESOPS_DATA_DIR);
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir,
    pgliteDir: path.join(dataDir, 'pglite'),
    warehousePath: path.join(dataDir, 'warehouse.duckdb'),
    ingestTempDir: path.join(dataDir, 'tmp'),
    exportDir: path.join(dataDir, 'exports'),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    timezone: e.SALESOPS_TIMEZONE,
    warehouseMemory: e.SALESOPS_WAREHOUSE_MEMORY,
    pgPrepared: e.SALESOPS_PG_PREPARED,
    apiKey: e.SALESOPS_API_KEY,
    scheduler: e.SALESOPS_SCHEDULER,
    jobsTimezone: e.SALESOPS_JOBS_TIMEZONE ?? e.SALESOPS_TIMEZONE,
    refreshSeconds: e.SALESOPS_REFRESH_SECONDS,
    historyDays: e.SALESOPS_HISTORY_DAYS,
    segmentTree: {
      maxDepth: e.SALESOPS_SEGMENT_TREE_DEPTH,
      minNumSamples: e.SALESOPS_SEGMENT_MIN_SAMPLES,
    },
    eventRetentionDays: e.SALESOPS_EVENT_RETENTION_DAYS,
    eventHeartbeatMs: Math.round(e.SALESOPS_EVENT_HEARTBEAT_SECONDS * 1000),
    eventStreamBufferBytes: e.SALESOPS_EVENT_STREAM_BUFFER_KB * 1024,
    eventStreamStallMs: Math.round(e.SALESOPS_EVENT_STREAM_STALL_SECONDS * 1000),
    webhookAllowPrivate: e.SALESOPS_WEBHOOK_ALLOW_PRIVATE,
    webhookKey: e.SALESOPS_WEBHOOK_KEY,
    webhookRetryBaseMs: Math.round(e.SALESOPS_WEBHOOK_RETRY_BASE_SECONDS * 1000),
    webhookRetryWindowMs: Math.round(e.SALESOPS_WEBHOOK_RETRY_HOURS * 3_600_000),
    webhookDisableFailures: e.SALESOPS_WEBHOOK_DISABLE_FAILURES,
    webhookDisableAfterMs: Math.round(e.SALESOPS_WEBHOOK_DISABLE_HOURS * 3_600_000),
    reportRetentionDays: e.SALESOPS_REPORT_RETENTION_DAYS,
    publicUrl: e.SALESOPS_PUBLIC_URL,
    trustProxy: e.SALESOPS_TRUST_PROXY,
    sessionIdleMinutes: e.SALESOPS_SESSION_IDLE_MINUTES,
    sessionMaxDays: e.SALESOPS_SESSION_MAX_DAYS,
    passwordCost: e.SALESOPS_PASSWORD_COST,
    sqlTimeoutMs: e.SALESOPS_SQL_TIMEOUT_SECONDS * 1000,
    sqlRowLimit: e.SALESOPS_SQL_ROW_LIMIT,
    sqlConcurrency: e.SALESOPS_SQL_CONCURRENCY,
    sqlQueue: e.SALESOPS_SQL_QUEUE,
    sqlWire:
      e.SALESOPS_SQL_PORT === undefined
        ? undefined
        : Object.freeze({
            port: e.SALESOPS_SQL_PORT,
            host: e.SALESOPS_SQL_HOST,
            tls:
              e.SALESOPS_SQL_TLS_CERT && e.SALESOPS_SQL_TLS_KEY
                ? Object.freeze({
                    certFile: path.resolve(e.SALESOPS_SQL_TLS_CERT),
                    keyFile: path.resolve(e.SALESOPS_SQL_TLS_KEY),
                  })
                : undefined,
          }),
    jobCron: Object.freeze(
      Object.fromEntries(Object.entries(cleaned).filter(([k]) => JOB_CRON.test(k))),
    ) as Record<string, string>,
  });
}
