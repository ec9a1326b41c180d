/**
 * Demo stock: warehouses, reorder rules, and an append-only movement ledger that sums exactly to
 * the final stock levels. The order simulation calls ship/reserve/giveBack in order-date order;
 * replenishment receipts keep available stock (on hand − reserved) at or above the reorder point,
 * except for a few "stalled" pairs (a supplier stopped delivering) that end below it with an open
 * 'stock.low' alert — so the stock dashboards have something to show.
 */
import { SECONDS_PER_DAY, type DemoWindow } from './calendar.ts';
import { CsvBytes } from './csv-bytes.ts';
import { isoTimestamp, json, text } from './csv.ts';
import type { Rng } from './prng.ts';

export const DEMO_WAREHOUSES = [
  { code: 'WH-N', name: 'Warehouse North', city: 'Hamburg' },
  { code: 'WH-S', name: 'Warehouse South', city: 'Verona' },
] as const;
const W = DEMO_WAREHOUSES.length;
/** Stalled pairs get no regular receipts during the last STALL_DAYS of the window. */
const STALL_DAYS = 45;

/** An open stock.low alert at the end of the load. */
export interface StockAlert {
  productId: number;
  warehouseId: number;
  onHand: number;
  reserved: number;
  reorderPoint: number;
  reorderQuantity: number;
  reorderRuleId: number;
  raisedSec: number;
}

export class StockLedger {
  readonly onHand: Int32Array;
  readonly reserved: Int32Array;
  private readonly reorderPoint: Int32Array;
  private readonly reorderQty: Int32Array;
  private readonly leadTime: Int32Array;
  /** reorder_rules.id per pair, 0 = no rule. */
  private readonly ruleId: Int32Array;
  private readonly stalled: Uint8Array;
  private readonly lastSec: Float64Array;
  private readonly stallFromSec: number;
  private nextId = 0;
  /** Open alerts, set by finish(). */
  alerts: StockAlert[] = [];
  /** Movement CSV produced since the last drain(). */
  private readonly out = new CsvBytes();

  /** `dailyUnits[pair]`: expected units per day for pair = (productId − 1) × W + warehouse index. */
  constructor(
    rng: Rng,
    private readonly window: DemoWindow,
    productCount: number,
    dailyUnits: Float64Array,
  ) {
    const pairs = productCount * W;
    this.onHand = new Int32Array(pairs);
    this.reserved = new Int32Array(pairs);
    this.reorderPoint = new Int32Array(pairs);
    this.reorderQty = new Int32Array(pairs);
    this.leadTime = new Int32Array(pairs);
    this.ruleId = new Int32Array(pairs);
    this.stalled = new Uint8Array(pairs);
    this.lastSec = new Float64Array(pairs);
    this.stallFromSec = (window.endDay - STALL_DAYS) * SECONDS_PER_DAY;
    let rules = 0;
    for (let i = 0; i < pairs; i++) {
      const daily = dailyUnits[i] as number;
      const lead = rng.int(3, 14);
      this.leadTime[i] = lead;
      // Reorder point = demand over the lead time plus ~a week of safety stock (at least 5).
      this.reorderPoint[i] = Math.max(5, Math.ceil(daily * (lead + 7)));
      this.reorderQty[i] = Math.max(20, Math.ceil(daily * 30));
      if (rng.chance(0.9)) this.ruleId[i] = ++rules;
    }
    // A few busy pairs with rules stall, so they end below their reorder point.
    const candidates = [...Array(pairs).keys()].filter((i) => this.ruleId[i] !== 0);
    candidates.sort((a, b) => (dailyUnits[b] as number) - (dailyUnits[a] as number) || a - b);
    const busy = candidates.slice(0, Math.max(6, Math.floor(candidates.length / 2)));
    const stalledCount = Math.max(3, Math.round(pairs * 0.015));
    for (let k = 0; k < stalledCount && busy.length > 0; k++) {
      const [pick] = busy.splice(rng.int(0, busy.length - 1), 1);
      this.stalled[pick as number] = 1;
    }
    // Opening balance the day before the window starts.
    const openSec = (window.startDay - 1) * SECONDS_PER_DAY + 6 * 3600;
    for (let i = 0; i < pairs; i++) {
      this.move(
        i,
        'receipt',
        (this.reorderPoint[i] as number) + (this.reorderQty[i] as number),
        0,
        '',
        0,
        'opening balance',
        openSec,
      );
    }
  }

  static pair(productId: number, warehouse: number): number {
    return (productId - 1) * W + warehouse;
  }

  /**
   * Receive enough before taking `q` so available stays above the reorder point (the API raises
   * stock.low at or below it), or ≥ 0 for a stalled pair.
   */
  private ensure(pair: number, q: number, sec: number): void {
    const available = (this.onHand[pair] as number) - (this.reserved[pair] as number);
    const arriveSec = sec - 2 * 3600; // the truck came in earlier that day
    if (this.stalled[pair] === 1 && sec >= this.stallFromSec) {
      if (available < q)
        this.move(pair, 'receipt', q - available, 0, '', 0, 'emergency delivery', arriveSec);
      return;
    }
    const rp = this.reorderPoint[pair] as number;
    if (available - q > rp) return;
    const rq = this.reorderQty[pair] as number;
    const n = Math.ceil((rp + 1 + q - available) / rq);
    this.move(pair, 'receipt', n * rq, 0, '', 0, 'replenishment', arriveSec);
  }

  /** A shipped order line: on hand goes down by q. */
  ship(pair: number, q: number, sec: number, orderId: number): void {
    this.ensure(pair, q, sec);
    this.move(pair, 'shipment', -q, 0, 'order', orderId, '', sec);
  }

  /** A confirmed, not yet shipped order line holds q units. */
  reserve(pair: number, q: number, sec: number, orderId: number): void {
    this.ensure(pair, q, sec);
    this.move(pair, 'reservation', 0, q, 'order', orderId, '', sec);
  }

  /** A cancelled order gives its reservation back. */
  release(pair: number, q: number, sec: number, orderId: number): void {
    this.move(pair, 'release', 0, -q, 'order', orderId, 'order cancelled', sec);
  }

  /** Units a customer sent back go back on the shelf. */
  giveBack(pair: number, q: number, sec: number, orderId: number): void {
    this.move(pair, 'return', q, 0, 'order', orderId, 'customer return', sec);
  }

  /** Apply a movement to the levels and append it to the ledger (refId 0 = no reference). */
  private move(
    pair: number,
    type: string,
    onHandDelta: number,
    reservedDelta: number,
    refType: string,
    refId: number,
    reason: string,
    sec: number,
  ): void {
    this.onHand[pair] = (this.onHand[pair] as number) + onHandDelta;
    this.reserved[pair] = (this.reserved[pair] as number) + reservedDelta;
    if (sec > (this.lastSec[pair] as number)) this.lastSec[pair] = sec;
    const w = this.out;
    w.int(++this.nextId)
      .c()
      .int(Math.floor(pair / W) + 1)
      .c()
      .int((pair % W) + 1)
      .c()
      .ascii(type)
      .c();
    w.int(onHandDelta).c().int(reservedDelta).c().ascii(refType).c();
    if (refId > 0) w.int(refId);
    w.c().ascii(reason).c().ts(sec).nl();
  }

  /** Movement CSV since the last call (the order simulation copies it batch by batch). */
  drain(): string[] {
    return this.out.take();
  }

  get movementCount(): number {
    return this.nextId;
  }

  /**
   * End of the window: stalled pairs still at or above their reorder point get a stock-count
   * write-off (damaged goods) down to a third of it, so "a few below reorder point" holds at any
   * size. Sets `alerts`; the write-off movements are in the next drain().
   */
  finish(): void {
    const alerts: StockAlert[] = [];
    const countSec = this.window.nowSec - SECONDS_PER_DAY + 17 * 3600;
    for (let i = 0; i < this.onHand.length; i++) {
      if (this.stalled[i] !== 1) continue;
      const rp = this.reorderPoint[i] as number;
      const available = (this.onHand[i] as number) - (this.reserved[i] as number);
      if (available > rp) {
        this.move(
          i,
          'adjustment',
          Math.floor(rp / 3) - available,
          0,
          '',
          0,
          'stock count: damaged goods',
          countSec,
        );
      }
      alerts.push({
        productId: Math.floor(i / W) + 1,
        warehouseId: (i % W) + 1,
        onHand: this.onHand[i] as number,
        reserved: this.reserved[i] as number,
        reorderPoint: rp,
        reorderQuantity: this.reorderQty[i] as number,
        reorderRuleId: this.ruleId[i] as number,
        raisedSec: this.lastSec[i] as number,
      });
    }
    this.alerts = alerts;
  }

  *levelRows(): Generator<string> {
    for (let i = 0; i < this.onHand.length; i++) {
      yield `${Math.floor(i / W) + 1},${(i % W) + 1},${this.onHand[i]},${this.reserved[i]}\n`;
    }
  }

  *ruleRows(): Generator<string> {
    for (let i = 0; i < this.onHand.length; i++) {
      if (this.ruleId[i] === 0) continue;
      yield `${this.ruleId[i]},${Math.floor(i / W) + 1},${(i % W) + 1},${this.reorderPoint[i]},${this.reorderQty[i]},${this.leadTime[i]}\n`;
    }
  }
}

export function* warehouseRows(): Generator<string> {
  for (let i = 0; i < W; i++) {
    const w = DEMO_WAREHOUSES[i] as (typeof DEMO_WAREHOUSES)[number];
    yield `${i + 1},${w.code},${text(w.name)},${text(w.city)}\n`;
  }
}

/** Same payload and message as api/inventory/ledger.ts writes for a live stock.low alert. */
function alertPayload(a: StockAlert): Record<string, number> {
  return {
    productId: a.productId,
    warehouseId: a.warehouseId,
    available: a.onHand - a.reserved,
    reorderPoint: a.reorderPoint,
    reorderQuantity: a.reorderQuantity,
    reorderRuleId: a.reorderRuleId,
  };
}

export function* alertRows(alerts: readonly StockAlert[]): Generator<string> {
  let id = 0;
  for (const a of alerts) {
    const message = `product ${a.productId} in warehouse ${a.warehouseId}: ${a.onHand - a.reserved} available, reorder point ${a.reorderPoint}; reorder ${a.reorderQuantity}`;
    yield `${++id},stock.low,${a.productId},${a.warehouseId},${text(message)},${json(alertPayload(a))},${isoTimestamp(a.raisedSec)}\n`;
  }
}

/** The outbox row for each alert (already published: the demo's history is not re-sent to webhooks). */
export function* alertEventRows(alerts: readonly StockAlert[], firstId: number): Generator<string> {
  let id = firstId;
  let alertId = 0;
  for (const a of alerts) {
    const payload = json({ ...alertPayload(a), alertId: ++alertId });
    yield `${id++},,stock.low,,,${payload},${isoTimestamp(a.raisedSec)},${isoTimestamp(a.raisedSec + 1)}\n`;
  }
}
