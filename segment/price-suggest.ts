/**
 * The price a product's elasticity argues for, and what it should do to units, revenue and
 * margin. Pure arithmetic on exact prices: the list price and cost arrive as DECIMAL text,
 * become BigInt counts of 10⁻⁸ (api/orders/money.ts), and money leaves as decimal strings
 * rounded half away from zero to the cent only here, at presentation. The elasticity is a float
 * estimate, so anything multiplied by it is too; that is the only float in a money figure.
 *
 * With constant elasticity e, demand q ∝ p^e and margin (p − c)·q is largest at
 * p* = c·e / (1 + e), which exists only for e < −1 (elastic demand; otherwise a higher price
 * always earns more margin, until the constant-elasticity model stops being true). The
 * suggestion moves at most 20 % from today's price: the fit saw only the prices that were
 * tried, and a step beyond them extrapolates the curve.
 */
import { formatExact, toExact, type Exact } from '../api/orders/money.ts';

/** How far from today's list price a suggestion may go, as a share of it. */
export const MAX_PRICE_STEP = 0.2;

/** What a suggestion needs. */
export interface SuggestionInput {
  /** Today's list price and cost, exact DECIMAL text; cost null = unknown. */
  listPrice: string;
  cost: string | null;
  elasticity: number;
  /** Units ordered per day at today's price; null when today's price is too new to tell. */
  unitsPerDay: number | null;
}

/** Units, revenue and margin over 30 days at one price (revenue at list price, before discounts). */
export interface PriceOutlook {
  units: number;
  revenue: string;
  margin: string;
}

/** A suggested list price and its expected effect. */
export interface PriceSuggestion {
  /** The suggested list price, to the cent. */
  price: string;
  /** cost·e/(1+e) before the ±20 % limit, to the cent. */
  optimalPrice: string;
  /** Which limit the optimum was held to: 'floor' (−20 %), 'ceiling' (+20 %), or null. */
  clamped: 'floor' | 'ceiling' | null;
  /** suggested / today − 1. */
  priceChange: number;
  /** Expected relative changes: units (r^e − 1), revenue (r^(1+e) − 1), margin (null when today's margin is not positive). */
  expectedChange: { units: number; revenue: number; margin: number | null };
  /** 30 days at today's price and at the suggested one; null without today's units per day. */
  per30Days: { current: PriceOutlook; suggested: PriceOutlook } | null;
}

/** Why the arithmetic gives no price. */
export type SuggestionReason = 'inelastic' | 'unknown cost' | 'no list price';

/** A suggestion, or the reason there is none. */
export type SuggestionResult =
  { suggestion: PriceSuggestion; reason: null } | { suggestion: null; reason: SuggestionReason };

const ONE = toExact('1');

/** A ratio for display: 4 places, half away from zero (Math.round alone rounds −0.5 up). */
function ratio(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 10_000)) / 10_000 || 0;
}

/** `units` × an exact amount, as money text (the product is a float: units are estimates). */
function money(units: number, amount: Exact): string {
  // Number(amount) is exact below 2⁵³ × 10⁻⁸ ≈ 90 million; rounding to a whole 10⁻⁸ first, then
  // half away from zero to the cent, rounds twice only where digits 3–8 are exactly 50000000.
  return formatExact(BigInt(Math.round(units * Number(amount))), 2);
}

/** The 30-day outlook at `price` when `unitsPerDay` are ordered. */
function outlook(unitsPerDay: number, price: Exact, cost: Exact): PriceOutlook {
  const units = unitsPerDay * 30;
  return {
    units: Math.round(units * 100) / 100,
    revenue: money(units, price),
    margin: money(units, price - cost),
  };
}

/**
 * The margin-maximising price for `input.elasticity`, held within ±20 % of today's list price,
 * with the expected change in units, revenue and margin; or why there is none.
 */
export function suggestPrice(input: SuggestionInput): SuggestionResult {
  const e = input.elasticity;
  if (!(e < -1)) return { suggestion: null, reason: 'inelastic' };
  if (input.cost === null) return { suggestion: null, reason: 'unknown cost' };
  const today = toExact(input.listPrice);
  if (today <= 0n) return { suggestion: null, reason: 'no list price' };
  const cost = toExact(input.cost);

  const optimal = BigInt(Math.round(Number(cost) * (e / (1 + e))));
  // Exact bounds: a 4-place price × 8/10 or 12/10 is still a whole count of 10⁻⁸.
  const step = (today * toExact(String(MAX_PRICE_STEP))) / ONE;
  const floor = today - step;
  const ceiling = today + step;
  const price = optimal < floor ? floor : optimal > ceiling ? ceiling : optimal;
  const clamped = optimal < floor ? 'floor' : optimal > ceiling ? 'ceiling' : null;

  const r = Number(price) / Number(today);
  const unitsFactor = r ** e;
  const marginToday = today - cost;
  const expectedChange = {
    units: ratio(unitsFactor - 1),
    revenue: ratio(unitsFactor * r - 1),
    margin:
      marginToday > 0n
        ? ratio((unitsFactor * Number(price - cost)) / Number(marginToday) - 1)
        : null,
  };
  const u = input.unitsPerDay;
  const per30Days =
    u === null
      ? null
      : { current: outlook(u, today, cost), suggested: outlook(u * unitsFactor, price, cost) };
  return {
    suggestion: {
      price: formatExact(price, 2),
      optimalPrice: formatExact(optimal, 2),
      clamped,
      priceChange: ratio(r - 1),
      expectedChange,
      per30Days,
    },
    reason: null,
  };
}
