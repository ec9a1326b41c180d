/**
 * Demo catalog: categories, products, their list-price/cost history and the 'Wholesale' tiered
 * price list. Demand answers price with a constant elasticity per category (DEMO_PRICE_ELASTICITY)
 * so price analysis has a known truth to recover.
 */
import { SECONDS_PER_DAY, WINDOW_DAYS, type DemoWindow } from './calendar.ts';
import { isoTimestamp, optTimestamp, tenK, text } from './csv.ts';
import type { Rng } from './prng.ts';

/** One product category and how its products behave. */
export interface DemoCategory {
  name: string;
  skuPrefix: string;
  /** Constant price elasticity of demand: pick weight ∝ (price / base price)^elasticity. */
  elasticity: number;
  /** List price range in euros at the start of the window. */
  priceRange: readonly [number, number];
  /** Typical units per order line relative to an average product (paper by the box, desks by one). */
  quantityScale: number;
  nouns: readonly string[];
}

export const DEMO_CATEGORIES: readonly DemoCategory[] = [
  {
    name: 'Office Supplies',
    skuPrefix: 'OFS',
    elasticity: -2.0,
    priceRange: [2, 40],
    quantityScale: 2,
    nouns: [
      'Stapler',
      'Pen Set',
      'Binder',
      'Desk Organizer',
      'Label Maker',
      'Highlighter Pack',
      'Notebook',
    ],
  },
  {
    name: 'Paper & Print',
    skuPrefix: 'PAP',
    elasticity: -2.5,
    priceRange: [4, 60],
    quantityScale: 3,
    nouns: [
      'Copy Paper A4',
      'Toner Cartridge',
      'Envelopes',
      'Photo Paper',
      'Ink Cartridge',
      'Sticky Notes',
    ],
  },
  {
    name: 'Furniture',
    skuPrefix: 'FUR',
    elasticity: -0.8,
    priceRange: [90, 900],
    quantityScale: 0.35,
    nouns: [
      'Office Chair',
      'Standing Desk',
      'Filing Cabinet',
      'Bookshelf',
      'Meeting Table',
      'Monitor Arm',
    ],
  },
  {
    name: 'Electronics',
    skuPrefix: 'ELE',
    elasticity: -1.5,
    priceRange: [25, 1200],
    quantityScale: 0.5,
    nouns: ['Monitor', 'Keyboard', 'Headset', 'Docking Station', 'Webcam', 'Laser Printer'],
  },
  {
    name: 'Cleaning',
    skuPrefix: 'CLN',
    elasticity: -1.8,
    priceRange: [3, 45],
    quantityScale: 2.5,
    nouns: [
      'Surface Cleaner',
      'Paper Towels',
      'Hand Soap',
      'Mop Set',
      'Trash Bags',
      'Disinfectant',
    ],
  },
  {
    name: 'Breakroom',
    skuPrefix: 'BRK',
    elasticity: -1.2,
    priceRange: [5, 250],
    quantityScale: 1.5,
    nouns: ['Coffee Beans', 'Tea Selection', 'Water Filter', 'Cup Set', 'Kettle', 'Snack Box'],
  },
  {
    name: 'Safety',
    skuPrefix: 'SAF',
    elasticity: -0.5,
    priceRange: [8, 300],
    quantityScale: 1.2,
    nouns: ['First Aid Kit', 'Safety Gloves', 'Fire Extinguisher', 'Hi-Vis Vest', 'Ear Protection'],
  },
  {
    name: 'Packaging',
    skuPrefix: 'PKG',
    elasticity: -2.2,
    priceRange: [2, 35],
    quantityScale: 3,
    nouns: ['Shipping Box', 'Bubble Wrap', 'Packing Tape', 'Pallet Wrap', 'Mailer Bag'],
  },
];

/** Category name → constant price elasticity of demand, for checking price analysis. */
export const DEMO_PRICE_ELASTICITY: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(DEMO_CATEGORIES.map((c) => [c.name, c.elasticity])),
);

const PRODUCTS_PER_CATEGORY = 25;
const VARIANTS = ['Basic', 'Pro', 'Plus', 'Eco', 'Max', 'Compact', 'XL', 'Premium', 'Lite'];
/** Wholesale tiers: minimum quantity → share of the list price. */
export const WHOLESALE_TIERS: readonly (readonly [number, number])[] = [
  [10, 0.95],
  [50, 0.9],
];

/** One list price / cost in force from `fromSec` (ten-thousandths of a euro). */
export interface PricePeriod {
  fromSec: number;
  price: number;
  cost: number;
}

export interface DemoProduct {
  id: number;
  sku: string;
  name: string;
  category: number;
  /** Relative popularity at the base price. */
  baseWeight: number;
  /** Price in force at the start of the window: the reference for the elasticity. */
  basePrice: number;
  /** Sorted by fromSec; the first starts before the window. */
  periods: PricePeriod[];
  /** On the Wholesale price list. */
  tiered: boolean;
}

/** A price in euros → ten-thousandths, at a shelf-like ending (…9 cents, or …,99 above 100 €). */
function shelfPrice(euros: number): number {
  const c =
    euros >= 100 ? Math.round(euros) * 100 - 1 : Math.max(99, Math.round(euros * 10) * 10 - 1);
  return c * 100;
}

/** Cost for a price at a margin (cents precision). */
function costFor(price: number, margin: number): number {
  return Math.round((price / 100) * (1 - margin)) * 100;
}

/** Build ~200 products with 2–4 price changes each inside the window. */
export function buildCatalog(rng: Rng, window: DemoWindow): DemoProduct[] {
  const products: DemoProduct[] = [];
  const startSec = window.startDay * SECONDS_PER_DAY;
  DEMO_CATEGORIES.forEach((cat, ci) => {
    for (let k = 0; k < PRODUCTS_PER_CATEGORY; k++) {
      const id = products.length + 1;
      const [lo, hi] = cat.priceRange;
      const margin = rng.range(0.25, 0.55);
      let price = shelfPrice(lo * (hi / lo) ** rng.next());
      const periods: PricePeriod[] = [
        {
          fromSec: startSec - rng.int(30, 300) * SECONDS_PER_DAY,
          price,
          cost: costFor(price, margin),
        },
      ];
      // 2–4 changes, at least 60 days apart, so each price holds long enough to measure demand.
      const changes = rng.int(2, 4);
      const slot = Math.floor((WINDOW_DAYS - 30) / changes);
      for (let c = 0; c < changes; c++) {
        const day = window.startDay + 15 + c * slot + rng.int(0, slot - 60);
        const step = rng.range(0.06, 0.22) * (rng.chance(0.65) ? 1 : -1);
        price = shelfPrice((price / 10_000) * (1 + step));
        const m = Math.min(0.6, Math.max(0.2, margin + rng.range(-0.05, 0.05)));
        periods.push({ fromSec: day * SECONDS_PER_DAY, price, cost: costFor(price, m) });
      }
      const noun = cat.nouns[k % cat.nouns.length] as string;
      products.push({
        id,
        sku: `${cat.skuPrefix}-${String(id).padStart(4, '0')}`,
        name: `${noun} ${VARIANTS[Math.floor(k / cat.nouns.length) % VARIANTS.length]}`,
        category: ci,
        baseWeight: rng.spread(0.8),
        basePrice: (periods[0] as PricePeriod).price,
        periods,
        tiered: rng.chance(0.4),
      });
    }
  });
  return products;
}

/** The price period index in force at `sec`. */
export function periodAt(product: DemoProduct, sec: number): number {
  let i = 0;
  while (i + 1 < product.periods.length && (product.periods[i + 1] as PricePeriod).fromSec <= sec)
    i++;
  return i;
}

/** Tier unit price (ten-thousandths) for a wholesale line, or the list price below the tiers. */
export function wholesalePrice(listPrice: number, quantity: number): number {
  let price = listPrice;
  for (const [minQty, share] of WHOLESALE_TIERS) {
    if (quantity >= minQty) price = Math.round((listPrice / 100) * share) * 100;
  }
  return price;
}

function latest(p: DemoProduct): PricePeriod {
  return p.periods[p.periods.length - 1] as PricePeriod;
}

export function* categoryRows(): Generator<string> {
  for (let i = 0; i < DEMO_CATEGORIES.length; i++) {
    yield `${i + 1},${text((DEMO_CATEGORIES[i] as DemoCategory).name)}\n`;
  }
}

export function* productRows(products: readonly DemoProduct[]): Generator<string> {
  for (const p of products) {
    const last = latest(p);
    const created = isoTimestamp((p.periods[0] as PricePeriod).fromSec);
    yield `${p.id},${p.sku},${text(p.name)},${p.category + 1},${tenK(last.price)},${tenK(last.cost)},${created}\n`;
  }
}

export function* priceHistoryRows(products: readonly DemoProduct[]): Generator<string> {
  let id = 0;
  for (const p of products) {
    for (const period of p.periods) {
      yield `${++id},${p.id},${tenK(period.price)},${tenK(period.cost)},${isoTimestamp(period.fromSec)}\n`;
    }
  }
}

export const WHOLESALE_PRICE_LIST_ID = 1;

export function* priceListRows(): Generator<string> {
  yield `${WHOLESALE_PRICE_LIST_ID},Wholesale,EUR\n`;
}

/** One item per tier and price period, valid while that list price is in force. */
export function* priceListItemRows(products: readonly DemoProduct[]): Generator<string> {
  let id = 0;
  for (const p of products) {
    if (!p.tiered) continue;
    for (let i = 0; i < p.periods.length; i++) {
      const period = p.periods[i] as PricePeriod;
      const validTo = optTimestamp(p.periods[i + 1]?.fromSec ?? null);
      for (const [minQty] of WHOLESALE_TIERS) {
        const price = tenK(wholesalePrice(period.price, minQty));
        yield `${++id},${WHOLESALE_PRICE_LIST_ID},${p.id},wholesale,${minQty},${price},${isoTimestamp(period.fromSec)},${validTo}\n`;
      }
    }
  }
}
