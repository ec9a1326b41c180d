/**
 * `salesops sql` on a terminal without a query: a psql-like prompt. A query may span lines and
 * runs when a line ends with `;`; `\d` lists the tables and views an analyst may read, `\d name`
 * describes one, `\?` helps, `\q` (or Ctrl-D) quits, Ctrl-C drops what was typed. A server with
 * GET /sql/schema answers `\d` with the models' descriptions; otherwise (no server, or one
 * without that endpoint) `\d` is a plain query over information_schema sent through the same
 * source as any other, so it shows exactly what the guard lets a query read.
 * History is readline's, for this session only: nothing typed is written to disk, because a
 * query can hold a customer's name and the data folder is not a place for personal files.
 */
import readline from 'node:readline';
import { ANALYST_SCHEMAS } from '../../warehouse/read/guard.ts';
import { runOnce, type SqlCommandOptions } from './cli-actions.ts';
import { alignedText, cellText, type SqlAnswer } from './cli-format.ts';
import type { SchemaRelation, SqlSource } from './cli-source.ts';

const HELP = `  \\d          list the tables and views you may read
  \\d NAME     describe one (NAME or schema.NAME)
  \\?          this help
  \\q          quit (or Ctrl-D)
  A query runs when a line ends with ";"; Ctrl-C drops what was typed.`;

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

// The schemas with data (the catalog schemas are left out of \d's list).
const DATA_SCHEMAS = ANALYST_SCHEMAS.filter(
  (s) => s !== 'information_schema' && s !== 'pg_catalog',
);
const IN_SCHEMAS = `table_schema IN (${DATA_SCHEMAS.map(literal).join(', ')})`;

/** `\d`: every table and view an analyst may read. */
export function listTablesSql(): string {
  return `SELECT table_schema AS schema, table_name AS name,
  CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type
FROM information_schema.tables
WHERE table_catalog = current_database() AND ${IN_SCHEMAS}
ORDER BY 1, 2`;
}

/** `\d name`: the columns of `name` (schema.name, or name in any readable schema). */
export function describeSql(name: string): string {
  const dot = name.indexOf('.');
  const where =
    dot > 0
      ? `table_schema = ${literal(name.slice(0, dot))} AND table_name = ${literal(name.slice(dot + 1))}`
      : `table_name = ${literal(name)}`;
  return `SELECT table_schema AS schema, table_name AS "table", column_name AS column, data_type AS type,
  CASE is_nullable WHEN 'YES' THEN '' ELSE 'not null' END AS nullable
FROM information_schema.columns
WHERE table_catalog = current_database() AND ${IN_SCHEMAS} AND ${where}
ORDER BY array_position([${DATA_SCHEMAS.map(literal).join(', ')}], table_schema), ordinal_position`;
}

const varchar = (...names: string[]) => names.map((name) => ({ name, type: 'VARCHAR' }));
const table = (columns: SqlAnswer['columns'], rows: SqlAnswer['rows'], nullText: string) =>
  alignedText({ columns, rows, rowCount: rows.length, truncated: false, elapsedMs: 0 }, nullText);

/** `\d` from GET /sql/schema: with the models' descriptions. */
function listFromSchema(relations: SchemaRelation[], nullText: string): string {
  return table(
    varchar('schema', 'name', 'type', 'description'),
    relations.map((r) => [r.schema, r.name, r.kind, r.description]),
    nullText,
  );
}

/** `\d name` from GET /sql/schema. */
function describeFromSchema(relations: SchemaRelation[], name: string, nullText: string): string {
  const dot = name.indexOf('.');
  const found = relations.filter((r) =>
    dot > 0 ? `${r.schema}.${r.name}` === name : r.name === name,
  );
  if (!found.length) return `no table or view named ${name} that you may read (\\d lists them)\n`;
  return found
    .map(
      (r) =>
        `"${r.schema}.${r.name}"${r.description ? ` — ${r.description}` : ''}\n` +
        table(
          varchar('column', 'type', 'description'),
          r.columns.map((c) => [c.name, c.type, c.description]),
          nullText,
        ),
    )
    .join('\n');
}

async function describe(source: SqlSource, name: string, nullText: string): Promise<string> {
  const relations = await source.schema();
  if (relations) return describeFromSchema(relations, name, nullText);
  const answer = await source.json({ sql: describeSql(name) });
  if (!answer.rowCount)
    return `no table or view named ${name} that you may read (\\d lists them)\n`;
  const tables = new Map<string, (typeof answer.rows)[number][]>();
  for (const [schema, relation, ...rest] of answer.rows) {
    const key = `${cellText(schema!)}.${cellText(relation!)}`;
    tables.set(key, [...(tables.get(key) ?? []), rest]);
  }
  const columns = answer.columns.slice(2);
  return [...tables].map(([key, rows]) => `"${key}"\n` + table(columns, rows, nullText)).join('\n');
}

/** Run the prompt until `\q` or the end of input. */
export async function sqlPrompt(
  source: SqlSource,
  opts: Pick<SqlCommandOptions, 'format' | 'null' | 'limit'> & { timeoutMs?: number },
): Promise<void> {
  const out = (text: string) => process.stdout.write(text);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  out(`salesops sql on ${source.where}. \\? for help, \\q to quit.\n`);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    historySize: 1000,
    removeHistoryDuplicates: true,
  });
  let buffer: string[] = [];
  const prompt = () => {
    rl.setPrompt(buffer.length ? 'salesops-> ' : 'salesops=> ');
    rl.prompt();
  };
  rl.on('SIGINT', () => {
    buffer = [];
    out('\n');
    prompt();
  });
  prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    try {
      if (!buffer.length && trimmed.startsWith('\\')) {
        const [command, ...args] = trimmed.split(/\s+/);
        if (command === '\\q') break;
        else if (command === '\\?') out(HELP + '\n');
        else if (command === '\\d' && !args.length) {
          const relations = await source.schema();
          out(
            relations
              ? listFromSchema(relations, opts.null)
              : alignedText(await source.json({ sql: listTablesSql() }), opts.null),
          );
        } else if (command === '\\d') out(await describe(source, args.join(' '), opts.null));
        else err(`unknown command ${command}: \\? lists them`);
      } else if (trimmed) {
        buffer.push(line);
        if (trimmed.endsWith(';')) {
          const sql = buffer.join('\n');
          buffer = [];
          out(
            await runOnce(source, { sql, limit: opts.limit, timeoutMs: opts.timeoutMs }, opts, err),
          );
        }
      }
    } catch (e) {
      // The same one line the command prints when it fails; the prompt carries on.
      err(`error: ${(e as Error).message}`);
    }
    prompt();
  }
  rl.close();
}
