/**
 * Deterministic demo data: two years of a B2B office-supplies wholesaler, loaded with COPY into an
 * empty, migrated operational database. Same seed + options + endDate → byte-identical rows
 * (on the same Node version). Generation streams in CSV chunks, so memory does not grow with
 * the number of orders.
 */
import { sql } from 'kysely';
import { recordEvents } from '../../api/events/outbox.ts';
import type { OperationalDb } from '../operational.ts';
import { isEmptyForDemo } from './empty.ts';
import { demoWindow, SECONDS_PER_DAY, type DemoWindow } from './calendar.ts';
import {
  buildCatalog,
  categoryRows,
  priceHistoryRows,
  priceListItemRows,
  priceListRows,
  productRows,
} from './catalog.ts';
import { buildCrm } from './crm.ts';
import { chunkRows } from './csv.ts';
import { expectedDailyUnits, OrderSimulation, type OrderBatch } from './orders.ts';
import {
  buildCustomers,
  buildReps,
  contactRows,
  customerCount,
  repRows,
  teamManagers,
  teamRows,
} from './people.ts';
import { Rng, STREAM } from './prng.ts';
import { quotaRows, RepRevenue } from './quotas.ts';
import { ensureOrderRules } from './rules.ts';
import { alertEventRows, alertRows, StockLedger, warehouseRows } from './stock.ts';
import { DEMO_COLUMNS, DEMO_IDENTITY_TABLES, type DemoTable } from './tables.ts';
import { advanceOrderNumbers } from '../order-numbers.ts';
import { inDemoTransaction, type DemoTransaction } from './transaction.ts';

export { DEMO_CATEGORIES, DEMO_PRICE_ELASTICITY, WHOLESALE_TIERS } from './catalog.ts';
export { ORDER_EVENT_DAYS } from './orders.ts';
export type { DemoSegment } from './people.ts';
export { DEMO_COLUMNS, DEMO_TABLES, type DemoTable } from './tables.ts';
export { WINDOW_DAYS, YEARLY_GROWTH } from './calendar.ts';
export { DEFAULT_DEMO_ORDERS } from './size.ts';

/** Progress of a load, per phase (table or group of tables). */
export interface DemoProgress {
  phase: string;
  done: number;
  total: number;
}

export interface DemoOptions {
  /** Total number of orders over the two-year window. */
  orders: number;
  seed: number;
  /** As-of date (UTC date; time ignored); orders end the day before. Default: today (UTC). */
  endDate?: Date;
  onProgress?: (p: DemoProgress) => void;
}

/** What was loaded. */
export interface DemoSummary {
  customers: number;
  products: number;
  orders: number;
  orderLines: number;
  movements: number;
  orderEvents: number;
  alerts: number;
  opportunities: number;
  activities: number;
  /** First and last order day (YYYY-MM-DD). */
  from: string;
  to: string;
  /** Rows per table. */
  rows: Record<DemoTable, number>;
}

/** Raised when the target database already holds data (the demo uses fixed ids). */
export class DemoTargetNotEmptyError extends Error {
  override name = 'DemoTargetNotEmptyError';
}

function todayUtc(): Date {
  return new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
}

/**
 * Load the demo into an already-migrated, empty database, in one transaction: if the load fails
 * or the process dies part-way, nothing of it is kept and the database is still empty.
 */
export async function loadDemo(ops: OperationalDb, options: DemoOptions): Promise<DemoSummary> {
  if (!Number.isInteger(options.orders) || options.orders < 1)
    throw new RangeError('orders must be a positive integer');
  if (!Number.isInteger(options.seed)) throw new RangeError('seed must be an integer');
  return inDemoTransaction(ops, async (tx) => {
    if (!(await isEmptyForDemo(tx.db))) {
      throw new DemoTargetNotEmptyError(
        `${ops.description} already holds data; the demo loads only into an empty database`,
      );
    }
    return loadInto(tx, options);
  });
}

async function loadInto(tx: DemoTransaction, options: DemoOptions): Promise<DemoSummary> {
  const window = demoWindow(options.endDate ?? todayUtc());
  const report = (phase: string, done: number, total: number) =>
    options.onProgress?.({ phase, done, total });
  const rows = {} as Record<DemoTable, number>;
  const copy = async (table: DemoTable, source: Iterable<string>) => {
    let count = 0;
    const counted = function* () {
      for (const row of source) {
        count++;
        yield row;
      }
    };
    report(table, 0, 1);
    await tx.copy(table, DEMO_COLUMNS[table], chunkRows(counted()));
    rows[table] = (rows[table] ?? 0) + count;
    report(table, 1, 1);
  };

  // Reference data: rules, warehouses, org chart, catalog, customers.
  const seed = options.seed;
  const reps = buildReps(new Rng(seed, STREAM.people));
  const customers = buildCustomers(
    new Rng(seed, STREAM.people + 100),
    window,
    customerCount(options.orders),
    reps,
  );
  const products = buildCatalog(new Rng(seed, STREAM.catalog), window);
  const stock = new StockLedger(
    new Rng(seed, STREAM.stock),
    window,
    products.length,
    expectedDailyUnits(products, options.orders),
  );
  const approvalAboveCents = await ensureOrderRules(tx.db);
  await copy('warehouses', warehouseRows());
  await copy('teams', teamRows());
  await copy('sales_reps', repRows(reps, window));
  for (const { teamId, repId } of teamManagers(reps)) {
    await tx.db
      .updateTable('teams')
      .set({ manager_rep_id: repId })
      .where('id', '=', teamId)
      .execute();
  }
  await copy(
    'customers',
    customers.map((c) => c.row),
  );
  await copy('contacts', contactRows(new Rng(seed, STREAM.people + 200), customers));
  await copy('product_categories', categoryRows());
  await copy('products', productRows(products));
  await copy('product_price_history', priceHistoryRows(products));
  await copy('price_lists', priceListRows());
  await copy('price_list_items', priceListItemRows(products));
  await copy('reorder_rules', stock.ruleRows());

  // Orders with their lines, stock movements and recent events, batch by batch.
  const revenue = new RepRevenue(window, reps.length);
  const sim = new OrderSimulation(
    new Rng(seed, STREAM.orders),
    window,
    options.orders,
    customers,
    products,
    stock,
    revenue,
    approvalAboveCents,
  );
  rows.orders = rows.order_lines = rows.stock_movements = rows.order_events = 0;
  report('orders', 0, options.orders);
  await copyOrderBatches(tx, sim.batches(), (done) => report('orders', done, options.orders));
  rows.orders = options.orders;
  rows.order_lines = sim.lineCount;
  rows.stock_movements = stock.movementCount;

  // End state: levels, alerts for what ended below its reorder point, quotas from realised revenue.
  const alerts = stock.alerts;
  await copy('stock_levels', stock.levelRows());
  await copy('alerts', alertRows(alerts));
  rows.order_events = sim.eventCount;
  await copy('order_events', alertEventRows(alerts, sim.eventCount + 1));
  await copy('quotas', quotaRows(new Rng(seed, STREAM.quotas), revenue, reps));

  const crm = buildCrm(new Rng(seed, STREAM.crm), window, customers);
  await copy('opportunities', crm.opportunities);
  await copy('opportunity_stage_history', crm.stageHistory);
  await copy('activities', crm.activities);

  report('sequences', 0, DEMO_IDENTITY_TABLES.length);
  for (const table of DEMO_IDENTITY_TABLES) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), (SELECT max(id) FROM ${sql.table(table)}))`.execute(
      tx.db,
    );
  }
  // Demo orders are numbered SO-<id>: the API's sequence must start after them (issue 11).
  await advanceOrderNumbers(tx.db);
  report('sequences', DEMO_IDENTITY_TABLES.length, DEMO_IDENTITY_TABLES.length);
  const summary = summarise(window, rows);
  // Two years of history arrive by COPY, not through the API: one event says so, with the
  // counts (docs/events.md), rather than one per row the demo invents.
  const { rows: _perTable, ...counts } = summary;
  await recordEvents(tx.db, [
    { type: 'demo.loaded', entity: { type: 'demo', id: options.seed }, payload: counts },
  ]);
  return summary;
}

/** Lets socket writes of in-flight COPYs progress between simulated days. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * COPY the simulation's batches, overlapping generation with loading: while batch k is being
 * copied (on PostgreSQL, by the server process — a second core at work), batch k+1 is
 * generated. At most one batch is in flight, so memory stays flat. The load is one transaction
 * on one connection, so a batch's tables go one after another, orders first: their lines and
 * events reference them.
 */
async function copyOrderBatches(
  tx: DemoTransaction,
  batches: Iterable<OrderBatch | null>,
  onBatch: (ordersDone: number) => void,
): Promise<void> {
  const copy = (table: DemoTable, chunks: string[]) =>
    chunks.length > 0 ? tx.copy(table, DEMO_COLUMNS[table], chunks) : Promise.resolve();
  let inFlight: Promise<unknown> | null = null;
  for (const batch of batches) {
    if (batch === null) {
      if (inFlight) await yieldToIo();
      continue;
    }
    if (inFlight) await inFlight;
    const done = batch.ordersDone;
    inFlight = (async () => {
      await copy('orders', batch.orders);
      await copy('order_lines', batch.lines);
      await copy('order_events', batch.events);
      await copy('stock_movements', batch.movements);
      onBatch(done);
    })();
    inFlight.catch(() => {}); // awaited below; this only stops an early failure counting as unhandled
  }
  if (inFlight) await inFlight;
}

function summarise(window: DemoWindow, rows: Record<DemoTable, number>): DemoSummary {
  const day = (d: number) => new Date(d * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
  return {
    customers: rows.customers,
    products: rows.products,
    orders: rows.orders,
    orderLines: rows.order_lines,
    movements: rows.stock_movements,
    orderEvents: rows.order_events,
    alerts: rows.alerts,
    opportunities: rows.opportunities,
    activities: rows.activities,
    from: day(window.startDay),
    to: day(window.endDay - 1),
    rows,
  };
}
