/**
 * The `{{ … }}` placeholders of a model: `ref('model')`, `source('raw', 'table')`, `var('name')`,
 * `this` and `incremental_filter('expr')`. Deliberately not a template language (no loops, no
 * ifs): every dependency stays visible in the file, and the DAG is read straight from the text.
 */
import { ModelFileError } from './header.ts';

/** One placeholder found in a file. */
export interface Placeholder {
  fn: 'ref' | 'source' | 'var' | 'this' | 'incremental_filter';
  args: string[];
  start: number;
  end: number;
  line: number;
}

const ARITY: Record<Placeholder['fn'], number> = {
  ref: 1,
  source: 2,
  var: 1,
  this: 0,
  incremental_filter: 1,
};

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

function parseArgs(text: string, where: string): string[] {
  const args: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new ModelFileError(`${where}: arguments must be quoted strings: (${text})`);
    args.push((m[1] ?? m[2]!).replace(/\\(.)/g, '$1'));
    pos = re.lastIndex;
    if (m[3] === '') break;
  }
  return args;
}

/** Find every placeholder in `sql`; a malformed one is an error naming `file:line`. */
export function scanPlaceholders(sql: string, file: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const m of sql.matchAll(PLACEHOLDER)) {
    const line = sql.slice(0, m.index).split('\n').length;
    const where = `${file}:${line}`;
    const inner = m[1]!.trim();
    const call = /^(\w+)\s*(?:\(([\s\S]*)\))?$/.exec(inner);
    const fn = call?.[1] as Placeholder['fn'] | undefined;
    if (!call || !fn || !(fn in ARITY)) {
      throw new ModelFileError(
        `${where}: unknown placeholder {{ ${inner} }} (ref, source, var, this, incremental_filter)`,
      );
    }
    const args = call[2] === undefined ? [] : parseArgs(call[2].trim(), where);
    if (args.length !== ARITY[fn]) {
      throw new ModelFileError(
        `${where}: ${fn} takes ${ARITY[fn]} argument(s), got ${args.length}`,
      );
    }
    found.push({ fn, args, start: m.index, end: m.index + m[0].length, line });
  }
  return found;
}

/** Replace each placeholder by what `resolve` returns for it. */
export function renderPlaceholders(
  sql: string,
  placeholders: readonly Placeholder[],
  resolve: (p: Placeholder) => string,
): string {
  let out = '';
  let pos = 0;
  for (const p of placeholders) {
    out += sql.slice(pos, p.start) + resolve(p);
    pos = p.end;
  }
  return out + sql.slice(pos);
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
