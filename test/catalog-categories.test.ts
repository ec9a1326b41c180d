/**
 * The category tree over HTTP on both databases: no cycles (409 naming parentId), no deleting a
 * category that live products or subcategories use (409 saying what uses it), refusals write
 * nothing, and both checks hold against a concurrent writer (the check runs under the locks).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as repo from '../api/catalog/repository.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { makeProduct, uid } from './orders-fixtures.ts';

describeBoth('category tree', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  const create = async (parentId?: number): Promise<number> => {
    const r = await env.request('POST', '/api/v1/categories', {
      key: 'manager',
      body: { name: `Cat ${uid()}`, parentId },
    });
    expect(r.status, r.text).toBe(201);
    return r.body.id;
  };
  const parentOf = async (id: number) =>
    (
      await env.ops.db
        .selectFrom('product_categories')
        .select('parent_id')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).parent_id;
  const auditRows = async () =>
    Number(
      (
        await env.ops.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('entity', '=', 'product_category')
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses to move a category under itself or one of its subcategories (409, parentId)', async () => {
    const top = await create();
    const mid = await create(top);
    const leaf = await create(mid);
    const audit = await auditRows();
    for (const parentId of [mid, leaf]) {
      const r = await env.request('PATCH', `/api/v1/categories/${top}`, {
        key: 'manager',
        body: { parentId },
      });
      expect(r.status, r.text).toBe(409);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(r.body.detail).toBe(
        `category ${parentId} is inside category ${top}: moving ${top} under it would make a cycle`,
      );
      expect(r.body.errors).toEqual([
        { field: 'parentId', in: 'body', message: 'is a subcategory of this category' },
      ]);
    }
    const self = await env.request('PATCH', `/api/v1/categories/${top}`, {
      key: 'manager',
      body: { parentId: top },
    });
    expect(self.status, self.text).toBe(409);
    expect(self.headers.get('content-type')).toMatch(/problem\+json/);
    expect(self.body.detail).toBe(
      `category ${top} cannot be its own parent: moving it under itself would make a cycle`,
    );
    expect(self.body.errors).toEqual([
      { field: 'parentId', in: 'body', message: 'is this category itself' },
    ]);
    expect(await parentOf(top)).toBeNull();
    expect(await auditRows()).toBe(audit);
    // A move that keeps a tree is fine: the leaf up to the top, then the top under another root.
    const other = await create();
    for (const [id, parentId] of [
      [leaf, top],
      [top, other],
    ] as const) {
      const ok = await env.request('PATCH', `/api/v1/categories/${id}`, {
        key: 'manager',
        body: { parentId },
      });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.parentId).toBe(parentId);
    }
  });

  it('refuses to delete a category in use, saying what uses it; deletes it once unused', async () => {
    const cat = await create();
    const child = await create(cat);
    const products = [
      await makeProduct(env, { categoryId: cat }),
      await makeProduct(env, { categoryId: cat }),
    ];
    const gone = await makeProduct(env, { categoryId: cat });
    expect((await env.request('DELETE', `/api/v1/products/${gone}`)).status).toBe(204);
    const audit = await auditRows();

    const del = () => env.request('DELETE', `/api/v1/categories/${cat}`, { key: 'manager' });
    const first = await del();
    expect(first.status, first.text).toBe(409);
    expect(first.headers.get('content-type')).toMatch(/problem\+json/);
    // the deleted product does not count
    expect(first.body.detail).toBe(
      '2 products and 1 subcategory use this category: move or delete them first',
    );
    expect(first.body.usage).toEqual({ products: 2, subcategories: 1 });
    expect(
      (await env.request('GET', '/api/v1/categories')).body.items.map((c: any) => c.id),
    ).toContain(cat);
    expect(await auditRows()).toBe(audit);

    expect((await env.request('DELETE', `/api/v1/categories/${child}`)).status).toBe(204);
    const moved = await env.request('PATCH', `/api/v1/products/${products[0]}`, {
      body: { categoryId: null },
    });
    expect(moved.status).toBe(200);
    const second = await del();
    expect(second.status).toBe(409);
    expect(second.body.detail).toBe('1 product uses this category: move or delete it first');
    expect((await env.request('DELETE', `/api/v1/products/${products[1]}`)).status).toBe(204);
    expect((await del()).status).toBe(204);
    expect((await del()).status).toBe(404);
    // a product cannot be put into the deleted category afterwards
    const late = await env.request('PATCH', `/api/v1/products/${products[0]}`, {
      body: { categoryId: cat },
    });
    expect(late.status).toBe(422);
  });

  it('a delete waits for a product being written into the category, then refuses', async () => {
    const cat = await create();
    let settled = false;
    let pending: Promise<{ status: number; body: any }> | undefined;
    // What a product write does: lock the category for share, then insert the product.
    await env.ops.db.transaction().execute(async (trx) => {
      expect(await repo.findCategory(trx, cat, 'share')).toBeTruthy();
      pending = env.request('DELETE', `/api/v1/categories/${cat}`).finally(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // the delete waits for the category's lock
      await trx
        .insertInto('products')
        .values({ sku: `SKU-${uid()}`, name: 'Late', list_price: '1.00', category_id: cat })
        .execute();
    });
    const res = await pending!;
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/^1 product uses this category/);
  });

  it('a move waits for a concurrent move and sees the cycle it would make', async () => {
    const a = await create();
    const b = await create();
    let settled = false;
    let pending: Promise<{ status: number; body: any }> | undefined;
    // Another move (b under a) holds the tree lock and has not committed yet.
    await env.ops.db.transaction().execute(async (trx) => {
      await repo.lockCategoryTree(trx);
      await sql`UPDATE product_categories SET parent_id = ${a} WHERE id = ${b}`.execute(trx);
      pending = env
        .request('PATCH', `/api/v1/categories/${a}`, { body: { parentId: b } })
        .finally(() => {
          settled = true;
        });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
    });
    const res = await pending!;
    expect(res.status).toBe(409);
    expect(res.body.errors[0].field).toBe('parentId');
    expect(await parentOf(a)).toBeNull();
  });

  it('two opposite moves at the same time: one wins, the other is a 409, never a cycle', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await create();
      const b = await create();
      const results = await Promise.all([
        env.request('PATCH', `/api/v1/categories/${a}`, { body: { parentId: b } }),
        env.request('PATCH', `/api/v1/categories/${b}`, { body: { parentId: a } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect([await parentOf(a), await parentOf(b)].filter((p) => p !== null)).toHaveLength(1);
    }
  });
});
