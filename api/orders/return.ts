/**
 * Returns: given quantities of given lines of a delivered (or partly returned) order come back
 * into stock, and the order's returned total and total follow (the money rule, money.ts). One
 * transaction, like every order action (transition.ts).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, type FieldError } from '../errors.ts';
import { applyMovements } from '../inventory/ledger.ts';
import { withLockingTransaction } from '../inventory/transaction.ts';
import { orderDetails } from './combined-sql.ts';
import { orderTotals } from './money.ts';
import * as repo from './repository.ts';
import { lineMovements, lockForAction, recordTransition, type Line } from './transition.ts';

/** POST orders/{id}/return: given quantities of given lines come back into stock. */
export function returnOrder(
  db: Kysely<DB>,
  principal: Principal,
  id: number,
  body: { lines: { lineId: number; quantity: number }[]; reason?: string },
) {
  return withLockingTransaction(db, async (trx) => {
    const { order, to } = await lockForAction(trx, principal, id, 'return');
    const { lines, events } = await orderDetails(trx, id);
    const byId = new Map(lines.map((l) => [l.id, l]));
    const requested = new Map<number, number>();
    for (const r of body.lines)
      requested.set(r.lineId, (requested.get(r.lineId) ?? 0) + r.quantity);
    const bad: FieldError[] = [];
    body.lines.forEach((r, i) => {
      const line = byId.get(r.lineId);
      if (!line)
        bad.push({
          field: `lines.${i}.lineId`,
          in: 'body',
          message: `line ${r.lineId} is not on order ${id}`,
        });
      else if (requested.get(r.lineId)! > line.quantity - line.returned_quantity)
        bad.push({
          field: `lines.${i}.quantity`,
          in: 'body',
          message: `only ${line.quantity - line.returned_quantity} of line ${line.line_no} can still be returned`,
        });
    });
    if (bad.length) throw new AppError('unprocessable', 'invalid return', { errors: bad });

    const returned: (Line & { back: number })[] = [...requested].map(([lineId, back]) => ({
      ...byId.get(lineId)!,
      back,
    }));
    const moved = await applyMovements(
      trx,
      lineMovements(
        order,
        returned.map((l) => ({ product_id: l.product_id, quantity: l.back })),
        'return',
        body.reason,
      ),
      { actorKeyId: principal.keyId, orderId: id, principal },
    );
    for (const l of returned) {
      await trx
        .updateTable('order_lines')
        .set({ returned_quantity: l.returned_quantity + l.back })
        .where('id', '=', l.id)
        .execute();
    }
    const totals = orderTotals(
      lines.map((l) => ({
        quantity: l.quantity,
        unitPrice: l.unit_price,
        discount: l.discount,
        returnedQuantity: l.returned_quantity + (requested.get(l.id) ?? 0),
      })),
    );
    // Lines changed (returned quantities): read them again for the answer; returns are rare.
    const linesAfter = await repo.findLines(trx, id);
    return recordTransition(
      trx,
      principal,
      order,
      'return',
      to,
      linesAfter,
      [...events, ...moved.events],
      {
        set: { returned_total: totals.returnedTotal, total: totals.total },
        payload: {
          lines: returned.map((l) => ({ lineId: l.id, productId: l.product_id, quantity: l.back })),
          reason: body.reason ?? null,
        },
      },
    );
  });
}
