/**
 * The environment variables salesops reads, as one zod schema: names, defaults, ranges and the
 * words of each error. config.ts (still the only reader of process.env) parses with it and
 * turns the result into the frozen Config the rest of the code gets.
 */
import { z } from 'zod';
import { rangeText, TREE_DEPTH, TREE_MIN_SAMPLES } from './segment/tree-settings.ts';
import { isKnownTimezone } from './time-zones.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const envSchema = z.object({
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
  SALESOPS_SEGMENT_TREE_DEPTH: z.coerce
    .number({ error: rangeText(TREE_DEPTH) })
    .int(rangeText(TREE_DEPTH))
    .min(TREE_DEPTH.min, rangeText(TREE_DEPTH))
    .max(TREE_DEPTH.max, rangeText(TREE_DEPTH))
    .default(TREE_DEPTH.default),
  SALESOPS_SEGMENT_MIN_SAMPLES: z.coerce
    .number({ error: rangeText(TREE_MIN_SAMPLES) })
    .int(rangeText(TREE_MIN_SAMPLES))
    .min(TREE_MIN_SAMPLES.min, rangeText(TREE_MIN_SAMPLES))
    .max(TREE_MIN_SAMPLES.max, rangeText(TREE_MIN_SAMPLES))
    .default(TREE_MIN_SAMPLES.default),
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
export const SECRET_VARIABLES = new Set(['SALESOPS_API_KEY', 'SALESOPS_WEBHOOK_KEY']);

/** SALESOPS_JOB_<NAME>_CRON: a job's schedule override (NAME in upper snake case). */
export const JOB_CRON = /^SALESOPS_JOB_([A-Z0-9_]+)_CRON$/;
