/**
 * The only reader of process.env. Parsed with zod once, frozen, and passed down:
 * library code never looks at the environment, so tests can build any config they need.
 */
import path from 'node:path';
import { z } from 'zod';
import { isKnownTimezone } from './time-zones.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .min(1)
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  SALESOPS_DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SALESOPS_TIMEZONE: z
    .string()
    .trim()
    .min(1)
    .refine(
      isKnownTimezone,
      'must be an IANA time zone name such as UTC or Europe/Berlin (not an offset like +01:00)',
    )
    .default('UTC'),
  SALESOPS_PG_PREPARED: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  SALESOPS_WAREHOUSE_MEMORY: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size such as 512MB or 2GB')
    .default('512MB'),
  SALESOPS_API_KEY: z.string().trim().min(1).optional(),
  SALESOPS_SCHEDULER: z
    .enum(['on', 'off'], { error: 'must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
  SALESOPS_JOBS_TIMEZONE: z
    .string()
    .trim()
    .min(1)
    .refine(isKnownTimezone, 'must be an IANA time zone name such as UTC or Europe/Berlin')
    .optional(),
  SALESOPS_REFRESH_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(86_400, 'must be at most 86400 (a day)')
    .default(30),
  SALESOPS_HISTORY_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .default(90),
  SALESOPS_EVENT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .default(90),
  // Seconds with a fraction allowed: the tests hear a heartbeat in a fifth of a second.
  SALESOPS_EVENT_HEARTBEAT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0.05, 'must be at least 0.05')
    .max(3600, 'must be at most 3600')
    .default(15),
  SALESOPS_EVENT_STREAM_BUFFER_KB: z.coerce
    .number({ error: 'must be a whole number of KiB' })
    .int('must be a whole number of KiB')
    .min(16, 'must be at least 16')
    .max(65_536, 'must be at most 65536 (64 MiB)')
    .default(1024),
  SALESOPS_EVENT_STREAM_STALL_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0.05, 'must be at least 0.05')
    .max(3600, 'must be at most 3600')
    .default(30),
  SALESOPS_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  SALESOPS_WEBHOOK_KEY: z
    .string()
    .trim()
    .refine(
      (v) => webhookKeyBytes(v) !== undefined,
      'must be 32 random bytes as base64 (openssl rand -base64 32) or as 64 hex digits',
    )
    .transform((v) => webhookKeyBytes(v)!.toString('base64'))
    .optional(),
  // Seconds with a fraction allowed: the tests retry in a twentieth of a second.
  SALESOPS_WEBHOOK_RETRY_BASE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .min(0.01, 'must be at least 0.01')
    .max(3600, 'must be at most 3600')
    .default(30),
  SALESOPS_WEBHOOK_RETRY_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .min(0.0001, 'must be more than 0')
    .max(720, 'must be at most 720 (30 days)')
    .default(24),
  SALESOPS_WEBHOOK_DISABLE_FAILURES: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(15),
  SALESOPS_WEBHOOK_DISABLE_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .min(0, 'must be at least 0')
    .max(720, 'must be at most 720 (30 days)')
    .default(24),
  SALESOPS_REPORT_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .default(30),
  SALESOPS_PUBLIC_URL: z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(v), 'must be an http:// or https:// URL')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  SALESOPS_TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  SALESOPS_SESSION_IDLE_MINUTES: z.coerce
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1')
    .default(480),
  SALESOPS_SESSION_MAX_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1')
    .max(366, 'must be at most 366')
    .default(7),
  SALESOPS_PASSWORD_COST: z.coerce
    .number({ error: 'must be a whole number (log2 of scrypt N)' })
    .int('must be a whole number (log2 of scrypt N)')
    .min(10, 'must be between 10 and 20')
    .max(20, 'must be between 10 and 20')
    .default(17),
  SALESOPS_SQL_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1')
    .max(600, 'must be at most 600')
    .default(30),
  SALESOPS_SQL_ROW_LIMIT: z.coerce
    .number({ error: 'must be a whole number of rows' })
    .int('must be a whole number of rows')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .default(10_000),
  SALESOPS_SQL_CONCURRENCY: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .default(2),
  SALESOPS_SQL_QUEUE: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .default(4),
  // The SQL wire door (sqlwire/): off unless a port is given. 0 picks a free port (tests).
  SALESOPS_SQL_PORT: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .optional(),
  SALESOPS_SQL_HOST: z.string().trim().min(1).default('127.0.0.1'),
  SALESOPS_SQL_TLS_CERT: z.string().trim().min(1).optional(),
  SALESOPS_SQL_TLS_KEY: z.string().trim().min(1).optional(),
  // Read, never set: libuv reads it once, when its pool first runs — before any of our code in
  // an ES module program — so it can only come from the environment (see sqlConcurrency).
  UV_THREADPOOL_SIZE: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1024, 'must be at most 1024')
    .default(4),
});

/** The 32 bytes of a SALESOPS_WEBHOOK_KEY (base64, base64url or hex), or undefined. */
function webhookKeyBytes(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** Variables whose value is a secret: an error about them does not repeat it. */
const SECRET_VARIABLES = new Set(['SALESOPS_API_KEY', 'SALESOPS_WEBHOOK_KEY']);

/** SALESOPS_JOB_<NAME>_CRON: a job's schedule override (NAME in upper snake case). */
const JOB_CRON = /^SALESOPS_JOB_([A-Z0-9_]+)_CRON$/;

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
