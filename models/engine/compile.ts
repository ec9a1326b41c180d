/**
 * Turning model and test files into plain DuckDB SQL. Pure: the runner decides which relation
 * each ref() means (the live table, or the model's not-yet-swapped build while it is tested).
 */
import { ModelFileError, type GenericTestKind, type GenericTestSpec } from './header.ts';
import { relationOf, type CustomTest, type ModelNode, type Project } from './project.ts';
import { quoteIdent, quoteLiteral, renderPlaceholders, type Placeholder } from './template.ts';

/** How to fill placeholders for one compilation. */
export interface CompileOptions {
  vars: Readonly<Record<string, string>>;
  /** Override the relation of some models (the model under test → its build table). */
  relationFor?: (model: string) => string | undefined;
  /** Set when an incremental model reads only rows past its high-water mark. */
  incremental?: { target: string; watermark: string; lookback?: string };
  /** What `{{ this }}` means: the model's live relation. */
  self?: string;
}

/** Compile `sql` of `file` with its placeholders resolved. */
export function compileSql(
  project: Project,
  file: string,
  sql: string,
  placeholders: readonly Placeholder[],
  opts: CompileOptions,
): string {
  return renderPlaceholders(sql, placeholders, (p) => {
    const [a, b] = p.args;
    switch (p.fn) {
      case 'ref':
        return opts.relationFor?.(a!) ?? relationOf(project.models.get(a!)!);
      case 'source':
        return `${quoteIdent(a!)}.${quoteIdent(b!)}`;
      case 'var': {
        const v = opts.vars[a!];
        if (v === undefined)
          throw new ModelFileError(`${file}:${p.line}: var('${a}') is not set (--var ${a}=…)`);
        return quoteLiteral(v);
      }
      case 'this':
        return opts.self ?? 'NULL';
      case 'incremental_filter': {
        const inc = opts.incremental;
        if (!inc) return 'TRUE';
        const since = `(SELECT max(${quoteIdent(inc.watermark)}) FROM ${inc.target})`;
        return `(${a}) >= ${since}${inc.lookback ? ` - INTERVAL '${inc.lookback}'` : ''}`;
      }
    }
  });
}

/** Compile a model's SELECT. */
export function compileModel(project: Project, m: ModelNode, opts: CompileOptions): string {
  return compileSql(project, m.file, m.sql, m.placeholders, { self: relationOf(m), ...opts });
}

/** A test ready to run: `sql` returns the failing rows. */
export interface CompiledTest {
  /** Stable id, e.g. `fct_orders.unique(order_id)` or `tests/orders_balance`. */
  id: string;
  model: string;
  name: string;
  kind: GenericTestKind | 'custom';
  severity: 'error' | 'warn';
  sql: string;
}

function genericSql(t: GenericTestSpec, rel: string, parentRel: (m: string) => string): string {
  const cols = t.columns.map(quoteIdent);
  switch (t.kind) {
    case 'unique':
      // One column: NULLs are not values (as in dbt). Several: NULL is one value of the tuple,
      // so a key like (period, level, rep_id) with rep_id NULL on team rows is still checked.
      return `SELECT ${cols.join(', ')}, count(*) AS n FROM ${rel}
        ${cols.length === 1 ? `WHERE ${cols[0]} IS NOT NULL` : ''}
        GROUP BY ${cols.join(', ')} HAVING count(*) > 1`;
    case 'not_null':
      return `SELECT * FROM ${rel} WHERE ${cols[0]} IS NULL`;
    case 'relationships':
      return `SELECT child.${cols[0]} FROM ${rel} AS child
        WHERE child.${cols[0]} IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM ${parentRel(t.to!.model)} AS parent
          WHERE parent.${quoteIdent(t.to!.field)} = child.${cols[0]})`;
    case 'accepted_values':
      return `SELECT ${cols[0]} AS value, count(*) AS n FROM ${rel}
        WHERE ${cols[0]} IS NOT NULL
          AND CAST(${cols[0]} AS VARCHAR) NOT IN (${t.values!.map(quoteLiteral).join(', ')})
        GROUP BY 1`;
    case 'expression':
      // IS NOT TRUE: a row whose expression is NULL fails too; say `x IS NULL OR …` to allow it.
      return `SELECT * FROM ${rel} WHERE (${t.expression}) IS NOT TRUE`;
  }
}

/**
 * Every test that belongs to model `m`: its header tests, then the custom tests attached to it.
 * `rel` is the relation to test (the build table before the swap, or the live one).
 */
export function compileTests(
  project: Project,
  m: ModelNode,
  rel: string,
  opts: CompileOptions,
): CompiledTest[] {
  const relationFor = (name: string) =>
    name === m.name ? rel : (opts.relationFor?.(name) ?? undefined);
  const parentRel = (name: string) => relationFor(name) ?? relationOf(project.models.get(name)!);
  const generic = m.config.tests.map((t) => ({
    id: `${m.name}.${t.name}`,
    model: m.name,
    name: t.name,
    kind: t.kind,
    severity: t.severity,
    sql: genericSql(t, rel, parentRel),
  }));
  const custom = project.tests
    .filter((t: CustomTest) => t.model === m.name)
    .map((t) => ({
      id: `tests/${t.name}`,
      model: m.name,
      name: t.name,
      kind: 'custom' as const,
      severity: t.severity,
      sql: compileSql(project, t.file, t.sql, t.placeholders, { ...opts, relationFor }),
    }));
  return [...generic, ...custom];
}
