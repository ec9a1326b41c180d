/**
 * `salesops keys create|list|revoke`: the options and their parsers. What each command does is in
 * key-actions.ts, loaded when it runs (the lazy-import rule in cli.ts), so `keys --help` loads no
 * database driver. idArgument and alignedTable are cheap for the same reason: other commands use
 * them at the top of their own register modules.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROLES, type Role } from '../../db/schema.ts';

/** An id on the command line: a whole number ≥ 1 (commander prints the message in one line). */
export function idArgument(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

/**
 * Rows as columns padded to their widest cell, under a header; the last column is not padded
 * (names, free text).
 */
export function alignedTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Register `keys …` on the program. */
export function registerKeyCommands(
  program: Command,
  print: (line: string) => void,
  note: (line: string) => void,
): void {
  const actions = () => import('./key-actions.ts');
  const keys = program.command('keys').description('create, list and revoke API keys');
  keys
    .command('create')
    .description('create an API key; the key is printed alone on the last line')
    .addOption(new Option('--role <role>', 'role').choices(ROLES as string[]).makeOptionMandatory())
    .requiredOption('--name <name>', 'who or what the key is for')
    .option('--rep <id>', 'sales rep the key belongs to (required for a manager)', idArgument)
    .option('--key <key>', 'admin API key, to create it through a running server')
    .action(async (opts: { role: Role; name: string; rep?: number; key?: string }) =>
      (await actions()).createKeyCommand(opts, print, note),
    );
  keys
    .command('list')
    .description('list API keys (never the secrets)')
    .option('--key <key>', 'admin API key, to list them through a running server')
    .action(async (opts: { key?: string }) => (await actions()).listKeysCommand(opts, print));
  keys
    .command('revoke')
    .description('revoke an API key by id (never the last active admin key)')
    .argument('<id>', 'the key id (`salesops keys list` shows it)', idArgument)
    .option('--key <key>', 'admin API key, to revoke it through a running server')
    .action(async (id: number, opts: { key?: string }) =>
      (await actions()).revokeKeyCommand(id, opts, print),
    );
}
