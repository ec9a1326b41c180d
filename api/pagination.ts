/**
 * Cursor pagination for lists ordered by id: `?limit=&cursor=` in, `{items, nextCursor}` out.
 * The cursor is opaque (base64url of the last id) so clients cannot depend on its form, and a
 * keyset on id stays fast and stable while rows are inserted, unlike OFFSET.
 */
import { z } from 'zod';
import { fieldProblem, type AppError } from './errors.ts';

export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** 400 naming the `cursor` query parameter: not one this API wrote (or tampered with). */
export function invalidCursor(): AppError {
  return fieldProblem(
    'bad_request',
    'cursor',
    'not a cursor from this API',
    'query',
    'invalid cursor',
  );
}

/** The cursor for "after `id`", as pageOf writes it and decodeCursor reads it. */
export function encodeCursor(id: number): string {
  return Buffer.from(String(id), 'utf8').toString('base64url');
}

/** Decode a cursor to the last id seen; a tampered cursor is a 400 naming the field. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  // Digits only: Number() reads '' (what '!!' decodes to) and ' 1 ' as numbers.
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw invalidCursor();
  }
  return n;
}

/** What a repository needs to read one page ordered by id: rows after `afterId`, at most `limit`. */
export interface IdPage {
  afterId?: number;
  limit: number;
}

/** The repository's page for `query`: `limit + 1` rows, so pageOf can tell whether more follow. */
export function idPage(query: { limit: number; cursor?: string | undefined }): IdPage {
  return { afterId: decodeCursor(query.cursor), limit: query.limit + 1 };
}

/**
 * A list answered in one page (`nextCursor: null`): lists that cannot page by id (ordered by name,
 * primary first, newest first, or keyed by text) and are bounded by what people configure.
 * Clients read every list the same way and stop when nextCursor is null.
 */
export function wholeList<D>(items: D[]): { items: D[]; nextCursor: null } {
  return { items, nextCursor: null };
}

/** Build the page from `limit + 1` fetched rows. */
export function pageOf<T extends { id: number }, D>(
  rows: T[],
  limit: number,
  toDto: (r: T) => D,
): { items: D[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(toDto),
    nextCursor: more && last ? encodeCursor(last.id) : null,
  };
}

/** Response schema helper for OpenAPI. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
