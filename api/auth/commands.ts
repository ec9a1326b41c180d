/**
 * `salesops keys create|list|revoke`. The rules are the API's (api/auth/service.ts: a manager
 * key needs a rep, the last admin key stays); here their answers become one line that names the
 * command-line option instead of the JSON field.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROLES, type Role } from '../../db/schema.ts';
import { CliError, openMigratedDb, readConfig } from '../../runtime.ts';
import { AppError } from '../errors.ts';
import { createApiKey, listKeys, revokeKey } from './service.ts';

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
  const keys = program.command('keys').description('create, list and revoke API keys');
  keys
    .command('create')
    .description('create an API key; the key is printed alone on the last line')
    .addOption(new Option('--role <role>', 'role').choices(ROLES as string[]).makeOptionMandatory())
    .requiredOption('--name <name>', 'who or what the key is for')
    .option('--rep <id>', 'sales rep the key belongs to (required for a manager)', idArgument)
    .action(async (opts: { role: Role; name: string; rep?: number }) => {
      const ops = await openMigratedDb(readConfig(), 'keys create');
      try {
        const k = await createApiKey(ops.db, {
          name: opts.name,
          role: opts.role,
          repId: opts.rep ?? null,
        });
        note(`created key #${k.id} "${k.name}" (${k.role}); it is shown once:`);
        print(k.key);
      } catch (e) {
        if (e instanceof AppError && e.extra.errors?.some((f) => f.field === 'repId'))
          throw new CliError(
            opts.rep == null
              ? `a ${opts.role} key must belong to a sales rep: add --rep <id>`
              : `--rep ${opts.rep}: there is no sales rep with that id`,
          );
        throw e;
      } finally {
        await ops.close();
      }
    });
  keys
    .command('list')
    .description('list API keys (never the secrets)')
    .action(async () => {
      const ops = await openMigratedDb(readConfig(), 'keys list');
      try {
        const rows = (await listKeys(ops.db)).map((k) => [
          String(k.id),
          k.role,
          k.rep_id == null ? '-' : String(k.rep_id),
          k.key_prefix,
          k.revoked_at ? 'revoked' : 'active',
          k.last_used_at ? k.last_used_at.toISOString().slice(0, 16).replace('T', ' ') : '-',
          k.name,
        ]);
        if (!rows.length) return print('no API keys yet');
        const header = ['ID', 'ROLE', 'REP', 'PREFIX', 'STATUS', 'LAST USED (UTC)', 'NAME'];
        for (const line of alignedTable(header, rows)) print(line);
      } finally {
        await ops.close();
      }
    });
  keys
    .command('revoke')
    .description('revoke an API key by id (never the last active admin key)')
    .argument('<id>', 'the key id (`salesops keys list` shows it)', idArgument)
    .action(async (id: number) => {
      const ops = await openMigratedDb(readConfig(), 'keys revoke');
      try {
        const r = await revokeKey(ops.db, id);
        if (!r) throw new CliError(`no active API key with id ${id}`);
        print(`revoked key ${id}`);
      } finally {
        await ops.close();
      }
    });
}
