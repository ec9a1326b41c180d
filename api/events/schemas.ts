/** Request and answer shapes of the feed (GET /events, the stream) and the order timeline. */
import { z } from 'zod';
import { paginationQuery } from '../pagination.ts';
import { parseTypePatterns, type TypePatterns } from './type-patterns.ts';

/** An event id as a query parameter or Last-Event-ID: a whole number ≥ 0, digits only. */
export const EVENT_ID = /^\d{1,15}$/;
/** What a bad event id is told. */
export const EVENT_ID_MESSAGE = 'must be an event id (a whole number, 0 or more)';

const eventIdText = z
  .string()
  .trim()
  .regex(EVENT_ID, EVENT_ID_MESSAGE)
  .transform(Number)
  .describe('resume after this event id: the answer starts with the next one');

const typesText = z
  .string()
  .max(1000)
  .transform((text, ctx): TypePatterns => {
    const r = parseTypePatterns(text);
    if ('problem' in r) {
      ctx.addIssue({ code: 'custom', message: r.problem });
      return z.NEVER;
    }
    return r.patterns;
  })
  .describe('comma-separated types and area prefixes: order.*,stock.low');

/** `order:42`: the entity type, a colon, its id (an id may hold colons: `stock_level:3:1`). */
const ENTITY = /^([a-z][a-z0-9_]*):(\S{1,100})$/;
const entityText = z
  .string()
  .trim()
  .regex(ENTITY, 'must be type:id, e.g. order:42')
  .transform((v) => {
    const m = ENTITY.exec(v)!;
    return { type: m[1]!, id: m[2]! };
  })
  .describe("one entity's events, as type:id (order:42)");

/** What narrows the feed: types and one entity. */
const feedFilters = {
  types: typesText.optional(),
  entity: entityText.optional(),
};

export const feedQuery = paginationQuery.extend({
  after: eventIdText.optional(),
  ...feedFilters,
});
export type FeedQuery = z.output<typeof feedQuery>;

export const streamQuery = z.object({
  after: eventIdText
    .optional()
    .describe('resume after this id; a Last-Event-ID header, when sent, takes its place'),
  ...feedFilters,
});
export type StreamQuery = z.output<typeof streamQuery>;

/** The filters a reader applies, parsed. */
export interface FeedFilters {
  types?: TypePatterns;
  entity?: { type: string; id: string };
}

/** Parse a Last-Event-ID header value; undefined when it is not an event id. */
export function parseLastEventId(value: string): number | undefined {
  const v = value.trim();
  return EVENT_ID.test(v) ? Number(v) : undefined;
}

export const eventActor = z
  .object({
    keyId: z.number().nullable().describe('the API key it came with; null for a browser session'),
    userId: z.number().nullable(),
    name: z
      .string()
      .nullable()
      .describe("the user's name (or email), else the key's name; null: the system"),
  })
  .describe('who did it; all null for the system (jobs, imports)');

export const eventDto = z.object({
  id: z.number().describe('commit-ordered: resuming after an id misses nothing'),
  type: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  customerId: z.number().nullable(),
  schemaVersion: z.number(),
  payload: z.record(z.string(), z.unknown()).describe('the entity as the API shows it'),
  occurredAt: z.string(),
  actor: eventActor,
});
export type EventDto = z.infer<typeof eventDto>;

/** An events row with its actor's name, as repository.ts reads it. */
export interface EventRow {
  id: number;
  type: string;
  entity_type: string;
  entity_id: string;
  customer_id: number | null;
  schema_version: number;
  payload: unknown;
  occurred_at: Date;
  actor_key_id: number | null;
  actor_user_id: number | null;
  actor_name: string | null;
}

/** Row → the event as every reader (list, stream, timeline) shows it. */
export function toEventDto(r: EventRow): EventDto {
  return {
    id: r.id,
    type: r.type,
    entityType: r.entity_type,
    entityId: r.entity_id,
    customerId: r.customer_id,
    schemaVersion: r.schema_version,
    payload: (r.payload ?? {}) as Record<string, unknown>,
    occurredAt: r.occurred_at.toISOString(),
    actor: { keyId: r.actor_key_id, userId: r.actor_user_id, name: r.actor_name },
  };
}
