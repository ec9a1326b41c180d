/**
 * The `salesops import DIR [--skip-bad-rows]` command. Its help lists the files from files.ts,
 * plain data; the import itself is loaded when it runs (the lazy-import rule in cli.ts).
 */
import type { Command } from 'commander';
import { FILES } from './files.ts';

/** `import --help` lists the files it reads, in load order, with their columns. */
const FILES_HELP = [
  '',
  'Files read from DIR (any subset, loaded in this order). Each starts with a header row naming',
  'every column below, in any order; * = a value is required:',
  ...FILES.map(
    (f) =>
      `  ${f.file.padEnd(17)} ${f.columns.map((c) => c.name + (c.required ? '*' : '')).join(', ')}`,
  ),
  '',
  'The whole run is one transaction: re-running is safe (rows are upserted by their key), and a',
  'run with any bad row imports nothing unless --skip-bad-rows. Imported orders never move stock.',
].join('\n');

/** Bad rows listed one per line before the rest are counted. */
const LIST_AT_MOST = 200;

/** Add `import` to the CLI. `print` is stdout (the summary), `note` stderr (progress). */
export function registerImportCommand(
  program: Command,
  print: (line: string) => void,
  note: (line: string) => void,
): void {
  program
    .command('import <dir>')
    .description(
      'load historical CSV files (categories, customers, teams, reps, products, orders, order_lines) in one transaction: a single bad row imports nothing, unless --skip-bad-rows',
    )
    .option(
      '--skip-bad-rows',
      'import the good rows (still in one transaction) and leave out, and list, the bad ones',
    )
    .addHelpText('after', FILES_HELP)
    .action(async (dir: string, opts: { skipBadRows?: boolean }) => {
      const [{ CliError, openMigratedDb, readConfig }, { importDirectory, ImportError }] =
        await Promise.all([import('../../runtime.ts'), import('./import.ts')]);
      const ops = await openMigratedDb(readConfig(), 'import');
      try {
        const report = await importDirectory(ops, dir, {
          skipBadRows: opts.skipBadRows,
          progress: note,
        });
        for (const b of report.badRows.slice(0, LIST_AT_MOST))
          print(`bad row ${b.file}:${b.line}: ${b.reason}`);
        if (report.badRows.length > LIST_AT_MOST)
          print(`… and ${report.badRows.length - LIST_AT_MOST} more bad rows`);
        for (const f of report.files)
          print(
            `${f.file}: ${f.rows} rows, ${f.inserted} inserted, ${f.updated} updated, ${f.bad} bad`,
          );
        if (!report.committed) {
          process.exitCode = 1;
          print(
            `nothing imported (the run is one transaction): ${report.badRows.length} bad row(s); fix them or run again with --skip-bad-rows`,
          );
        } else {
          print(
            `imported in one transaction in ${report.seconds} s${report.badRows.length ? ` (${report.badRows.length} bad rows left out)` : ''}`,
          );
        }
      } catch (e) {
        if (e instanceof ImportError) throw new CliError(e.message);
        throw e;
      } finally {
        await ops.close();
      }
    });
}
