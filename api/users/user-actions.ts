/**
 * What `salesops users create|list|disable|enable|reset-password` do (commands.ts registers them).
 * The rules are the service's (api/users/service.ts: a manager belongs to a rep, emails are
 * unique, the last active admin stays); here their answers become one line that names the
 * command-line option instead of the JSON field. Beside a server that holds the data folder the
 * work goes through /api/v1/users, so a lost link never needs a server stop (the issue's words).
 */
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB, Role } from '../../db/schema.ts';
import { runningServer, ServerAnswerError, type RunningServer } from '../../handoff.ts';
import { CliError, openMigratedDb, readConfig } from '../../runtime.ts';
import { alignedTable } from '../auth/commands.ts';
import { AppError, type FieldError } from '../errors.ts';
import { publicBase } from '../public-url.ts';
import type { UserRef } from './commands.ts';
import { findUserForSignIn, listUsers } from './repository.ts';
import { createUserBody } from './schemas.ts';
import {
  createUser,
  disableUser,
  enableUser,
  resetPassword,
  toUserDto,
  type UserDto,
} from './service.ts';

type Print = (line: string) => void;
type CreateOptions = { email: string; role: Role; name?: string; rep?: string; key?: string };

/** `users create`: through a running server when one holds the folder, else on the database. */
export async function createUserCommand(
  opts: CreateOptions,
  print: Print,
  note: Print,
): Promise<void> {
  const config = readConfig();
  const server = runningServer(config, { ...ADMIN, key: opts.key, command: 'users create' });
  const body = { email: opts.email, role: opts.role, name: opts.name, repCode: opts.rep ?? null };
  if (server) {
    const u = (await server.call('POST', '/users', body).catch((e: unknown) => {
      throw e instanceof ServerAnswerError ? (optionError(e.fields, opts) ?? e) : e;
    })) as UserDto & { setPasswordUrl: string; expiresAt: string };
    note(
      `created user #${u.id} ${u.email} (${u.role}) through ${server.url}; its set-password link ${linkNote(u)}:`,
    );
    return print(u.setPasswordUrl);
  }
  // The API checks the body with this schema before the service sees it; so does the CLI.
  const parsed = createUserBody.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({
      field: i.path.join('.'),
      message: i.message,
    }));
    throw optionError(fields, opts) ?? new CliError(fields[0]!.message);
  }
  const ops = await openMigratedDb(config, 'users create');
  try {
    const { user, link } = await createUser(ops.db, new Date(), parsed.data, null);
    note(
      `created user #${user.id} ${user.email} (${user.role}); its set-password link ${linkNote(link)}:`,
    );
    print(`${publicBase(config)}${link.path}`);
  } catch (e) {
    if (e instanceof AppError && e.extra.errors) throw optionError(e.extra.errors, opts) ?? e;
    throw e;
  } finally {
    await ops.close();
  }
}

/** `users list`. */
export async function listUsersCommand(opts: { key?: string }, print: Print): Promise<void> {
  const config = readConfig();
  const server = runningServer(config, { ...ADMIN, key: opts.key, command: 'users list' });
  if (server) {
    const users = await listThrough(server);
    return printUsers(users, await repCodesThrough(server, users), print);
  }
  const ops = await openMigratedDb(config, 'users list');
  try {
    const users = await listIn(ops.db);
    printUsers(users, await repCodesIn(ops.db, users), print);
  } finally {
    await ops.close();
  }
}

/** `users disable <user>`: sessions end and keys are revoked at once; never the last admin. */
export async function disableUserCommand(
  ref: UserRef,
  opts: { key?: string },
  print: Print,
): Promise<void> {
  const u = await onUser(ref, opts, 'users disable', {
    server: (server, id) => server.call('POST', `/users/${id}/disable`) as Promise<UserDto>,
    db: (db, id) => disableUser(db, new Date(), id, null),
  });
  print(
    `user ${u.id} (${u.email ?? 'no email yet'}) is disabled: it cannot sign in, ` +
      'its sessions have ended and its API keys are revoked',
  );
}

/** `users enable <user>`. */
export async function enableUserCommand(
  ref: UserRef,
  opts: { key?: string },
  print: Print,
): Promise<void> {
  const u = await onUser(ref, opts, 'users enable', {
    server: (server, id) => server.call('POST', `/users/${id}/enable`) as Promise<UserDto>,
    db: (db, id) => enableUser(db, id, null),
  });
  print(
    `user ${u.id} (${u.email ?? 'no email yet'}) is enabled: it can sign in again ` +
      '(its revoked API keys stay revoked)',
  );
}

/** `users reset-password <user>`: a new link; the earlier unused ones stop working. */
export async function resetPasswordCommand(
  ref: UserRef,
  opts: { key?: string },
  print: Print,
  note: Print,
): Promise<void> {
  const r = await onUser(ref, opts, 'users reset-password', {
    server: async (server, id) => ({
      id,
      ...((await server.call('POST', `/users/${id}/reset-password`)) as LinkAnswer),
    }),
    db: async (db, id, config) => {
      const link = await resetPassword(db, new Date(), id, null);
      return { id, setPasswordUrl: `${publicBase(config)}${link.path}`, expiresAt: link.expiresAt };
    },
  });
  const who = `user ${r.id}${typeof ref === 'string' ? ` (${ref})` : ''}`;
  note(
    `a new set-password link for ${who}: it ${linkNote(r)} ` +
      '(earlier links no longer work; the current password works until this one is used):',
  );
  print(r.setPasswordUrl);
}

const ADMIN = { what: 'an admin API key' };

type LinkAnswer = { setPasswordUrl: string; expiresAt: string | Date };

function linkNote(link: { expiresAt: string | Date }): string {
  const until = new Date(link.expiresAt).toISOString().slice(0, 16).replace('T', ' ');
  return `works once, until ${until} UTC, and is shown only now`;
}

/** The option each field of the API's body came from. */
const OPTION: Record<string, string> = {
  email: '--email',
  name: '--name',
  role: '--role',
  repId: '--rep',
  repCode: '--rep',
};

/** The API's refusal of a field, said with the command-line option; undefined for other fields. */
function optionError(fields: readonly FieldError[], opts: CreateOptions): CliError | undefined {
  const f = fields.find((x) => x.field in OPTION);
  if (!f) return undefined;
  if (opts.rep == null && (f.field === 'repId' || f.field === 'repCode'))
    return new CliError(`a ${opts.role} user must belong to a sales rep: add --rep <code>`);
  if (f.field === 'repCode' && /does not exist/.test(f.message))
    return new CliError(`--rep ${opts.rep}: there is no sales rep with that code`);
  const value =
    f.field === 'email' ? ` ${opts.email}` : f.field === 'repCode' ? ` ${opts.rep}` : '';
  return new CliError(`${OPTION[f.field]}${value}: ${f.message}`);
}

/**
 * Resolve `<id|email>` and do one thing to that user, through the server or on the database. An
 * email is looked up without case, as sign-in compares it; through the server that means reading
 * the user list (the API has no lookup by email), which is a few pages at most.
 */
async function onUser<T>(
  ref: UserRef,
  opts: { key?: string },
  command: string,
  act: {
    server: (server: RunningServer, id: number) => Promise<T>;
    db: (db: Kysely<DB>, id: number, config: Config) => Promise<T>;
  },
): Promise<T> {
  const config = readConfig();
  const server = runningServer(config, { ...ADMIN, key: opts.key, command });
  if (server) {
    let id = ref;
    if (typeof id === 'string') {
      const email = id.toLowerCase();
      const found = (await listThrough(server)).find((u) => u.email?.toLowerCase() === email);
      if (!found) throw noSuchEmail(id);
      id = found.id;
    }
    return act.server(server, id);
  }
  const ops = await openMigratedDb(config, command);
  try {
    let id = ref;
    if (typeof id === 'string') {
      const found = await findUserForSignIn(ops.db, id);
      if (!found) throw noSuchEmail(id);
      id = found.id;
    }
    return await act.db(ops.db, id, config);
  } finally {
    await ops.close();
  }
}

function noSuchEmail(email: string): CliError {
  return new CliError(`no user with email ${email} (salesops users list shows them)`);
}

/** Every user, page by page, from the running server. */
async function listThrough(server: RunningServer): Promise<UserDto[]> {
  const all: UserDto[] = [];
  let cursor: string | null = null;
  do {
    const page = (await server.call(
      'GET',
      `/users?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    )) as { items: UserDto[]; nextCursor: string | null };
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** Every user, page by page, from the database. */
async function listIn(db: Kysely<DB>): Promise<UserDto[]> {
  const all: UserDto[] = [];
  for (;;) {
    const rows = await listUsers(db, { afterId: all.at(-1)?.id, limit: 500 });
    all.push(...rows.map(toUserDto));
    if (rows.length < 500) return all;
  }
}

/**
 * The codes of the users' reps: `create` takes a code, so the list shows codes too. Few users
 * belong to a rep (managers, some staff), so one request per rep is little.
 */
async function repCodesThrough(server: RunningServer, users: UserDto[]) {
  const ids = [...new Set(users.flatMap((u) => (u.repId == null ? [] : [u.repId])))];
  const codes = new Map<number, string>();
  for (const id of ids) {
    // A rep deleted since keeps its id in the list (the 404 is not the command's failure).
    const rep = (await server.call('GET', `/reps/${id}`).catch(() => undefined)) as
      { code: string } | undefined;
    if (rep) codes.set(id, rep.code);
  }
  return codes;
}

async function repCodesIn(db: Kysely<DB>, users: UserDto[]) {
  const ids = [...new Set(users.flatMap((u) => (u.repId == null ? [] : [u.repId])))];
  if (!ids.length) return new Map<number, string>();
  const rows = await db
    .selectFrom('sales_reps')
    .select(['id', 'code'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.code]));
}

/** The users as an aligned table under a header (never a password, hash or link). */
function printUsers(users: readonly UserDto[], repCodes: Map<number, string>, print: Print): void {
  if (!users.length) return print('no users yet');
  const now = Date.now();
  const rows = users.map((u) => [
    String(u.id),
    u.role,
    u.repId == null ? '-' : (repCodes.get(u.repId) ?? `#${u.repId}`),
    !u.active ? 'disabled' : u.lockedUntil && Date.parse(u.lockedUntil) > now ? 'locked' : 'active',
    u.hasPassword ? 'yes' : 'no',
    u.lastSignInAt ? u.lastSignInAt.slice(0, 16).replace('T', ' ') : '-',
    u.email ?? '-',
    u.name,
  ]);
  const header = ['ID', 'ROLE', 'REP', 'STATUS', 'PASSWORD', 'LAST SIGN-IN (UTC)', 'EMAIL', 'NAME'];
  for (const line of alignedTable(header, rows)) print(line);
}
