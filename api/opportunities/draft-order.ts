/**
 * A won opportunity becomes a draft order, in the same transaction as the win, through the
 * orders area's one writer of new orders (api/orders/new-order.ts: numbering, totals, lines, the
 * order.created events, the audit row), so the order is indistinguishable from one entered by
 * hand but for its origin, and still passes the order rules when confirmed. Its prices are the
 * opportunity's, set (and checked) when its lines were.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { defaultWarehouse } from '../inventory/repository.ts';
import { writeNewOrder } from '../orders/new-order.ts';

/** Create the draft order for opportunity `opp` from its lines; returns the order id. */
export async function createDraftOrderFromOpportunity(
  trx: Transaction<DB>,
  principal: Principal,
  opp: { id: number; customer_id: number; owner_rep_id: number | null; title: string },
  lines: readonly {
    line_no: number;
    product_id: number;
    quantity: number;
    unit_price: string;
    discount: string;
  }[],
): Promise<number> {
  const costs = new Map(
    (
      await trx
        .selectFrom('products')
        .select(['id', 'cost'])
        .where(
          'id',
          'in',
          lines.map((l) => l.product_id),
        )
        .execute()
    ).map((p) => [p.id, p.cost]),
  );
  const order = await writeNewOrder(trx, principal, {
    customerId: opp.customer_id,
    repId: opp.owner_rep_id,
    warehouseId: (await defaultWarehouse(trx))?.id ?? null,
    notes: `From opportunity ${opp.id}: ${opp.title}`.slice(0, 1000),
    // In line order: the order's line numbers follow it, as the opportunity's did.
    lines: [...lines]
      .sort((a, b) => a.line_no - b.line_no)
      .map((l) => ({
        productId: l.product_id,
        quantity: l.quantity,
        unitPrice: l.unit_price,
        discount: l.discount,
        unitCost: costs.get(l.product_id) ?? null,
      })),
    origin: { opportunityId: opp.id },
  });
  return order.id;
}
