/**
 * Cursor pagination for lists ordered by id: `?limit=&cursor=` in, `{items, nextCursor}` out.
 * The cursor is opaque (base64url of the last id) so clients cannot depend on its form, and a
 * keyset on id stays fast and stable while rows are inserted, unlike OFFSET.
 */
import { z } from 'zod';
import { AppError } from './errors.ts';

export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** Decode a cursor to the last id seen; a tampered cursor is a 400 naming the field. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const n = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AppError('bad_request', 'invalid cursor', {
      errors: [{ field: 'query.cursor', message: 'not a cursor from this API' }],
    });
  }
  return n;
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
    nextCursor: more && last ? Buffer.from(String(last.id), 'utf8').toString('base64url') : null,
  };
}

/** Response schema helper for OpenAPI. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
