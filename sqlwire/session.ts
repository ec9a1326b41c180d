/**
 * A signed-in connection: the simple query protocol (Query) and the extended one (Parse, Bind,
 * Describe, Execute, Close, Sync, Flush), each statement run through runRecorded (run.ts) — the
 * same checks, caps and history as POST /api/v1/sql. No transaction is ever open (reads need
 * none); ReadyForQuery says `T` between BEGIN and COMMIT only as a marker. After an error in
 * the extended protocol, messages are skipped up to the next Sync, as the protocol says.
 *
 * Session commands (SET, SHOW, BEGIN… — session-settings.ts) are answered here without DuckDB.
 * Results are text format only: a client that asks for binary results is told so (0A000);
 * binary parameters of the common types are read (binary-params.ts). A portal is run when it is
 * first described or executed, and its rows are then read out as Execute asks (all, or some at
 * a time with PortalSuspended).
 */
import type { Principal } from '../api/auth/principal.ts';
import type { AppContext } from '../context.ts';
import * as be from './backend.ts';
import { binaryParamText } from './binary-params.ts';
import { catalogQuery, type CatalogSession } from './catalog.ts';
import { columnDescriptions, relationDescriptions } from './catalog-descriptions.ts';
import type { FrameReader } from './frames.ts';
import {
  readBind,
  readExecute,
  readParse,
  readQuery,
  readTarget,
  type ParseMessage,
} from './frontend.ts';
import { ResultCursor } from './rows.ts';
import { describeSql, runRecorded } from './run.ts';
import type { Outbox } from './send.ts';
import { SessionSettings, type CommandPart } from './session-settings.ts';
import { problemOf, SQLSTATE, WireError } from './sqlstate.ts';
import { describeColumn, OID } from './types.ts';

interface Portal {
  statement: ParseMessage;
  params: (string | null)[];
  /** Its answer once run: a result's rows, or a session command's. */
  cursor?: ResultCursor | CommandPart;
}

const BLANK = /^[\s;]*$/;

export class WireSession {
  private readonly statements = new Map<string, ParseMessage>();
  private readonly portals = new Map<string, Portal>();
  private running: AbortController | undefined;
  private skipping = false;
  /** Its settings: SET, SHOW and the transaction marker (session-settings.ts). */
  readonly settings: SessionSettings;
  /** What psql's catalog answers need of it (catalog.ts). */
  private readonly catalog: CatalogSession;

  constructor(
    private readonly ctx: AppContext,
    private readonly principal: Principal,
    private readonly reader: FrameReader,
    private readonly out: Outbox,
    startup: Record<string, string>,
  ) {
    this.settings = new SessionSettings(ctx, principal, startup);
    this.catalog = {
      // The protocol's default database is the user name, as libpq's is.
      database: startup.database || startup.user || '',
      relationDescriptions: () => relationDescriptions(ctx),
      columnDescriptions: (oid) => columnDescriptions(ctx, oid),
    };
  }

  /** ReadyForQuery, with the transaction marker. */
  private ready(): Buffer {
    return be.readyForQuery(this.settings.inTransaction ? 'T' : 'I');
  }

  /** Stop the query running now, if any (a CancelRequest). */
  cancel(): void {
    this.running?.abort();
  }

  async serve(): Promise<void> {
    for (;;) {
      const frame = await this.reader.next(true);
      if (!frame) return;
      const type = String.fromCharCode(frame.type);
      if (type === 'X') return;
      if (type === 'Q') {
        this.skipping = false;
        await this.simpleQuery(readQuery(frame.body));
        continue;
      }
      if (type === 'S') {
        this.skipping = false;
        // Sync ends the implicit transaction, and PostgreSQL drops every portal with it: a
        // result read in part is not held (with its rows) for a client that never closes it.
        this.portals.clear();
        await this.out.send(this.ready());
        continue;
      }
      if (type === 'H') continue; // Flush: every message is written as soon as it is made
      if (this.skipping) continue;
      try {
        await this.extended(type, frame.body);
      } catch (e) {
        this.skipping = true;
        await this.sendProblem(e, this.sqlOf(type, frame.body));
      }
    }
  }

  /** The SQL a failed message was about, for the error's position. */
  private sqlOf(type: string, body: Buffer): string | undefined {
    if (type === 'P') return readParse(body).sql;
    if (type === 'E') return this.portals.get(readExecute(body).portal)?.statement.sql;
    return undefined;
  }

  private async sendProblem(e: unknown, sql?: string): Promise<void> {
    const problem =
      e instanceof WireError
        ? { severity: 'ERROR' as const, code: e.code, message: e.message }
        : problemOf(e, sql);
    if (problem.code === SQLSTATE.internal)
      this.ctx.logger.error({ err: e }, 'a SQL wire message failed');
    await this.out.send(be.errorResponse(problem));
  }

  /** A portal's answer: a session command's, or its statement run. */
  private async answer(portal: Portal): Promise<ResultCursor | CommandPart> {
    const command = this.settings.answer(portal.statement.sql, false);
    return command ? command[0]! : this.run(portal.statement.sql, portal.params);
  }

  /**
   * Run `sql` (or what catalog.ts answers it with) with the cancel armed and the session's
   * statement_timeout.
   */
  private async run(sql: string, params: (string | null)[] | undefined): Promise<ResultCursor> {
    const text = (await catalogQuery(sql, this.catalog)) ?? sql;
    this.running = new AbortController();
    try {
      const result = await runRecorded(this.ctx, this.principal, text, params, {
        signal: this.running.signal,
        timeoutMs: this.settings.timeoutMs,
      });
      return new ResultCursor(result);
    } finally {
      this.running = undefined;
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    try {
      const commands = BLANK.test(sql) ? undefined : this.settings.answer(sql, true);
      if (BLANK.test(sql)) await this.out.send(be.emptyQueryResponse());
      else if (commands) for (const part of commands) await this.sendCommand(part, true);
      else {
        const cursor = await this.run(sql, undefined);
        await this.out.send(be.rowDescription(cursor.columns));
        await this.complete(cursor, await cursor.sendRows(this.out.send, 0));
      }
    } catch (e) {
      await this.sendProblem(e, sql);
    }
    await this.out.send(this.ready());
  }

  /** A session command's answer: its RowDescription (simple protocol), rows, tag. */
  private sendCommand(part: CommandPart, withDescription: boolean): Promise<void> {
    const messages: Buffer[] = [];
    if (withDescription && part.columns.length) messages.push(be.rowDescription(part.columns));
    messages.push(...part.rows.map((row) => be.dataRow(row)), ...part.messages);
    messages.push(be.commandComplete(part.tag));
    return this.out.sendAll(messages);
  }

  /**
   * CommandComplete with the rows of this Execute (as PostgreSQL counts a portal read in
   * pieces), after a notice when the row cap cut the result short.
   */
  private async complete(cursor: ResultCursor, rows: number): Promise<void> {
    const messages = [];
    if (cursor.result.truncated)
      messages.push(
        be.noticeResponse({
          severity: 'NOTICE',
          code: '01000',
          message: `the result was cut at ${cursor.result.rowCount} rows (SALESOPS_SQL_ROW_LIMIT); more were there`,
        }),
      );
    messages.push(be.commandComplete(`SELECT ${rows}`));
    await this.out.sendAll(messages);
  }

  private async extended(type: string, body: Buffer): Promise<void> {
    switch (type) {
      case 'P': {
        const m = readParse(body);
        if (m.name && this.statements.has(m.name))
          throw new WireError('42P05', `prepared statement "${m.name}" already exists`);
        this.statements.set(m.name, m);
        return this.out.send(be.parseComplete());
      }
      case 'B': {
        const m = readBind(body);
        const statement = this.statements.get(m.statement);
        if (!statement)
          throw new WireError('26000', `prepared statement "${m.statement}" does not exist`);
        if (m.resultFormats.some((f) => f !== 0))
          throw new WireError(
            SQLSTATE.featureNotSupported,
            'binary results are not supported: ask for results as text',
          );
        const params = m.params.map((p, i) => {
          if (p === null) return null;
          const format = m.paramFormats.length === 1 ? m.paramFormats[0] : m.paramFormats[i];
          return format ? binaryParamText(p, statement.paramOids[i] ?? 0) : p.toString('utf8');
        });
        this.portals.set(m.portal, { statement, params });
        return this.out.send(be.bindComplete());
      }
      case 'D': {
        const { what, name } = readTarget(body);
        return what === 'S' ? this.describeStatement(name) : this.describePortal(name);
      }
      case 'E': {
        const { portal: name, maxRows } = readExecute(body);
        const portal = this.portal(name);
        if (BLANK.test(portal.statement.sql)) return this.out.send(be.emptyQueryResponse());
        portal.cursor ??= await this.answer(portal);
        if (!(portal.cursor instanceof ResultCursor)) return this.sendCommand(portal.cursor, false);
        const rows = await portal.cursor.sendRows(this.out.send, maxRows);
        if (portal.cursor.done) return this.complete(portal.cursor, rows);
        return this.out.send(be.portalSuspended());
      }
      case 'C': {
        const { what, name } = readTarget(body);
        if (what === 'S') this.statements.delete(name);
        else this.portals.delete(name);
        return this.out.send(be.closeComplete());
      }
    }
    throw new WireError(SQLSTATE.protocolViolation, `message type ${type} is not supported`);
  }

  private portal(name: string): Portal {
    const portal = this.portals.get(name);
    if (!portal) throw new WireError('34000', `portal "${name}" does not exist`);
    return portal;
  }

  private async describeStatement(name: string): Promise<void> {
    const statement = this.statements.get(name);
    if (!statement) throw new WireError('26000', `prepared statement "${name}" does not exist`);
    if (BLANK.test(statement.sql))
      return this.out.sendAll([be.parameterDescription([]), be.noData()]);
    const commandColumns = this.settings.columnsOf(statement.sql);
    if (commandColumns)
      return this.out.sendAll([
        be.parameterDescription([]),
        commandColumns.length ? be.rowDescription(commandColumns) : be.noData(),
      ]);
    const sql = (await catalogQuery(statement.sql, this.catalog)) ?? statement.sql;
    const shape = await describeSql(this.ctx, this.principal, sql);
    const oids = Array.from({ length: shape.parameterCount }, (_, i) =>
      statement.paramOids[i] ? statement.paramOids[i] : OID.text,
    );
    const columns = shape.columns.map((c) => describeColumn(c.name, c.type));
    await this.out.sendAll([
      be.parameterDescription(oids),
      columns.length ? be.rowDescription(columns) : be.noData(),
    ]);
  }

  private async describePortal(name: string): Promise<void> {
    const portal = this.portal(name);
    if (BLANK.test(portal.statement.sql)) return this.out.send(be.noData());
    portal.cursor ??= await this.answer(portal);
    const { columns } = portal.cursor;
    await this.out.send(columns.length ? be.rowDescription(columns) : be.noData());
  }
}
