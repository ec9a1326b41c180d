/**
 * The only reader of process.env. Parsed with zod once, frozen, and passed down:
 * library code never looks at the environment, so tests can build any config they need.
 */
import path from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Whether the JavaScript runtime knows the zone. Intl.supportedValuesOf('timeZone') is no test:
 * it lists canonical names only and leaves out UTC and aliases (US/Eastern) that PostgreSQL and
 * DuckDB accept. Constructing a formatter is what the code that uses the zone does anyway.
 */
function isKnownTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

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
});

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
    throw new ConfigError(`${name}: ${issue.message} (got ${JSON.stringify(env[name])})`);
  }
  const e = parsed.data;
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
  });
}
