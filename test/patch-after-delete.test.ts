/**
 * A soft-deleted row is gone for a PATCH, on every area that soft-deletes: 404, and the row stays
 * as the delete left it. On PostgreSQL also under a race: a PATCH that starts while a delete of
 * the same row is uncommitted waits for it and then answers 404 — it neither edits the deleted
 * row (200) nor trips over it (500).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { makeProduct, makeWarehouse, uid } from './orders-fixtures.ts';

/** One row of one area: where to PATCH it, a patch that would change it, how to delete it. */
interface Target {
  area: string;
  table: string;
  id: number;
  path: string;
  patch: Record<string, unknown>;
  /** The API's DELETE, or null where the API has none (the row is soft-deleted by hand SQL). */
  deletePath: string | null;
}

describeBoth('PATCH of a soft-deleted row', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  const post = async (path: string, body: unknown) => {
    const r = await env.request('POST', `/api/v1${path}`, { body });
    expect(r.status, `${path}: ${r.text}`).toBe(201);
    return r.body as { id: number };
  };

  /**
   * A fresh row in every area that soft-deletes, none depending on another (a contact's customer,
   * an item's price list are their own), so deleting one leaves the others' PATCH unaffected.
   */
  async function targets(): Promise<Target[]> {
    const customer = await post('/customers', { code: `C-${uid()}`, name: 'Gone Ltd' });
    const contactOf = await post('/customers', { code: `C-${uid()}`, name: 'Kept Ltd' });
    const contact = await post(`/customers/${contactOf.id}/contacts`, { name: 'Ann' });
    const category = await post('/categories', { name: `Cat ${uid()}` });
    const product = await makeProduct(env);
    const priceList = await post('/price-lists', { name: `List ${uid()}` });
    const itemList = await post('/price-lists', { name: `List ${uid()}` });
    const item = await post(`/price-lists/${itemList.id}/items`, {
      productId: await makeProduct(env),
      unitPrice: '9.50',
    });
    const warehouseId = await makeWarehouse(env);
    const reorder = await post('/reorder-rules', {
      productId: await makeProduct(env),
      warehouseId: await makeWarehouse(env),
      reorderPoint: 5,
      reorderQuantity: 10,
    });
    const team = await post('/teams', { name: `Team ${uid()}` });
    const rep = await post('/reps', { code: `R-${uid()}`, name: 'Rita' });
    const quota = await post('/quotas', {
      teamId: (await post('/teams', { name: `Team ${uid()}` })).id,
      periodType: 'month',
      periodStart: '2026-01-01',
      amount: '100',
    });
    const opportunity = await post('/opportunities', {
      customerId: (await post('/customers', { code: `C-${uid()}`, name: 'Deal Ltd' })).id,
      title: 'Deal',
    });
    const activity = await post('/activities', { type: 'task', subject: 'Call back' });
    const followup = await post('/followup-rules', {
      name: `Rule ${uid()}`,
      trigger: 'customer_created',
      action: { activityType: 'task', subject: 'Welcome' },
    });
    const t = (
      area: string,
      table: string,
      id: number,
      path: string,
      patch: Record<string, unknown>,
      deletable = true,
    ): Target => ({ area, table, id, path, patch, deletePath: deletable ? path : null });
    return [
      t('customers', 'customers', customer.id, `/customers/${customer.id}`, { name: 'Edited' }),
      t('contacts', 'contacts', contact.id, `/customers/${contactOf.id}/contacts/${contact.id}`, {
        name: 'Edited',
      }),
      t('categories', 'product_categories', category.id, `/categories/${category.id}`, {
        name: `Edited ${uid()}`,
      }),
      t('products', 'products', product, `/products/${product}`, { name: 'Edited' }),
      t('price lists', 'price_lists', priceList.id, `/price-lists/${priceList.id}`, {
        name: `Edited ${uid()}`,
      }),
      t(
        'price-list items',
        'price_list_items',
        item.id,
        `/price-lists/${itemList.id}/items/${item.id}`,
        { unitPrice: '1.00' },
      ),
      t('reorder rules', 'reorder_rules', reorder.id, `/reorder-rules/${reorder.id}`, {
        reorderPoint: 7,
      }),
      t('quotas', 'quotas', quota.id, `/quotas/${quota.id}`, { amount: '999' }),
      t('opportunities', 'opportunities', opportunity.id, `/opportunities/${opportunity.id}`, {
        title: 'Edited',
      }),
      t('activities', 'activities', activity.id, `/activities/${activity.id}`, {
        subject: 'Edited',
      }),
      t('follow-up rules', 'followup_rules', followup.id, `/followup-rules/${followup.id}`, {
        name: `Edited ${uid()}`,
      }),
      // No DELETE in the API for these; rows are soft-deleted by an import or by hand.
      t(
        'warehouses',
        'warehouses',
        warehouseId,
        `/warehouses/${warehouseId}`,
        { name: 'Edited' },
        false,
      ),
      t('teams', 'teams', team.id, `/teams/${team.id}`, { name: `Edited ${uid()}` }, false),
      t('reps', 'sales_reps', rep.id, `/reps/${rep.id}`, { name: 'Edited' }, false),
    ];
  }

  const rowOf = async (t: Target) =>
    (
      await sql<
        Record<string, unknown>
      >`SELECT * FROM ${sql.table(t.table)} WHERE id = ${t.id}`.execute(env.ops.db)
    ).rows[0];
  const softDeleteBySql = (t: Target) =>
    sql`UPDATE ${sql.table(t.table)} SET deleted_at = now() WHERE id = ${t.id}`.execute(env.ops.db);

  it('answers 404 after a DELETE and leaves the row as the delete left it, on every area', async () => {
    for (const t of await targets()) {
      if (t.deletePath) {
        const del = await env.request('DELETE', `/api/v1${t.deletePath}`);
        expect(del.status, `${t.area} DELETE: ${del.text}`).toBe(204);
      } else {
        await softDeleteBySql(t);
      }
      const deleted = await rowOf(t);
      expect(deleted?.deleted_at, t.area).not.toBeNull();
      const patched = await env.request('PATCH', `/api/v1${t.path}`, { body: t.patch });
      expect(patched.status, `${t.area}: ${patched.text}`).toBe(404);
      expect(patched.headers.get('content-type'), t.area).toMatch(/problem\+json/);
      // An empty PATCH (a no-op on a live row) does not bring a deleted one back either.
      const empty = await env.request('PATCH', `/api/v1${t.path}`, { body: {} });
      expect(empty.status, `${t.area} {}: ${empty.text}`).toBe(404);
      expect(await rowOf(t), t.area).toEqual(deleted);
    }
  });

  // A delete held open needs a second connection: PostgreSQL only (PGlite has one session).
  it.runIf(kind === 'postgres')(
    'a PATCH that meets an uncommitted delete waits for it and answers 404, on every area',
    async () => {
      for (const t of await targets()) {
        let commitDelete!: () => void;
        const released = new Promise<void>((resolve) => (commitDelete = resolve));
        let deleteHeld!: () => void;
        const held = new Promise<void>((resolve) => (deleteHeld = resolve));
        let left: Record<string, unknown> | undefined;
        const deletion = env.ops.db.transaction().execute(async (trx) => {
          left = (
            await sql<Record<string, unknown>>`
              UPDATE ${sql.table(t.table)} SET deleted_at = now() WHERE id = ${t.id}
              RETURNING *`.execute(trx)
          ).rows[0];
          deleteHeld();
          await released;
        });
        await held;
        const patch = env.request('PATCH', `/api/v1${t.path}`, { body: t.patch });
        // The PATCH must be waiting on the row before the delete commits.
        await waitForLockWait();
        commitDelete();
        await deletion;
        const patched = await patch;
        expect.soft(patched.status, `${t.area}: ${patched.text}`).toBe(404);
        expect(left?.deleted_at, t.area).toBeInstanceOf(Date);
        expect.soft(await rowOf(t), t.area).toEqual(left);
      }
    },
  );

  /** Until some session of this database waits for a lock (5 s at most). */
  async function waitForLockWait() {
    for (let i = 0; i < 100; i++) {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(env.ops.db);
      if (r.rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the PATCH never waited for the uncommitted delete');
  }
});
