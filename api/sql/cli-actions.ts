/**
 * What `salesops sql` does (commands.ts registers it). The query comes from the argument, from
 * `-f FILE`, or from stdin when stdin is not a terminal (`echo "select 1" | salesops sql`); with
 * none of those on a terminal, the interactive prompt (cli-prompt.ts). It runs where
 * cli-source.ts says — the running server, or the warehouse opened here — and prints as
 * cli-format.ts writes, to stdout or `-o FILE`. A refused, bad or timed-out query throws a
 * CliError (or the read path's AppError), which the CLI prints as one line and exits 1.
 */
import fs from 'node:fs';
import { CliError, readConfig } from '../../runtime.ts';
import { alignedText, jsonText, type SqlCliFormat } from './cli-format.ts';
import { openSqlSource, type SqlCliRun, type SqlSource } from './cli-source.ts';

type Print = (line: string) => void;

/** The options of `salesops sql`. */
export interface SqlCommandOptions {
  format: SqlCliFormat;
  limit?: number;
  /** Seconds. */
  timeout?: number;
  file?: string;
  output?: string;
  key?: string;
  /** How NULL prints in the aligned format (psql: empty). */
  null: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`-f ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function writeOutput(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`-o ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The query's text and its output, in the chosen format; a note on stderr when cut. */
export async function runOnce(
  source: SqlSource,
  run: SqlCliRun,
  opts: Pick<SqlCommandOptions, 'format' | 'null'>,
  note: Print,
): Promise<string> {
  if (opts.format === 'csv') {
    const csv = await source.csv(run);
    if (csv.truncated)
      note(`salesops: the result was cut at ${csv.rowCount} rows; --limit allows more`);
    return csv.text;
  }
  const answer = await source.json(run);
  if (opts.format === 'json') {
    if (answer.truncated)
      note(`salesops: the result was cut at ${answer.rowCount} rows; --limit allows more`);
    return jsonText(answer);
  }
  return alignedText(answer, opts.null);
}

/** `salesops sql [query]` */
export async function sqlCommand(
  query: string | undefined,
  opts: SqlCommandOptions,
  io: { print: Print; note: Print },
): Promise<void> {
  if (query !== undefined && opts.file)
    throw new CliError('give the query as an argument or with -f FILE, not both');
  const interactive = query === undefined && !opts.file && process.stdin.isTTY === true;
  if (interactive && opts.output)
    throw new CliError('-o writes the result of one query: give the query too');
  const sql = query ?? (opts.file ? readFile(opts.file) : interactive ? '' : await readStdin());
  if (!interactive && !sql.trim())
    throw new CliError(
      'no query: salesops sql "SELECT …", -f FILE, or the query on stdin (see salesops sql --help)',
    );

  const config = readConfig();
  const source = await openSqlSource(config, opts.key);
  const timeoutMs = opts.timeout === undefined ? undefined : Math.round(opts.timeout * 1000);
  const limits = { limit: opts.limit, timeoutMs };
  try {
    if (interactive) {
      const { sqlPrompt } = await import('./cli-prompt.ts');
      await sqlPrompt(source, { ...opts, ...limits });
      return;
    }
    const text = await runOnce(source, { sql, ...limits }, opts, io.note);
    if (opts.output) writeOutput(opts.output, text);
    else {
      // `salesops sql … | head` closes the pipe early: that is the reader's choice, not a failure.
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0);
        throw e;
      });
      process.stdout.write(text);
    }
  } finally {
    source.close();
  }
}
