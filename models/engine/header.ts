/**
 * The config header of a model or test file: the leading `--` comment lines, of which those
 * written `-- @key value` are configuration and the rest are ordinary comments. A line format
 * instead of YAML front-matter keeps the file valid SQL (any editor or DuckDB shell runs it after
 * the `{{ }}` are filled) and needs no parser dependency. The grammar is in docs/models.md, "Adding a model".
 */

export type Materialization = 'view' | 'table' | 'incremental';
export type Severity = 'error' | 'warn';
export type GenericTestKind =
  'unique' | 'not_null' | 'relationships' | 'accepted_values' | 'expression';

/** One `-- @test …` / `-- @warn …` line. */
export interface GenericTestSpec {
  kind: GenericTestKind;
  severity: Severity;
  /** unique: the key columns (together); not_null: one column; others: the tested column. */
  columns: string[];
  /** relationships: the parent model and its key column. */
  to?: { model: string; field: string };
  /** accepted_values: the allowed values, compared as text. */
  values?: string[];
  /** expression: a boolean SQL expression every row must make true. */
  expression?: string;
  /** Human-readable name, e.g. `unique(order_id)`. */
  name: string;
  line: number;
}

/** Parsed configuration of one file. Every field is optional in the file. */
export interface FileConfig {
  materialized?: Materialization;
  uniqueKey: string[];
  /** incremental: the column of the model's own output that is its high-water mark. */
  watermark?: string;
  /** incremental: how far behind the high-water mark to re-read (a DuckDB interval). */
  lookback?: string;
  schema?: string;
  tags: string[];
  description?: string;
  columns: Record<string, string>;
  tests: GenericTestSpec[];
  /** Custom test files: severity of the whole test, and the model it belongs to. */
  severity?: Severity;
  model?: string;
}

/** A mistake in a model file, with the file and line in the message. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYS = [
  'materialized',
  'unique_key',
  'watermark',
  'lookback',
  'schema',
  'tags',
  'description',
  'column',
  'test',
  'warn',
  'severity',
  'model',
] as const;

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function ident(value: string, where: string): string {
  if (!IDENT.test(value)) throw new ModelFileError(`${where}: "${value}" is not a plain name`);
  return value;
}

function unquote(v: string): string {
  const m = /^'(.*)'$/.exec(v) ?? /^"(.*)"$/.exec(v);
  return m ? m[1]! : v;
}

/** Parse the arguments of one test line (after the kind). */
export function parseTestLine(
  text: string,
  severity: Severity,
  where: string,
  line: number,
): GenericTestSpec[] {
  const m = /^(\w+)\s+(.+)$/.exec(text.trim());
  if (!m) throw new ModelFileError(`${where}: a test needs a kind and arguments, e.g. "unique id"`);
  const kind = m[1]!;
  const rest = m[2]!.trim();
  switch (kind) {
    case 'unique': {
      const cols = list(rest).map((c) => ident(c, where));
      return [{ kind, severity, columns: cols, name: `unique(${cols.join(', ')})`, line }];
    }
    case 'not_null':
      return list(rest).map((c) => ({
        kind,
        severity,
        columns: [ident(c, where)],
        name: `not_null(${c})`,
        line,
      }));
    case 'relationships': {
      const r = /^(\w+)\s*->\s*(\w+)\.(\w+)$/.exec(rest);
      if (!r) throw new ModelFileError(`${where}: write "relationships column -> model.column"`);
      return [
        {
          kind,
          severity,
          columns: [r[1]!],
          to: { model: r[2]!, field: r[3]! },
          name: `relationships(${r[1]} -> ${r[2]}.${r[3]})`,
          line,
        },
      ];
    }
    case 'accepted_values': {
      const a = /^(\w+)\s*:\s*(.+)$/.exec(rest);
      if (!a) throw new ModelFileError(`${where}: write "accepted_values column: a, b, c"`);
      const values = list(a[2]!).map(unquote);
      return [{ kind, severity, columns: [a[1]!], values, name: `accepted_values(${a[1]})`, line }];
    }
    case 'expression':
      return [{ kind, severity, columns: [], expression: rest, name: `expression(${rest})`, line }];
    default:
      throw new ModelFileError(
        `${where}: unknown test "${kind}" (unique, not_null, relationships, accepted_values, expression)`,
      );
  }
}

/**
 * Split a file into its config and its SQL body. `file` is only used in error messages.
 * The header ends at the first line that is neither blank nor a `--` comment.
 */
export function parseHeader(text: string, file: string): { config: FileConfig; body: string } {
  const lines = text.split(/\r?\n/);
  const config: FileConfig = { uniqueKey: [], tags: [], columns: {}, tests: [] };
  let i = 0;
  for (; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    if (!raw.startsWith('--')) break;
    const m = /^--\s*@(\w+)\s*(.*)$/.exec(raw);
    if (!m) continue; // an ordinary comment
    const key = m[1]!;
    const value = m[2]!.trim();
    const where = `${file}:${i + 1}`;
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new ModelFileError(`${where}: unknown setting @${key} (known: ${KEYS.join(', ')})`);
    }
    if (value === '') throw new ModelFileError(`${where}: @${key} needs a value`);
    switch (key) {
      case 'materialized':
        if (value !== 'view' && value !== 'table' && value !== 'incremental')
          throw new ModelFileError(`${where}: @materialized is view, table or incremental`);
        config.materialized = value;
        break;
      case 'unique_key':
        config.uniqueKey = list(value).map((c) => ident(c, where));
        break;
      case 'watermark':
        config.watermark = ident(value, where);
        break;
      case 'lookback':
        if (!/^\d+\s+(second|minute|hour|day)s?$/.test(value))
          throw new ModelFileError(`${where}: @lookback is like "1 day" or "6 hours"`);
        config.lookback = value;
        break;
      case 'schema':
        config.schema = ident(value, where);
        break;
      case 'tags':
        config.tags.push(...list(value));
        break;
      case 'description':
        config.description = config.description ? `${config.description} ${value}` : value;
        break;
      case 'column': {
        const c = /^(\w+)\s*(.*)$/.exec(value)!;
        config.columns[c[1]!] = c[2]!.trim();
        break;
      }
      case 'test':
      case 'warn':
        config.tests.push(...parseTestLine(value, key === 'warn' ? 'warn' : 'error', where, i + 1));
        break;
      case 'severity':
        if (value !== 'warn' && value !== 'error')
          throw new ModelFileError(`${where}: @severity is warn or error`);
        config.severity = value;
        break;
      case 'model':
        config.model = ident(value, where);
        break;
    }
  }
  // Keep the header lines as blank lines so DuckDB error positions still match the file.
  const body = lines.map((l, j) => (j < i ? '' : l)).join('\n');
  return { config, body };
}
