/**
 * A wire session's settings, and the answers to the session commands clients send on their own
 * (session-commands.ts recognises them): `SET` and `RESET` of the parameters below, `SHOW` of
 * those and of the server's fixed ones, and `BEGIN`/`COMMIT`/`ROLLBACK` as markers. Nothing here
 * reaches DuckDB or the query history — nothing runs — and no value changes what a query reads:
 *
 * - `statement_timeout` is the one that acts: it becomes the time limit of the session's
 *   queries, capped per role as POST /api/v1/sql's `timeoutMs` is (past the cap: 22023).
 * - `TimeZone` is answered, not honoured: TIMESTAMPTZ values always go out in UTC with their
 *   `+00` (so every client reads the right instant), and a zone other than UTC gets a notice
 *   saying so; DuckDB's own TimeZone is locked with the rest of the warehouse's settings.
 * - `client_encoding` takes UTF8 only, `DateStyle` ISO output only (0A000 otherwise): those are
 *   the only ones the values are written in, and pgjdbc drops a connection whose DateStyle does
 *   not start with ISO.
 * - `search_path` is kept for SHOW, but names still need their schema (the guard's rule).
 * - A transaction is a marker: ReadyForQuery says `T` between BEGIN and COMMIT, so drivers
 *   outside autocommit (psycopg's default, JDBC's setAutoCommit(false)) see what they expect;
 *   every statement still reads on its own, and an error does not abort the "transaction" —
 *   there is nothing to roll back. READ WRITE is refused (25006, as a read-only standby says it): the server is read-only.
 */
import type { Principal } from '../api/auth/principal.ts';
import { TIMEOUT_CAP_MS } from '../api/sql/service.ts';
import type { AppContext } from '../context.ts';
import * as be from './backend.ts';
import type { ColumnDescription } from './backend.ts';
import { connectQuestion, type FactAnswer } from './connect-queries.ts';
import { sessionCommands, type SessionCommand } from './session-commands.ts';
import { SETTINGS, type SettingScope } from './session-parameters.ts';
import { SQLSTATE, WireError } from './sqlstate.ts';
import { OID } from './types.ts';

/** One command's answer: its rows (SHOW), messages before its tag, the tag. */
export interface CommandPart {
  columns: ColumnDescription[];
  rows: (string | null)[][];
  messages: Buffer[];
  tag: string;
}

const text = (name: string): ColumnDescription => ({
  name,
  typeOid: OID.text,
  typeSize: -1,
  typeModifier: -1,
});

/**
 * Whether this layer answers `c`: a SHOW or SET of a parameter it does not know (`SHOW TABLES`,
 * `SET threads = 1`) goes on to DuckDB's guard instead, which runs or refuses it as before.
 */
function known(c: SessionCommand): boolean {
  if (c.kind === 'reset' && c.name === 'all') return true;
  return !('name' in c) || Object.hasOwn(SETTINGS, c.name);
}

/** One connection's settings and transaction marker. */
export class SessionSettings implements SettingScope {
  private readonly values = new Map<string, string>();
  inTransaction = false;
  readonly timeoutCapMs: number;
  readonly defaultTimeoutMs: number;

  constructor(
    ctx: AppContext,
    readonly principal: Principal,
    readonly startup: Record<string, string>,
  ) {
    this.timeoutCapMs = TIMEOUT_CAP_MS[principal.role] ?? 0;
    this.defaultTimeoutMs = Math.min(ctx.config.sqlTimeoutMs, this.timeoutCapMs);
    // What a client put in its StartupMessage counts as a SET (pgjdbc sends DateStyle,
    // TimeZone, extra_float_digits there); a value refused there is left at its default.
    for (const [name, given] of Object.entries(startup)) {
      const setting = SETTINGS[name.toLowerCase()];
      if (!setting?.accept) continue;
      try {
        this.values.set(name.toLowerCase(), setting.accept(given, this));
      } catch {
        // the default stays, and is what the client is told
      }
    }
  }

  /** The current value of parameter `key` (lower case). */
  value(key: string): string {
    const setting = SETTINGS[key]!;
    return this.values.get(key) ?? setting.initial(this);
  }

  /** The time limit of this session's queries (statement_timeout). */
  get timeoutMs(): number {
    return Number.parseInt(this.value('statement_timeout'), 10);
  }

  /** ParameterStatus for parameter `key`. */
  status(key: string): Buffer {
    return be.parameterStatus(SETTINGS[key]!.name, this.value(key));
  }

  /** The answers to `sql` when it is session commands only; undefined when it is not. */
  answer(sql: string, several: boolean): CommandPart[] | undefined {
    const fact = this.fact(sql);
    if (fact) return [{ columns: fact.columns, rows: [fact.row], messages: [], tag: 'SELECT 1' }];
    const commands = sessionCommands(sql, several);
    if (!commands?.every(known)) return undefined;
    return commands.map((c) => this.apply(c));
  }

  /** The columns `sql` answers with, without applying it (Describe). */
  columnsOf(sql: string): ColumnDescription[] | undefined {
    const fact = this.fact(sql);
    if (fact) return fact.columns;
    const commands = sessionCommands(sql, false);
    if (!commands?.every(known)) return undefined;
    const c = commands[0]!;
    return c.kind === 'show' ? [text(SETTINGS[c.name]!.name)] : [];
  }

  /** The answer to one of connect-queries.ts's questions about this session. */
  private fact(sql: string): FactAnswer | undefined {
    return connectQuestion(sql)?.({
      user: this.startup.user ?? '',
      searchPath: this.value('search_path'),
    });
  }

  private apply(c: SessionCommand): CommandPart {
    const part: CommandPart = { columns: [], rows: [], messages: [], tag: 'SET' };
    switch (c.kind) {
      case 'show': {
        const setting = SETTINGS[c.name]!;
        return {
          ...part,
          columns: [text(setting.name)],
          rows: [[this.value(c.name)]],
          tag: 'SHOW',
        };
      }
      case 'set':
      case 'reset': {
        const keys =
          c.name === 'all' ? Object.keys(SETTINGS).filter((k) => SETTINGS[k]!.accept) : [c.name];
        for (const key of keys) {
          const setting = SETTINGS[key]!;
          const given = c.kind === 'set' ? c.value : undefined;
          if (!setting.accept)
            throw new WireError(
              SQLSTATE.cantChangeParameter,
              `parameter "${setting.name}" cannot be changed`,
            );
          if (given === undefined) this.values.delete(key);
          else this.values.set(key, setting.accept(given, this));
          const notice = given === undefined ? undefined : setting.notice?.(given);
          if (notice)
            part.messages.push(
              be.noticeResponse({ severity: 'NOTICE', code: '01000', message: notice }),
            );
          if (setting.reported) part.messages.push(this.status(key));
        }
        return { ...part, tag: c.kind === 'set' ? 'SET' : 'RESET' };
      }
      case 'characteristics':
      case 'begin': {
        if (c.modes.readWrite)
          throw new WireError(
            SQLSTATE.readOnlyTransaction,
            'this server is read-only: READ WRITE is refused',
          );
        if (c.kind === 'characteristics') return part;
        if (this.inTransaction)
          part.messages.push(warning('25001', 'there is already a transaction in progress'));
        this.inTransaction = true;
        return { ...part, tag: c.tag };
      }
      case 'end': {
        if (!this.inTransaction)
          part.messages.push(warning('25P01', 'there is no transaction in progress'));
        this.inTransaction = false;
        return { ...part, tag: c.tag };
      }
    }
  }
}

const warning = (code: string, message: string) =>
  be.noticeResponse({ severity: 'WARNING', code, message });
