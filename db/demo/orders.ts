/**
 * The order simulation: walks the window day by day, places each day's orders in time order and
 * writes orders, order lines, stock movements and (for the last 30 days) order events as CSV,
 * in batches so memory stays flat however many orders are asked for. Money is integer cents
 * (totals) and ten-thousandths (unit prices, discounts); no float is ever summed.
 */
import { monthOf, orderTimeOfDay, ordersPerDay, SECONDS_PER_DAY, WINDOW_DAYS } from './calendar.ts';
import type { DemoWindow } from './calendar.ts';
import { DEMO_CATEGORIES, wholesalePrice, type DemoProduct, type PricePeriod } from './catalog.ts';
import { CsvBytes } from './csv-bytes.ts';
import { roundDiv } from './csv.ts';
import { writeEventRows, writeLineRow, writeOrderRow, type OrderMoney } from './order-rows.ts';
import type { CustomerGroup, DemoCustomer } from './people.ts';
import { cumulative, pickIndex, pickWeighted, type Rng } from './prng.ts';
import type { RepRevenue } from './quotas.ts';
import { StockLedger } from './stock.ts';
import { drawTimeline, isRevenueStatus } from './timeline.ts';

/** Order events are kept only for recent orders: all of them would be 5+ rows per order. */
export const ORDER_EVENT_DAYS = 30;
/** Hand out a batch once its order-line CSV reaches this size. */
const BATCH_LINE_BYTES = 8 * 1024 * 1024;
// prettier-ignore
const LINE_COUNTS = [[1, 18], [2, 22], [3, 20], [4, 17], [5, 13], [6, 10]] as const;
/** Mean of LINE_COUNTS, for the stock estimate below. */
const MEAN_LINES = 3.15;
/** Rough mean units per line before the category scale (group mix × log-normal sizes). */
const MEAN_UNITS = 9;
/** Cap on one line's quantity, so the log-normal tail does not produce absurd orders. */
const MAX_UNITS = 1500;
/** Line discount (ten-thousandths) by customer group: key accounts negotiate more often. */
// prettier-ignore
const DISCOUNTS: Record<CustomerGroup, readonly (readonly [number, number])[]> = {
  retail: [[0, 88], [500, 8], [1000, 4]],
  wholesale: [[0, 75], [500, 15], [1000, 10]],
  key_account: [[0, 55], [500, 25], [1000, 20]],
};

/** One batch of CSV chunks. Orders must be loaded before their lines and events. */
export interface OrderBatch {
  orders: string[];
  lines: string[];
  movements: string[];
  events: string[];
  ordersDone: number;
}

/** Expected units per day per product/warehouse pair, so reorder points fit the order volume. */
export function expectedDailyUnits(products: readonly DemoProduct[], orders: number): Float64Array {
  const totalWeight = products.reduce((s, p) => s + p.baseWeight, 0);
  // Volume near the end of the window is ~1.24× the two-year average (25 %/year growth).
  const linesPerDay = ((orders * MEAN_LINES) / WINDOW_DAYS) * 1.24;
  const out = new Float64Array(products.length * 2);
  for (const p of products) {
    const scale = DEMO_CATEGORIES[p.category]?.quantityScale ?? 1;
    const units = linesPerDay * (p.baseWeight / totalWeight) * MEAN_UNITS * scale * 0.5;
    out[StockLedger.pair(p.id, 0)] = units;
    out[StockLedger.pair(p.id, 1)] = units;
  }
  return out;
}

export class OrderSimulation {
  lineCount = 0;
  eventCount = 0;
  private readonly orderCsv = new CsvBytes();
  private readonly lineCsv = new CsvBytes();
  private readonly eventCsv = new CsvBytes();
  private readonly priceIdx: Int32Array;
  private readonly productCum: Float64Array;
  private readonly customerCum: Float64Array;
  private readonly money: OrderMoney = { subtotal: 0, discount: 0, returned: 0, total: 0 };
  // Per-order scratch (≤ 6 lines), reused: no allocation per order.
  private readonly lp = new Int32Array(6);
  private readonly lq = new Int32Array(6);
  private readonly lprice = new Float64Array(6);
  private readonly ldisc = new Int32Array(6);
  private readonly lnet = new Float64Array(6);
  private readonly lret = new Int32Array(6);

  constructor(
    private readonly rng: Rng,
    private readonly window: DemoWindow,
    private readonly orders: number,
    private readonly customers: readonly DemoCustomer[],
    private readonly products: readonly DemoProduct[],
    private readonly stock: StockLedger,
    private readonly revenue: RepRevenue,
    private readonly approvalAboveCents: number,
  ) {
    this.priceIdx = new Int32Array(products.length);
    this.productCum = new Float64Array(products.length);
    this.customerCum = new Float64Array(customers.length);
  }

  /**
   * Yields CSV batches, and null after each simulated day so the caller can let I/O run. The
   * last batch also carries the stock-count write-offs of stalled pairs.
   */
  *batches(): Generator<OrderBatch | null> {
    const { rng, window } = this;
    const perDay = ordersPerDay(window, this.orders);
    const changeDays = new Set<number>();
    for (const c of this.customers) changeDays.add(c.activeFrom).add(c.activeTo);
    const eventsFrom = window.nowSec - ORDER_EVENT_DAYS * SECONDS_PER_DAY;
    let orderId = 0;
    for (let d = 0; d < WINDOW_DAYS; d++) {
      const day = window.startDay + d;
      this.updatePrices(day, d === 0);
      if (d === 0 || changeDays.has(day)) this.updateCustomers(day);
      const { year, month } = monthOf(day);
      const monthIdx = this.revenue.monthIndex(year, month);
      const times = new Int32Array(perDay[d] as number);
      for (let k = 0; k < times.length; k++) times[k] = orderTimeOfDay(rng);
      times.sort();
      for (let k = 0; k < times.length; k++) {
        const sec = day * SECONDS_PER_DAY + (times[k] as number);
        this.placeOrder(++orderId, sec, monthIdx, sec >= eventsFrom);
        if (this.lineCsv.bytes >= BATCH_LINE_BYTES) yield this.take(orderId);
      }
      yield null;
    }
    this.stock.finish();
    yield this.take(orderId);
  }

  /** Advance prices to `day`; on a change, recompute pick weights ∝ base × (p/p0)^elasticity. */
  private updatePrices(day: number, force: boolean): void {
    const sec = day * SECONDS_PER_DAY;
    let changed = force;
    this.products.forEach((p, i) => {
      const next = p.periods[(this.priceIdx[i] as number) + 1];
      if (next && next.fromSec <= sec) {
        this.priceIdx[i] = (this.priceIdx[i] as number) + 1;
        changed = true;
      }
    });
    if (!changed) return;
    const weights = this.products.map((p, i) => {
      const price = (p.periods[this.priceIdx[i] as number] as PricePeriod).price;
      return p.baseWeight * (price / p.basePrice) ** (DEMO_CATEGORIES[p.category]?.elasticity ?? 0);
    });
    cumulative(weights, this.productCum);
  }

  /** Customers order only inside their active span (lapsing stop, new ones start late). */
  private updateCustomers(day: number): void {
    const weights = this.customers.map((c) =>
      day >= c.activeFrom && day < c.activeTo ? c.rate : 0,
    );
    cumulative(weights, this.customerCum);
  }

  private placeOrder(id: number, sec: number, monthIdx: number, withEvents: boolean): void {
    const { rng, lp, lq, lprice, ldisc, lnet, lret, money } = this;
    const c = this.customers[pickIndex(this.customerCum, rng.next())] as DemoCustomer;
    const warehouse = rng.chance(0.9) ? c.homeWarehouse : 1 - c.homeWarehouse;
    const n = c.segment === 'big_ticket' ? rng.int(1, 3) : pickWeighted(rng, LINE_COUNTS);
    let gross = 0; // ten-thousandths, exact
    let discount = 0; // 10⁻⁸, exact
    for (let k = 0; k < n; k++) {
      let p = pickIndex(this.productCum, rng.next());
      // Distinct products per order: redraw a duplicate a few times, then take the next one.
      for (let tries = 0; tries < 5 && this.taken(k, p); tries++)
        p = pickIndex(this.productCum, rng.next());
      while (this.taken(k, p)) p = (p + 1) % this.products.length;
      const product = this.products[p] as DemoProduct;
      const q = this.quantity(c, product);
      const list = (product.periods[this.priceIdx[p] as number] as PricePeriod).price;
      const price = c.group === 'wholesale' && product.tiered ? wholesalePrice(list, q) : list;
      const disc = pickWeighted(rng, DISCOUNTS[c.group]);
      lp[k] = p;
      lq[k] = q;
      lprice[k] = price;
      ldisc[k] = disc;
      // round(q × price × (1 − discount), 2), half away from zero, on exact integers
      lnet[k] = roundDiv(q * price * (10_000 - disc), 1_000_000);
      lret[k] = 0;
      gross += q * price;
      discount += q * price * disc;
    }
    // The money rule of api/orders/money.ts orderTotals, in cents from exact integer sums (all
    // far below 2⁵³: ≤ 6 lines × 1,500 units × a few thousand × 10⁴ × 10⁴).
    const subtotal = roundDiv(gross, 100);
    const discountCents = roundDiv(discount, 1_000_000);
    const tl = drawTimeline(
      rng,
      sec,
      subtotal - discountCents,
      this.window.nowSec,
      this.approvalAboveCents,
    );
    let returned = 0; // exact returned net, 10⁻⁸
    if (tl.returnedSec >= 0) {
      const k = rng.int(0, n - 1); // one line comes back, partly or wholly
      const r = rng.int(1, lq[k] as number);
      lret[k] = r;
      returned = r * (lprice[k] as number) * (10_000 - (ldisc[k] as number));
    }
    const taken = roundDiv(discount + returned, 1_000_000);
    money.subtotal = subtotal;
    money.discount = discountCents;
    money.returned = taken - discountCents;
    money.total = subtotal - taken;
    if (isRevenueStatus(tl.status)) this.revenue.add(c.ownerRepId, monthIdx, money.total);
    writeOrderRow(this.orderCsv, id, c.id, c.ownerRepId, warehouse + 1, sec, money, tl);

    for (let k = 0; k < n; k++) {
      const p = lp[k] as number;
      const q = lq[k] as number;
      const product = this.products[p] as DemoProduct;
      const cost = (product.periods[this.priceIdx[p] as number] as PricePeriod).cost;
      const lineId = ++this.lineCount;
      writeLineRow(
        this.lineCsv,
        lineId,
        id,
        k + 1,
        product.id,
        q,
        lprice[k] as number,
        ldisc[k] as number,
        lnet[k] as number,
        cost,
        lret[k] as number,
      );
      // Like the API: confirming (to confirmed or pending_approval) reserves, cancelling releases,
      // shipping deducts. Shipped history is one shipment per line, without its reservation.
      const pair = StockLedger.pair(product.id, warehouse);
      const reservedSec = tl.pendingSec >= 0 ? tl.pendingSec : tl.confirmedSec;
      if (tl.shippedSec >= 0) this.stock.ship(pair, q, tl.shippedSec, id);
      else if (reservedSec >= 0) {
        this.stock.reserve(pair, q, reservedSec, id);
        if (tl.cancelledSec >= 0) this.stock.release(pair, q, tl.cancelledSec, id);
      }
      if ((lret[k] as number) > 0) this.stock.giveBack(pair, lret[k] as number, tl.returnedSec, id);
    }
    if (withEvents) {
      this.eventCount += writeEventRows(
        this.eventCsv,
        this.eventCount + 1,
        id,
        sec,
        money.total,
        tl,
      );
    }
  }

  private take(ordersDone: number): OrderBatch {
    return {
      orders: this.orderCsv.take(),
      lines: this.lineCsv.take(),
      movements: this.stock.drain(),
      events: this.eventCsv.take(),
      ordersDone,
    };
  }

  /** Whether product index p is already on lines 0..k-1 of the current order. */
  private taken(k: number, p: number): boolean {
    for (let i = 0; i < k; i++) if (this.lp[i] === p) return true;
    return false;
  }

  /** Units on one line: by customer group, product category and customer size. */
  private quantity(c: DemoCustomer, product: DemoProduct): number {
    const rng = this.rng;
    const base =
      c.group === 'retail'
        ? 1 + 2 * rng.spread(0.7)
        : c.group === 'wholesale'
          ? 12 * rng.spread(0.7)
          : 25 * rng.spread(0.6);
    const scale = DEMO_CATEGORIES[product.category]?.quantityScale ?? 1;
    return Math.min(MAX_UNITS, Math.max(1, Math.round(base * scale * c.size)));
  }
}
