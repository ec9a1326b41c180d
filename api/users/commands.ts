/**
 * `salesops users create|list|disable|enable|reset-password`: the options and their parsers. What
 * each command does is in user-actions.ts, loaded when it runs (the lazy-import rule in cli.ts),
 * so `users --help` loads no database driver; the same pattern as api/auth/commands.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ROLES, type Role } from '../../db/schema.ts';
import { idArgument } from '../auth/commands.ts';

/** A user on the command line: its id (a whole number) or its email (any case). */
export type UserRef = number | string;

/** `<id|email>`: digits are an id, text with an @ is an email; anything else is refused here. */
export function userArgument(v: string): UserRef {
  const s = v.trim();
  if (/^\d+$/.test(s)) return idArgument(s);
  if (/^[^\s@]+@[^\s@]+$/.test(s)) return s;
  throw new InvalidArgumentError('must be a user id (`salesops users list` shows it) or an email');
}

/** Register `users …` on the program. */
export function registerUserCommands(
  program: Command,
  print: (line: string) => void,
  note: (line: string) => void,
): void {
  const actions = () => import('./user-actions.ts');
  const users = program
    .command('users')
    .description(
      'create, list, disable and enable the people who sign in; issue set-password links',
    );
  const keyOption = (what: string) =>
    new Option('--key <key>', `admin API key, to ${what} through a running server`);
  const who = ['<user>', 'the user id (`salesops users list` shows it) or email'] as const;

  users
    .command('create')
    .description('create a user; its one-time set-password link is printed alone on the last line')
    .requiredOption('--email <email>', 'the email the person signs in with')
    .addOption(new Option('--role <role>', 'role').choices(ROLES as string[]).makeOptionMandatory())
    .option('--name <name>', 'the person’s name, as pages show it')
    .option('--rep <code>', 'sales rep code the user belongs to (required for a manager)')
    .addOption(keyOption('create it'))
    .action(
      async (opts: { email: string; role: Role; name?: string; rep?: string; key?: string }) =>
        (await actions()).createUserCommand(opts, print, note),
    );
  users
    .command('list')
    .description('list users (never passwords or links)')
    .addOption(keyOption('list them'))
    .action(async (opts: { key?: string }) => (await actions()).listUsersCommand(opts, print));
  users
    .command('disable')
    .description('disable a user: sessions end and keys are revoked at once (never the last admin)')
    .argument(...who, userArgument)
    .addOption(keyOption('disable it'))
    .action(async (user: UserRef, opts: { key?: string }) =>
      (await actions()).disableUserCommand(user, opts, print),
    );
  users
    .command('enable')
    .description('enable a disabled user (its revoked keys stay revoked)')
    .argument(...who, userArgument)
    .addOption(keyOption('enable it'))
    .action(async (user: UserRef, opts: { key?: string }) =>
      (await actions()).enableUserCommand(user, opts, print),
    );
  users
    .command('reset-password')
    .description(
      'a new one-time set-password link, printed alone on the last line; earlier links stop working',
    )
    .argument(...who, userArgument)
    .addOption(keyOption('issue it'))
    .action(async (user: UserRef, opts: { key?: string }) =>
      (await actions()).resetPasswordCommand(user, opts, print, note),
    );
}
