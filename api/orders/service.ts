/** Orders: creating drafts (prices resolved, discount caps checked), reading and listing. */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { OrderStatus } from '../../db/schema-orders.ts';
import type { Principal } from '../auth/principal.ts';
import { canSeeOwner, visibleRepIds } from '../auth/scope.ts';
import { resolvePricesFrom } from '../catalog/service.ts';
import { AppError, fieldProblem, notFound, unknownReference, type FieldError } from '../errors.ts';
import { compareDecimal } from './money.ts';
import { orderInputs } from './combined-sql.ts';
import { writeNewOrder } from './new-order.ts';
import * as repo from './repository.ts';
import { discountCap, type OrderRule } from './rules.ts';
import { toOrderDto, type CreateOrderBody } from './schemas.ts';
import { repAssignmentProblem } from '../teams/rep-rule.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Roles that may set a unit price themselves instead of the resolved one. */
const PRICE_OVERRIDE_ROLES = ['admin', 'manager'];

/** The full order (lines, events) as the API shows it; 404 when missing or out of scope. */
export async function loadOrderDto(db: Db, principal: Principal, id: number) {
  const order = await repo.findOrder(db, id);
  if (!order || !canSeeOwner(await visibleRepIds(db, principal), order.customer_owner_rep_id))
    throw notFound('order', id);
  const [lines, events] = [await repo.findLines(db, id), await repo.findEvents(db, id)];
  return toOrderDto(order, lines, events);
}

/**
 * POST orders: a draft priced from the price lists unless a manager/admin sets unitPrice,
 * written by writeNewOrder (new-order.ts) like every new order.
 */
export async function createOrder(db: Kysely<DB>, principal: Principal, body: CreateOrderBody) {
  return db.transaction().execute(async (trx) => {
    // Customer, warehouse, sales rep, products and their price-list items in one statement
    // (round trips bound order throughput, see combined-sql.ts); the checks below keep their order.
    const productIds = [...new Set(body.lines.map((l) => l.productId))];
    const inputs = await orderInputs(trx, {
      customerId: body.customerId,
      warehouseId: body.warehouseId,
      repId: body.repId,
      productIds,
    });
    // Out of scope looks exactly like missing, so existence does not leak.
    const visible = await visibleRepIds(trx, principal);
    if (!inputs || !canSeeOwner(visible, inputs.owner_rep_id))
      throw unknownReference('customerId', 'customer', body.customerId);
    const customer = inputs;
    // The rep is who the revenue counts for: staff and managers may only name one of their team,
    // by the rule for a customer's owner rep (api/teams/rep-rule.ts); an order with another
    // team's rep would count for that team while its manager could not even see it.
    if (body.repId != null) {
      const problem = repAssignmentProblem(inputs.rep, body.repId, visible, 'repId');
      if (problem) throw problem;
    }
    if (body.warehouseId !== undefined && inputs.warehouse_id === null)
      throw unknownReference('warehouseId', 'warehouse', body.warehouseId);
    const warehouseId = inputs.warehouse_id;
    const products = inputs.products;
    const byId = new Map(products.map((p) => [p.id, p]));
    const bad: FieldError[] = [];
    body.lines.forEach((l, i) => {
      const p = byId.get(l.productId);
      if (!p)
        bad.push({
          field: `lines.${i}.productId`,
          in: 'body' as const,
          message: `unknown product ${l.productId}`,
        });
      else if (!p.active)
        bad.push({
          field: `lines.${i}.productId`,
          in: 'body' as const,
          message: `product ${l.productId} is inactive`,
        });
    });
    if (bad.length)
      throw new AppError('unprocessable', 'some lines name unusable products', { errors: bad });

    if (!PRICE_OVERRIDE_ROLES.includes(principal.role)) {
      const overridden = body.lines.flatMap((l, i) =>
        l.unitPrice !== undefined
          ? [
              {
                field: `lines.${i}.unitPrice`,
                in: 'body' as const,
                message: 'only a manager or admin may set the price',
              },
            ]
          : [],
      );
      if (overridden.length)
        throw new AppError('forbidden', `role ${principal.role} may not override unit prices`, {
          errors: overridden,
        });
    }
    // A draft answers to one rule, the discount cap: without a discount there is nothing to read
    // (one round trip less per order; round trips bound throughput, see bench/orders.ts).
    const discounted = body.lines.some(
      (l) => l.discount !== undefined && compareDecimal(l.discount, '0') > 0,
    );
    const rules = discounted ? ((await repo.activeRules(trx)) as OrderRule[]) : [];
    const cap = discountCap(rules, principal.role);
    if (cap !== null) {
      const over = body.lines.flatMap((l, i) =>
        l.discount !== undefined && compareDecimal(l.discount, cap) > 0
          ? [
              {
                field: `lines.${i}.discount`,
                in: 'body' as const,
                message: `above the ${cap} cap for role ${principal.role}`,
              },
            ]
          : [],
      );
      if (over.length)
        throw new AppError('unprocessable', `discount above the cap for role ${principal.role}`, {
          errors: over,
          failedRules: rules
            .filter((r) => r.kind === 'max_discount')
            .map((r) => ({ ruleId: r.id, kind: r.kind, message: `discount above ${cap}` })),
        });
    }

    const quantities = new Map<number, number>();
    for (const l of body.lines)
      quantities.set(l.productId, (quantities.get(l.productId) ?? 0) + l.quantity);
    const prices = resolvePricesFrom(
      inputs.candidates,
      products,
      quantities,
      customer.customer_group,
      new Date(),
    );
    return writeNewOrder(trx, principal, {
      customerId: customer.id,
      repId: body.repId !== undefined ? body.repId : (principal.repId ?? customer.owner_rep_id),
      warehouseId,
      notes: body.notes ?? null,
      lines: body.lines.map((l) => ({
        productId: l.productId,
        quantity: l.quantity,
        unitPrice: l.unitPrice ?? prices.get(l.productId)!.unitPrice,
        discount: l.discount ?? '0',
        unitCost: byId.get(l.productId)!.cost,
      })),
    });
  });
}

/** GET orders with filters, scoped to the caller's team. */
export async function listOrders(
  db: Kysely<DB>,
  principal: Principal,
  f: {
    status?: OrderStatus;
    customerId?: number;
    repId?: number;
    from?: Date;
    to?: Date;
    afterId?: number;
    limit: number;
  },
) {
  return repo.listOrders(db, { ...f, visible: await visibleRepIds(db, principal) });
}
