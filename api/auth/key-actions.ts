/**
 * What `salesops keys create|list|revoke` do (commands.ts registers them). The rules are the
 * API's (api/auth/service.ts: a manager key needs a rep, the last admin key stays); here their
 * answers become one line that names the command-line option instead of the JSON field.
 */
import type { Role } from '../../db/schema.ts';
import { runningServer, ServerAnswerError, type RunningServer } from '../../handoff.ts';
import { CliError, openMigratedDb, readConfig } from '../../runtime.ts';
import { AppError } from '../errors.ts';
import { alignedTable } from './commands.ts';
import { toApiKeyDto } from './schemas.ts';
import { createApiKey, listKeys, revokeKey } from './service.ts';

type Print = (line: string) => void;

/** `keys create`: through a running server when one holds the folder, else on the database. */
export async function createKeyCommand(
  opts: { role: Role; name: string; rep?: number; key?: string },
  print: Print,
  note: Print,
): Promise<void> {
  const config = readConfig();
  const server = runningServer(config, { ...ADMIN, key: opts.key, command: 'keys create' });
  if (server) {
    const body = { name: opts.name, role: opts.role, repId: opts.rep ?? null };
    const k = (await server.call('POST', '/api-keys', body).catch((e: unknown) => {
      throw e instanceof ServerAnswerError && e.fields.some((f) => f.field === 'repId')
        ? repError(opts)
        : e;
    })) as { id: number; key: string };
    note(
      `created key #${k.id} "${opts.name}" (${opts.role}) through ${server.url}; it is shown once:`,
    );
    return print(k.key);
  }
  const ops = await openMigratedDb(config, 'keys create');
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
      throw repError(opts);
    throw e;
  } finally {
    await ops.close();
  }
}

/** `keys list`. */
export async function listKeysCommand(opts: { key?: string }, print: Print): Promise<void> {
  const config = readConfig();
  const server = runningServer(config, { ...ADMIN, key: opts.key, command: 'keys list' });
  if (server) return printKeys(await listThrough(server), print);
  const ops = await openMigratedDb(config, 'keys list');
  try {
    printKeys((await listKeys(ops.db)).map(toApiKeyDto), print);
  } finally {
    await ops.close();
  }
}

/** `keys revoke <id>`. */
export async function revokeKeyCommand(
  id: number,
  opts: { key?: string },
  print: Print,
): Promise<void> {
  const config = readConfig();
  const server = runningServer(config, { ...ADMIN, key: opts.key, command: 'keys revoke' });
  if (server) {
    await server.call('DELETE', `/api-keys/${id}`);
    return print(`revoked key ${id} (the server stops accepting it at once)`);
  }
  const ops = await openMigratedDb(config, 'keys revoke');
  try {
    const r = await revokeKey(ops.db, id);
    if (!r) throw new CliError(`no active API key with id ${id}`);
    print(`revoked key ${id}`);
  } finally {
    await ops.close();
  }
}

const ADMIN = { what: 'an admin API key' };

/** The API's repId refusal, said with the command-line option. */
function repError(opts: { role: Role; rep?: number }): CliError {
  return new CliError(
    opts.rep == null
      ? `a ${opts.role} key must belong to a sales rep: add --rep <id>`
      : `--rep ${opts.rep}: there is no sales rep with that id`,
  );
}

type KeyDto = ReturnType<typeof toApiKeyDto>;

/** Every key, page by page, from the running server. */
async function listThrough(server: RunningServer): Promise<KeyDto[]> {
  const all: KeyDto[] = [];
  let cursor: string | null = null;
  do {
    const page = (await server.call(
      'GET',
      `/api-keys?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    )) as { items: KeyDto[]; nextCursor: string | null };
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** The keys as an aligned table under a header (never the secrets: there are none here). */
function printKeys(keys: readonly KeyDto[], print: Print): void {
  if (!keys.length) return print('no API keys yet');
  const rows = keys.map((k) => [
    String(k.id),
    k.role,
    k.repId == null ? '-' : String(k.repId),
    k.prefix,
    k.revokedAt ? 'revoked' : 'active',
    k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace('T', ' ') : '-',
    k.name,
  ]);
  const header = ['ID', 'ROLE', 'REP', 'PREFIX', 'STATUS', 'LAST USED (UTC)', 'NAME'];
  for (const line of alignedTable(header, rows)) print(line);
}
