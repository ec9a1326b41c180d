/**
 * Exact money math on decimal strings. Values are BigInt counts of 10⁻⁸ (enough for
 * quantity × a 4-decimal unit price × a 4-decimal discount with no rounding at all); they are
 * rounded half away from zero to cents only when a total is stored or shown (docs/metrics.md).
 */

/** Decimal places carried by an Exact value. */
export const EXACT_SCALE = 8;
const ONE = 10n ** BigInt(EXACT_SCALE);

/** An exact amount in units of 10⁻⁸. */
export type Exact = bigint;

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "12.3456" → Exact. Throws on anything that is not a plain decimal with ≤ 8 places. */
export function toExact(value: string | number): Exact {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(value)}`);
  const frac = m[3] ?? '';
  if (frac.length > EXACT_SCALE) throw new Error(`too many decimals: ${text}`);
  const units = BigInt(m[2]!) * ONE + BigInt(frac.padEnd(EXACT_SCALE, '0') || '0');
  return m[1] ? -units : units;
}

/** Round to `places` decimals, half away from zero, and format ("-1234.50"). */
export function formatExact(value: Exact, places = 2): string {
  const drop = 10n ** BigInt(EXACT_SCALE - places);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let q = abs / drop;
  if ((abs % drop) * 2n >= drop) q += 1n;
  const unit = 10n ** BigInt(places);
  const whole = (q / unit).toString();
  const frac = places > 0 ? '.' + (q % unit).toString().padStart(places, '0') : '';
  return `${negative && q !== 0n ? '-' : ''}${whole}${frac}`;
}

/** The exact net value of `quantity` units at `unitPrice` less the fraction `discount`. */
export function lineNet(quantity: number, unitPrice: string, discount: string): Exact {
  const gross = BigInt(quantity) * toExact(unitPrice);
  return (gross * (ONE - toExact(discount))) / ONE; // exact: both have ≤ 4 decimals
}

/** quantity × unitPrice, exact. */
export function lineGross(quantity: number, unitPrice: string): Exact {
  return BigInt(quantity) * toExact(unitPrice);
}

/** Sum of exact values. */
export function sumExact(values: Iterable<Exact>): Exact {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

/** a < b → -1, a = b → 0, a > b → 1 on decimal strings. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = toExact(a);
  const y = toExact(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A stored price for display: at least 2 decimals, trailing zeros beyond that dropped
 * ("19.9900" → "19.99", "0.1250" → "0.125").
 */
export function formatPrice(value: string): string {
  const [whole, frac = ''] = value.split('.');
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${trimmed}`;
}

/** The four money figures of an order, as stored and shown (docs/api.md, "Money"). */
export interface OrderTotals {
  subtotal: string;
  discountTotal: string;
  returnedTotal: string;
  total: string;
}

/**
 * The order's figures from its lines by the one money rule (docs/api.md, "Money"). Exact sums:
 * G = Σ quantity × unitPrice, D = Σ quantity × unitPrice × discount,
 * R = Σ returnedQuantity × unitPrice × (1 − discount). Shown, rounded half away from zero:
 * subtotal = round(G), discountTotal = round(D), returnedTotal = round(D + R) − round(D),
 * total = round(G) − round(D + R). They add up to the cent, none is negative, subtotal and
 * discountTotal never move after creation, and returnedTotal and total — the figures a return
 * changes — absorb the rounding (each within a cent of its own exact value rounded alone).
 */
export function orderTotals(
  lines: readonly {
    quantity: number;
    unitPrice: string;
    discount: string;
    returnedQuantity?: number;
  }[],
): OrderTotals {
  let gross = 0n;
  let discount = 0n;
  let returned = 0n;
  for (const l of lines) {
    const g = lineGross(l.quantity, l.unitPrice);
    gross += g;
    discount += g - lineNet(l.quantity, l.unitPrice, l.discount);
    returned += lineNet(l.returnedQuantity ?? 0, l.unitPrice, l.discount);
  }
  const subtotal = roundToCents(gross);
  const discountTotal = roundToCents(discount);
  const taken = roundToCents(discount + returned); // discount and returns together
  return {
    subtotal: formatExact(subtotal),
    discountTotal: formatExact(discountTotal),
    returnedTotal: formatExact(taken - discountTotal),
    total: formatExact(subtotal - taken),
  };
}

/** An Exact rounded half away from zero to whole cents, still as an Exact. */
export function roundToCents(value: Exact): Exact {
  return toExact(formatExact(value));
}
