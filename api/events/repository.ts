/** SQL of the feed: published events in id order, the counter's marks, the oldest kept. */
import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventRow, FeedFilters } from './schemas.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * The most ids one read looks through. Filters and scoping can leave most rows out (a rep's
 * team among many), and without a bound a read would scan the whole table to fill one page;
 * with it, each query reads an id range of this size at most and the reader goes on from its end.
 */
export const SCAN_WINDOW = 10_000;

/** One read of the feed: events with `after < id ≤ upTo`, oldest first, at most `limit`. */
export interface EventRead {
  after: number;
  /** The newest published id when the read began; rows above it are read by the next pass. */
  upTo?: number;
  limit: number;
  filters: FeedFilters;
  /** What the caller may see (visibility.ts). */
  visible: RawBuilder<SqlBool>;
}

/** "`e.type` matches the patterns" (type-patterns.ts `matchesType` says the same in code). */
function typeMatches(filters: FeedFilters): RawBuilder<SqlBool> {
  const { exact = [], prefixes = [] } = filters.types ?? {};
  const parts = [
    ...(exact.length ? [sql<SqlBool>`e.type = ANY(${exact}::text[])`] : []),
    ...prefixes.map((p) => sql<SqlBool>`starts_with(e.type, ${p})`),
  ];
  return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}

/** The published events of one read, with the actor's name. */
export async function readEvents(db: Db, read: EventRead): Promise<EventRow[]> {
  let q = db
    .selectFrom('events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .leftJoin('api_keys as k', 'k.id', 'e.actor_key_id')
    .select([
      'e.type',
      'e.entity_type',
      'e.entity_id',
      'e.customer_id',
      'e.schema_version',
      'e.payload',
      'e.occurred_at',
      'e.actor_key_id',
      'e.actor_user_id',
      // A person by name (or email until they set one), else the machine key's name.
      sql<string | null>`coalesce(nullif(u.name, ''), u.email, k.name)`.as('actor_name'),
    ])
    .select(sql<number>`e.id`.as('id'))
    .where('e.id', '>', read.after)
    .where(read.visible);
  if (read.upTo !== undefined) q = q.where('e.id', '<=', read.upTo);
  if (read.filters.types) q = q.where(typeMatches(read.filters));
  if (read.filters.entity)
    q = q
      .where('e.entity_type', '=', read.filters.entity.type)
      .where('e.entity_id', '=', read.filters.entity.id);
  return q.orderBy('e.id').limit(read.limit).execute();
}

/** The counter's two marks: the newest id given, and the newest removed by retention. */
export interface FeedMarks {
  last: number;
  prunedThrough: number;
}

export async function readMarks(db: Db): Promise<FeedMarks> {
  const row = await db
    .selectFrom('event_counter')
    .select(['last', 'pruned_through'])
    .executeTakeFirstOrThrow();
  return { last: Number(row.last), prunedThrough: Number(row.pruned_through) };
}

/** The smallest id still kept (null when retention removed every published event). */
export async function oldestKeptId(db: Db, prunedThrough: number): Promise<number | null> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.min('id').as('id'))
    .where('id', '>', prunedThrough)
    .executeTakeFirst();
  return row?.id == null ? null : Number(row.id);
}
