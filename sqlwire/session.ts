/**
 * A signed-in connection: the simple query protocol (Query) and the extended one (Parse, Bind,
 * Describe, Execute, Close, Sync, Flush), each statement run through runRecorded (run.ts) — the
 * same checks, caps and history as POST /api/v1/sql. No transaction is ever open (reads need
 * none), so ReadyForQuery always says idle. After an error in the extended protocol, messages
 * are skipped up to the next Sync, as the protocol says.
 *
 * Parameters and results are text format only: a client that asks for binary is told so
 * (0A000). A portal is run when it is first described or executed, and its rows are then read
 * out as Execute asks (all, or some at a time with PortalSuspended).
 */
import type { Principal } from '../api/auth/principal.ts';
import type { AppContext } from '../context.ts';
import * as be from './backend.ts';
import { catalogQuery } from './catalog.ts';
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
import { problemOf, SQLSTATE } from './sqlstate.ts';
import { describeColumn, OID } from './types.ts';

interface Portal {
  statement: ParseMessage;
  params: (string | null)[];
  cursor?: ResultCursor;
}

/** A wire error with its own SQLSTATE (protocol misuse, not the read path's). */
class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const BLANK = /^[\s;]*$/;

export class WireSession {
  private readonly statements = new Map<string, ParseMessage>();
  private readonly portals = new Map<string, Portal>();
  private running: AbortController | undefined;
  private skipping = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly principal: Principal,
    private readonly reader: FrameReader,
    private readonly out: Outbox,
  ) {}

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
        await this.out.send(be.readyForQuery());
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

  /** Run `sql` (or what catalog.ts answers it with) with the cancel armed. */
  private async run(sql: string, params: (string | null)[] | undefined): Promise<ResultCursor> {
    const text = catalogQuery(sql) ?? sql;
    this.running = new AbortController();
    try {
      const result = await runRecorded(this.ctx, this.principal, text, params, this.running.signal);
      return new ResultCursor(result);
    } finally {
      this.running = undefined;
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    try {
      if (BLANK.test(sql)) await this.out.send(be.emptyQueryResponse());
      else {
        const cursor = await this.run(sql, undefined);
        await this.out.send(be.rowDescription(cursor.columns));
        await this.complete(cursor, await cursor.sendRows(this.out.send, 0));
      }
    } catch (e) {
      await this.sendProblem(e, sql);
    }
    await this.out.send(be.readyForQuery());
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
        if (m.paramFormats.some((f) => f !== 0) || m.resultFormats.some((f) => f !== 0))
          throw new WireError(
            SQLSTATE.featureNotSupported,
            'binary format is not supported: send parameters and ask for results as text',
          );
        const params = m.params.map((p) => (p === null ? null : p.toString('utf8')));
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
        portal.cursor ??= await this.run(portal.statement.sql, portal.params);
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
    const sql = catalogQuery(statement.sql) ?? statement.sql;
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
    portal.cursor ??= await this.run(portal.statement.sql, portal.params);
    await this.out.send(be.rowDescription(portal.cursor.columns));
  }
}
