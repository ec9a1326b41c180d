/**
 * `salesops sql [query]`: the options and their parsers. What it does is in cli-actions.ts,
 * loaded when it runs (the lazy-import rule in cli.ts: `sql --help` loads no DuckDB).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SQL_CLI_FORMATS } from './cli-format.ts';

// schemas.ts's MAX_ROW_LIMIT, repeated: importing it would load zod on `--help`.
const MAX_ROWS = 1_000_000;

function rowLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ROWS)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_ROWS}`);
  return n;
}

/** Seconds, fractions allowed (0.5); the server caps it by role (120 s analyst, 600 s admin). */
function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.001) throw new InvalidArgumentError('must be seconds > 0');
  return n;
}

/** Add `sql` to the salesops CLI. */
export function registerSqlCommand(
  program: Command,
  print: (line: string) => void,
  note: (line: string) => void,
): void {
  program
    .command('sql')
    .argument('[query]', 'one read-only query; without it: -f, stdin, or a prompt on a terminal')
    .description(
      'run read-only SQL on the warehouse (psql-like table, CSV or JSON); in the server that ' +
        'holds the data folder when one runs',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(SQL_CLI_FORMATS as unknown as string[])
        .default('aligned'),
    )
    .option('--limit <rows>', 'rows at most (default SALESOPS_SQL_ROW_LIMIT, 10000)', rowLimit)
    .option(
      '--timeout <seconds>',
      'stop the query after this many seconds (default SALESOPS_SQL_TIMEOUT_SECONDS, 30)',
      seconds,
    )
    .option('-f, --file <file>', 'read the query from a file')
    .option('-o, --output <file>', 'write the result to a file instead of stdout')
    .option('--null <text>', 'how NULL shows in the aligned table (like psql, empty)', '')
    .option('--key <key>', 'analyst or admin API key, for a running server (SALESOPS_API_KEY)')
    .action(async (query: string | undefined, opts) =>
      (await import('./cli-actions.ts')).sqlCommand(query, opts, { print, note }),
    );
}
