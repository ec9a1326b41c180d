/**
 * Seeded randomness for the demo generator. sfc32 is a few integer ops per draw (no allocation),
 * so ten million order lines cost well under a second of PRNG time. Every concern (customers,
 * catalog, orders, CRM) draws from its own stream, so changing how many activities are generated
 * does not reshuffle the orders.
 */

/** splitmix32: spreads (seed, stream) over the whole state so seeds 1 and 2 are unrelated. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Independent random streams, one per concern; ids keep the streams stable across edits. */
export const STREAM = {
  people: 1,
  catalog: 2,
  orders: 3,
  stock: 4,
  crm: 5,
  quotas: 6,
} as const;

/** A deterministic random source (sfc32). Same seed and stream → same sequence, on every run. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: number) {
    this.a = splitmix32(seed ^ 0x5eed);
    this.b = splitmix32(this.a ^ Math.imul(stream, 0x27d4eb2d));
    this.c = splitmix32(this.b + stream);
    this.d = splitmix32(this.c ^ seed);
    for (let i = 0; i < 12; i++) this.next(); // sfc32 needs a short warm-up from a fresh state
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Standard normal (Box–Muller; 1 − u keeps log away from 0). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with median 1: sizes of customers and products vary over an order of magnitude. */
  spread(sigma: number): number {
    return Math.exp(sigma * this.normal());
  }
}

/** Running sums of weights, for pickIndex. */
export function cumulative(weights: ArrayLike<number>, into?: Float64Array): Float64Array {
  const out = into ?? new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i] as number;
    out[i] = sum;
  }
  return out;
}

/** Index drawn in proportion to the weights behind `cum` (binary search; u uniform in [0,1)). */
export function pickIndex(cum: Float64Array, u: number): number {
  const target = u * (cum[cum.length - 1] as number);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Weighted choice from a small fixed table of (value, weight) pairs. */
export function pickWeighted<T>(rng: Rng, table: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = rng.next() * total;
  for (const [v, w] of table) {
    r -= w;
    if (r < 0) return v;
  }
  return (table[table.length - 1] as readonly [T, number])[0];
}
