/**
 * The feed's rules: what a caller sees (visibility.ts), where a read starts, and the 410 for a
 * resume from before the retention window. Every read publishes first (publish.ts), so an API
 * read never misses an event that committed before it was asked.
 */
import type { Request, Response } from 'express';
import type { Kysely } from 'kysely';
import { nowOf, type AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, loadScope, visibleRepIds } from '../auth/scope.ts';
import { AppError, notFound, type FieldLocation } from '../errors.ts';
import { findOrder } from '../orders/repository.ts';
import { decodeCursor, encodeCursor, pageOf } from '../pagination.ts';
import { publishAll } from './publish.ts';
import { oldestKeptId, readEvents, readMarks, SCAN_WINDOW } from './repository.ts';
import { toEventDto, type FeedFilters, type FeedQuery } from './schemas.ts';
import { runEventStream } from './stream.ts';
import { visibleEvents } from './visibility.ts';

/** Where a resume point came from, for the problem that names it. */
export interface ResumeField {
  field: string;
  in: FieldLocation;
}

/**
 * 410 when events after `after` were removed by retention: resuming there would skip them.
 * Asked after the read, because retention marks before it deletes (retention.ts): a read that
 * raced a prune is caught here.
 */
async function refuseResumeBeforeRetention(
  db: Kysely<DB>,
  after: number,
  from: ResumeField,
): Promise<void> {
  const { prunedThrough } = await readMarks(db);
  if (after >= prunedThrough) return;
  const oldest = await oldestKeptId(db, prunedThrough);
  const kept = oldest === null ? 'none is kept' : `the oldest kept is ${oldest}`;
  throw new AppError(
    'gone',
    `${from.field}: events up to ${prunedThrough} were removed (older than the retention window), so ` +
      `resuming after ${after} would miss some; ${kept}. Start again from there (after=${prunedThrough}) ` +
      'and rebuild what was derived from the events',
    {
      errors: [{ field: from.field, in: from.in, message: `before the retention window` }],
      oldestId: oldest,
      prunedThrough,
    },
  );
}

/** GET /events: one page of the caller's events, oldest first. */
export async function listEvents(db: Kysely<DB>, principal: Principal, query: FeedQuery) {
  // The cursor continues the query it came from, `after=` included: it wins.
  const given = query.cursor !== undefined ? decodeCursor(query.cursor) : query.after;
  await publishAll(db);
  const scope = await loadScope(db, principal);
  const marks = await readMarks(db);
  // Without a resume point the feed starts at the oldest event retention kept.
  const start = given ?? marks.prunedThrough;
  const upTo = Math.min(marks.last, start + SCAN_WINDOW);
  const rows = await readEvents(db, {
    after: start,
    upTo,
    limit: query.limit + 1,
    filters: { types: query.types, entity: query.entity },
    visible: visibleEvents(principal, scope),
  });
  if (given !== undefined)
    await refuseResumeBeforeRetention(db, given, {
      field: query.cursor !== undefined ? 'cursor' : 'after',
      in: 'query',
    });
  const page = pageOf(rows, query.limit, toEventDto);
  // A short page that stopped at the scan window, not at the newest event, goes on from there.
  if (page.nextCursor === null && upTo < marks.last)
    return { ...page, nextCursor: encodeCursor(upTo) };
  return page;
}

/**
 * GET /events/stream: check the resume point (a 410 or 400 is still a plain answer), then
 * stream until the client leaves.
 */
export async function streamEvents(
  ctx: AppContext,
  input: {
    principal: Principal;
    req: Request;
    res: Response;
    filters: FeedFilters;
    after: number | undefined;
    from: ResumeField;
  },
): Promise<void> {
  const db = ctx.ops.db;
  await publishAll(db);
  const scope = await loadScope(db, input.principal);
  // Without a resume point a stream is a live tail: it starts with the next event published.
  let after = input.after;
  if (after === undefined) after = (await readMarks(db)).last;
  else await refuseResumeBeforeRetention(db, after, input.from);
  await runEventStream({
    db,
    hub: ctx.events,
    req: input.req,
    res: input.res,
    principal: input.principal,
    visible: visibleEvents(input.principal, scope),
    filters: input.filters,
    after,
    settings: {
      heartbeatMs: ctx.config.eventHeartbeatMs,
      bufferBytes: ctx.config.eventStreamBufferBytes,
      stallMs: ctx.config.eventStreamStallMs,
    },
    log: input.req.log,
    clock: () => nowOf(ctx),
  });
}

/** GET /orders/{id}/timeline: the order's events in order, with who did each; 404 out of scope. */
export async function orderTimeline(
  db: Kysely<DB>,
  principal: Principal,
  orderId: number,
  query: { limit: number; cursor?: string },
) {
  const order = await findOrder(db, orderId);
  if (!order || !canSeeOwner(await visibleRepIds(db, principal), order.customer_owner_rep_id))
    throw notFound('order', orderId);
  await publishAll(db);
  const rows = await readEvents(db, {
    after: decodeCursor(query.cursor) ?? 0,
    limit: query.limit + 1,
    filters: { entity: { type: 'order', id: String(orderId) } },
    // Every event of a visible order is the order's: nothing further to hide.
    visible: visibleEvents(principal, { team: null, pipeline: null }),
  });
  return pageOf(rows, query.limit, toEventDto);
}
