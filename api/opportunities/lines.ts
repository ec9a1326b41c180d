/**
 * Opportunity lines: what the deal would sell. Priced like an order (price lists for the
 * customer's group; only a manager or admin may set a price), so the draft order a won
 * opportunity becomes carries the same figures the pipeline showed.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { resolvePrices } from '../catalog/service.ts';
import { AppError, type FieldError } from '../errors.ts';
import { formatExact, lineNet, sumExact } from '../orders/money.ts';
import { productsByIds } from './repository.ts';
import type { LineInput } from './schemas.ts';
import { refuseOversizedAmounts } from '../fields.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Roles that may set a line's unit price instead of the resolved one (as for orders). */
const PRICE_OVERRIDE_ROLES: readonly Role[] = ['admin', 'manager'];

export interface PricedLine {
  line_no: number;
  product_id: number;
  quantity: number;
  unit_price: string;
  discount: string;
}

/** Validate and price `lines`; 422/403 naming each bad line. */
export async function priceLines(
  db: Db,
  role: Role,
  lines: readonly LineInput[],
  customerGroup: string | null,
  now: Date,
): Promise<PricedLine[]> {
  if (!PRICE_OVERRIDE_ROLES.includes(role)) {
    const overridden: FieldError[] = lines.flatMap((l, i) =>
      l.unitPrice !== undefined
        ? [
            {
              field: `lines.${i}.unitPrice`,
              in: 'body',
              message: 'only a manager or admin may set the price',
            },
          ]
        : [],
    );
    if (overridden.length) {
      throw new AppError('forbidden', `role ${role} may not set unit prices`, {
        errors: overridden,
      });
    }
  }
  const products = await productsByIds(db, [...new Set(lines.map((l) => l.productId))]);
  const byId = new Map(products.map((p) => [p.id, p]));
  const bad: FieldError[] = [];
  lines.forEach((l, i) => {
    const p = byId.get(l.productId);
    if (!p)
      bad.push({
        field: `lines.${i}.productId`,
        in: 'body',
        message: `unknown product ${l.productId}`,
      });
    else if (!p.active)
      bad.push({
        field: `lines.${i}.productId`,
        in: 'body',
        message: `product ${l.productId} is inactive`,
      });
  });
  if (bad.length)
    throw new AppError('unprocessable', 'some lines name unusable products', { errors: bad });

  const quantities = new Map<number, number>();
  for (const l of lines)
    quantities.set(l.productId, (quantities.get(l.productId) ?? 0) + l.quantity);
  const prices = await resolvePrices(db, products, quantities, customerGroup, now);
  const priced = lines.map((l, i) => ({
    line_no: i + 1,
    product_id: l.productId,
    quantity: l.quantity,
    unit_price: l.unitPrice ?? prices.get(l.productId)!.unitPrice,
    discount: l.discount ?? '0',
  }));
  refuseOversizedAmounts([
    ...priced.map((l, i) => ({ field: `lines.${i}.quantity`, value: linesValue([l]) })),
    { field: 'lines', value: linesValue(priced) },
  ]);
  return priced;
}

/** Σ net line value, rounded to cents: the default expected value. */
export function linesValue(
  lines: readonly { quantity: number; unit_price: string; discount: string }[],
): string {
  return formatExact(sumExact(lines.map((l) => lineNet(l.quantity, l.unit_price, l.discount))));
}
