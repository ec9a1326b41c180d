/**
 * The parameters a wire session answers SET, RESET and SHOW for (session-settings.ts applies
 * them): what each accepts and what it keeps. The fixed ones (server_version, …) are SHOW only.
 */
import { SQLSTATE, WireError } from './sqlstate.ts';

/** The server version announced: psql and pgjdbc pick their catalog queries by it. */
export const SERVER_VERSION = '15.0 (salesops, DuckDB warehouse)';

/** What a parameter's rules may look at: the session's sign-in and time limits. */
export interface SettingScope {
  readonly startup: Record<string, string>;
  readonly principal: { role: string };
  readonly timeoutCapMs: number;
  readonly defaultTimeoutMs: number;
}

/** One parameter. */
export interface Setting {
  /** The name as PostgreSQL spells it in ParameterStatus and SHOW. */
  name: string;
  initial(s: SettingScope): string;
  /** The value to keep for `given` (a WireError when refused); absent: fixed (55P02). */
  accept?(given: string, s: SettingScope): string;
  /** Told to the client on change, as PostgreSQL reports these (GUC_REPORT). */
  reported?: boolean;
  /** A notice for a value that is accepted but not honoured. */
  notice?(given: string): string | undefined;
}

const bad = (name: string, given: string, why: string) =>
  new WireError(
    SQLSTATE.invalidParameterValue,
    `invalid value for parameter "${name}": "${given}" (${why})`,
  );
const only = (what: string) => new WireError(SQLSTATE.featureNotSupported, what);

const UTC_LIKE = /^(utc|etc\/utc|gmt|etc\/gmt|z|zulu|universal|[+-]?0+(:00)?|utc0|gmt0)$/i;
const LEVELS = ['serializable', 'repeatable read', 'read committed', 'read uncommitted'];
const ON = /^(on|true|yes|1)$/i;
const OFF = /^(off|false|no|0)$/i;

/** `30s`, `5min`, `1500` (ms), as PostgreSQL reads a time setting; NaN when it is not one. */
function millisOf(given: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(given);
  if (!m) return NaN;
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[
    (m[2] ?? 'ms').toLowerCase() as 'ms'
  ];
  return Math.round(Number(m[1]) * unit);
}

const fixed = (name: string, value: (s: SettingScope) => string): Setting => ({
  name,
  initial: value,
});

const readOnlyFlag = (name: string): Setting => ({
  name,
  initial: () => 'on',
  accept(given) {
    if (ON.test(given)) return 'on';
    if (OFF.test(given))
      throw new WireError(SQLSTATE.readOnlyTransaction, 'this server is read-only');
    throw bad(name, given, 'on or off');
  },
});

const isolation = (name: string): Setting => ({
  name,
  // Each statement reads what is committed when it starts; nothing holds a snapshot across.
  initial: () => 'read committed',
  accept(given) {
    if (!LEVELS.includes(given.toLowerCase())) throw bad(name, given, LEVELS.join(', '));
    return 'read committed';
  },
});

/** The parameters by lower-case name, as PostgreSQL folds them. */
export const SETTINGS: Record<string, Setting> = {
  application_name: {
    name: 'application_name',
    initial: (s) => s.startup.application_name ?? '',
    accept: (given) => given.slice(0, 63),
    reported: true,
  },
  client_encoding: {
    name: 'client_encoding',
    initial: () => 'UTF8',
    accept(given) {
      if (/^(utf-?8|unicode)$/i.test(given)) return 'UTF8';
      throw only(`client_encoding ${given} is not supported: this server speaks UTF8 only`);
    },
    reported: true,
  },
  datestyle: {
    name: 'DateStyle',
    initial: () => 'ISO, MDY',
    accept(given) {
      const words = given
        .toLowerCase()
        .split(/[\s,]+/)
        .filter(Boolean);
      const order = (w: string) =>
        ({
          mdy: 'MDY',
          us: 'MDY',
          noneuro: 'MDY',
          noneuropean: 'MDY',
          dmy: 'DMY',
          euro: 'DMY',
          european: 'DMY',
          ymd: 'YMD',
        })[w];
      if (words.some((w) => w !== 'iso' && !order(w)))
        throw only(`DateStyle ${given} is not supported: dates are sent as ISO only`);
      return `ISO, ${words.map(order).find(Boolean) ?? 'MDY'}`;
    },
    reported: true,
  },
  timezone: {
    name: 'TimeZone',
    initial: () => 'UTC',
    accept: () => 'UTC',
    reported: true,
    notice: (given) =>
      UTC_LIKE.test(given)
        ? undefined
        : `TimeZone stays UTC on this server: timestamptz values are sent in UTC with their +00, so ${given} times are the same instants`,
  },
  extra_float_digits: {
    name: 'extra_float_digits',
    initial: () => '1',
    accept(given) {
      const n = Number(given);
      if (!Number.isInteger(n) || n < -15 || n > 3)
        throw bad('extra_float_digits', given, '-15 to 3');
      // Floats are always sent as the shortest text that reads back exactly (as 1 and up do).
      return String(n);
    },
  },
  search_path: {
    name: 'search_path',
    initial: () => '',
    accept: (given) => given,
  },
  statement_timeout: {
    name: 'statement_timeout',
    initial: (s) => `${s.defaultTimeoutMs}ms`,
    accept(given, s) {
      const ms = millisOf(given);
      if (!Number.isFinite(ms)) throw bad('statement_timeout', given, 'a time such as 30s or 5000');
      if (ms > s.timeoutCapMs)
        throw bad(
          'statement_timeout',
          given,
          `at most ${s.timeoutCapMs}ms for ${s.principal.role}`,
        );
      return `${ms === 0 ? s.defaultTimeoutMs : ms}ms`;
    },
  },
  transaction_isolation: isolation('transaction_isolation'),
  default_transaction_isolation: isolation('default_transaction_isolation'),
  transaction_read_only: readOnlyFlag('transaction_read_only'),
  default_transaction_read_only: readOnlyFlag('default_transaction_read_only'),
  server_version: fixed('server_version', () => SERVER_VERSION),
  server_version_num: fixed('server_version_num', () => '150000'),
  server_encoding: fixed('server_encoding', () => 'UTF8'),
  integer_datetimes: fixed('integer_datetimes', () => 'on'),
  standard_conforming_strings: fixed('standard_conforming_strings', () => 'on'),
  intervalstyle: fixed('IntervalStyle', () => 'postgres'),
  is_superuser: fixed('is_superuser', () => 'off'),
  session_authorization: fixed('session_authorization', (s) => s.startup.user ?? ''),
  max_identifier_length: fixed('max_identifier_length', () => '63'),
  in_hot_standby: fixed('in_hot_standby', () => 'off'),
};

/** Parameters sent as ParameterStatus when a client signs in. */
export const STARTUP_REPORTED = [
  'server_version',
  'server_encoding',
  'client_encoding',
  'datestyle',
  'integer_datetimes',
  'standard_conforming_strings',
  'timezone',
  'intervalstyle',
  'is_superuser',
  'session_authorization',
  'application_name',
];
