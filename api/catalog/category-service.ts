/**
 * Categories: a tree (parent_id) that products point at. Moves are refused when they would make
 * a cycle (409), deletes while live products or subcategories still use the category (409 naming
 * them), so reports never lose a category that has revenue.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, fieldProblem, notFound, unknownReference } from '../errors.ts';
import * as repo from './repository.ts';
import { toCategoryDto } from './schemas.ts';
import { recordEvent } from '../events/record-event.ts';

export async function createCategory(
  db: Kysely<DB>,
  principal: Principal,
  input: { name: string; parentId?: number | null },
) {
  return db.transaction().execute(async (trx) => {
    if (input.parentId != null && !(await repo.findCategory(trx, input.parentId, 'share')))
      throw unknownReference('parentId', 'category', input.parentId);
    const row = await repo.insertCategory(trx, { name: input.name, parent_id: input.parentId });
    await recordAudit(trx, {
      principal,
      entity: 'product_category',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('category', 'created', toCategoryDto(row), principal)],
    });
    return row;
  });
}

export async function updateCategory(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  input: { name?: string; parentId?: number | null },
) {
  return db.transaction().execute(async (trx) => {
    // Moves take the tree lock before any row lock, so they run one at a time (see below).
    if (input.parentId != null) await repo.lockCategoryTree(trx);
    const before = await repo.findCategory(trx, id, 'update');
    if (!before) throw notFound('category', id);
    if (input.parentId != null) {
      // The shortest cycle: the same 409 as a move under a descendant (the issue asks one answer
      // for every cycle), checked before the lookup so it needs no read.
      if (input.parentId === id)
        throw fieldProblem(
          'conflict',
          'parentId',
          'is this category itself',
          'body',
          `category ${id} cannot be its own parent: moving it under itself would make a cycle`,
        );
      if (!(await repo.findCategory(trx, input.parentId, 'share')))
        throw unknownReference('parentId', 'category', input.parentId);
      // Under the tree lock the ancestors read here cannot change before commit.
      if ((await repo.categoryAncestors(trx, input.parentId)).includes(id))
        throw fieldProblem(
          'conflict',
          'parentId',
          'is a subcategory of this category',
          'body',
          `category ${input.parentId} is inside category ${id}: moving ${id} under it would make a cycle`,
        );
    }
    const after = await repo.updateCategory(trx, id, {
      name: input.name,
      parent_id: input.parentId,
    });
    await recordAudit(trx, {
      principal,
      entity: 'product_category',
      entityId: id,
      action: 'update',
      before,
      after,
      events: [recordEvent('category', 'updated', toCategoryDto(after!), principal)],
    });
    return after!;
  });
}

/**
 * Soft-delete a category that nothing uses: 409 naming the live products and subcategories that
 * still point at it (reports would lose their category otherwise). The row lock makes a
 * concurrent product or child write (which locks the category for share) wait or find it gone.
 *
 * Deleted products do not count, even with past sales: the delete is soft, ingest copies the row
 * with its deleted_at, and the category tree of dim_products keeps deleted categories, so
 * `reports/sales?category=X` and `groupBy=category` keep those sales under X's name
 * (test/reports.test.ts proves it). A deleted product cannot be restored into the category.
 */
export async function deleteCategory(db: Kysely<DB>, principal: Principal, id: number) {
  await db.transaction().execute(async (trx) => {
    const before = await repo.findCategory(trx, id, 'update');
    if (!before) throw notFound('category', id);
    const usage = await repo.categoryUsage(trx, id);
    if (usage.products || usage.subcategories) {
      const what = [
        usage.products ? plural(usage.products, 'product') : '',
        usage.subcategories ? plural(usage.subcategories, 'subcategory', 'subcategories') : '',
      ].filter(Boolean);
      const n = usage.products + usage.subcategories;
      throw new AppError(
        'conflict',
        `${what.join(' and ')} ${n === 1 ? 'uses' : 'use'} this category: move or delete ${n === 1 ? 'it' : 'them'} first`,
        { usage },
      );
    }
    const after = await repo.updateCategory(trx, id, { deleted_at: new Date() });
    await recordAudit(trx, {
      principal,
      entity: 'product_category',
      entityId: id,
      action: 'delete',
      before,
      after,
      events: [recordEvent('category', 'deleted', toCategoryDto(after!), principal)],
    });
  });
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
