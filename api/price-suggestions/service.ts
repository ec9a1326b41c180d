/**
 * Price suggestions as the newest segment run stored them (ml.mart_price_suggestions, written by
 * segment/store-warehouse.ts): read, never recomputed on a request — the fits read every order
 * line of a category, and a manager's review list must show what the run found, the same figures
 * the Pricing panel shows.
 *
 * A page's cursor names its run as well as its place: a run's rows never change, so paging by
 * position within one run is stable, and a client that started on run 7 finishes on run 7 even
 * if run 8 lands in between (runs are kept 30 deep; a cursor of a dropped run is a 400).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { DEFAULT_TRUSTED_TIMEOUT_MS, withReadConnection } from '../../warehouse/read/run.ts';
import { findProduct } from '../catalog/repository.ts';
import { AppError, fieldProblem, notFound } from '../errors.ts';
import { invalidCursor } from '../pagination.ts';
import { warehouseRelations } from '../reports/warehouse.ts';
import type { PriceRunDto, PriceSuggestionQuery } from './schemas.ts';

/** What the routes read; both are written by the segment job in one transaction. */
const RELATIONS = ['ml.mart_price_suggestions', 'ml.runs'] as const;

/** 503: no run has computed price suggestions yet (or the warehouse has no `ml` schema). */
function notComputed(): AppError {
  return new AppError(
    'unavailable',
    'price suggestions are not computed yet: the segment job computes them after the models are built (`salesops segment`, or POST /api/v1/jobs/segment/run)',
    { hint: 'salesops segment' },
  );
}

/** Run `work` on a read connection of the warehouse once the `ml` tables exist; else 503. */
async function withMl<T>(ctx: AppContext, work: (conn: DuckDBConnection) => Promise<T>) {
  if (!ctx.warehouse) throw new AppError('unavailable', 'this server runs without a warehouse');
  return withReadConnection(ctx.warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, async (conn) => {
    const have = await warehouseRelations(conn);
    if (RELATIONS.some((r) => !have.has(r))) throw notComputed();
    return work(conn);
  });
}

/** The run `runId` (the newest one with prices when null), or null when there is none. */
async function priceRun(conn: DuckDBConnection, runId: number | null): Promise<PriceRunDto | null> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT run_id, CAST(as_of AS VARCHAR) AS as_of,
              strftime(finished_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS finished_at
       FROM ml.runs WHERE kind = 'prices' AND (CAST($1 AS BIGINT) IS NULL OR run_id = $1)
       ORDER BY run_id DESC LIMIT 1`,
      [runId],
    )
  ).getRowObjectsJson();
  const r = rows[0];
  if (!r) return null;
  return {
    id: Number(r.run_id),
    asOf: (r.as_of as string | null) ?? null,
    finishedAt: (r.finished_at as string | null) ?? null,
  };
}

/** Where a page starts: its run and the number of items before it. */
interface PriceCursor {
  run: number;
  at: number;
}

function encodeCursor(c: PriceCursor): string {
  return Buffer.from(`${c.run}.${c.at}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): PriceCursor | null {
  if (!cursor) return null;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw invalidCursor();
  return { run: Number(m[1]), at: Number(m[2]) };
}

/**
 * The run's items in review order: by category name, each category's pooled fit first, then its
 * products by id (the order segment/price-suggestions.ts builds them in; products without a
 * category last).
 */
const ITEMS_SQL = `
  SELECT CAST(item AS VARCHAR) AS item FROM ml.mart_price_suggestions
  WHERE run_id = $1 AND (CAST($2 AS VARCHAR) IS NULL OR lower(category) = lower(CAST($2 AS VARCHAR)))
  ORDER BY category NULLS LAST, level = 'product', product_id
  LIMIT CAST($3 AS BIGINT) OFFSET CAST($4 AS BIGINT)`;

/** The run's category names, for the 404 of an unknown one. */
async function categoriesOf(conn: DuckDBConnection, runId: number): Promise<string[]> {
  const rows = await conn.runAndReadAll(
    `SELECT DISTINCT category FROM ml.mart_price_suggestions
     WHERE run_id = $1 AND category IS NOT NULL ORDER BY category`,
    [runId],
  );
  return rows.getRows().map((r) => String(r[0]));
}

/** The review list: `{items, nextCursor}`, each item with its run, optionally one category's. */
export async function listPriceSuggestions(ctx: AppContext, query: PriceSuggestionQuery) {
  const cursor = decodeCursor(query.cursor);
  return withMl(ctx, async (conn) => {
    const run = await priceRun(conn, cursor?.run ?? null);
    if (!run) {
      // A cursor whose run has been dropped (30 runs later) cannot go on where it was.
      if (cursor) throw invalidCursor();
      throw notComputed();
    }
    const category = query.category ?? null;
    const at = cursor?.at ?? 0;
    const rows = (
      await conn.runAndReadAll(ITEMS_SQL, [run.id, category, query.limit + 1, at])
    ).getRows();
    if (category !== null && rows.length === 0 && at === 0) {
      const known = await categoriesOf(conn, run.id);
      throw fieldProblem(
        'not_found',
        'category',
        `run #${run.id} has no price suggestions for a category named "${category}"; its categories are: ${known.join(', ') || 'none'}`,
        'query',
      );
    }
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    return {
      items: page.map((r) => ({ ...(JSON.parse(String(r[0])) as object), run })),
      nextCursor: more ? encodeCursor({ run: run.id, at: at + page.length }) : null,
    };
  });
}

/**
 * One product's item of the newest run. 404 for a product that does not exist (or is deleted),
 * and for one the run did not analyse, saying why: only products active when it ran are.
 */
export async function productPriceSuggestion(ctx: AppContext, db: Kysely<DB>, productId: number) {
  if (!(await findProduct(db, productId))) throw notFound('product', productId);
  return withMl(ctx, async (conn) => {
    const run = await priceRun(conn, null);
    if (!run) throw notComputed();
    const rows = (
      await conn.runAndReadAll(
        `SELECT CAST(item AS VARCHAR) FROM ml.mart_price_suggestions
         WHERE run_id = $1 AND level = 'product' AND product_id = $2`,
        [run.id, productId],
      )
    ).getRows();
    const row = rows[0];
    if (!row) {
      throw new AppError(
        'not_found',
        `product ${productId} has no price suggestion in run #${run.id} (as of ${run.asOf}): the run analyses the products that were active when it ran; the next segment run includes this one if it is active now`,
        { entity: 'price suggestion', id: productId, run },
      );
    }
    return { ...(JSON.parse(String(row[0])) as Record<string, unknown>), run };
  });
}
