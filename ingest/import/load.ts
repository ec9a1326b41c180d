/**
 * Per file, inside the run's one transaction: the reference checks that need the database (each
 * gives bad rows with a reason) and the upsert from the staging table. Upserts only touch rows
 * whose values change, so re-running an import is safe and does not bump updated_at.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { FileSpec } from './files.ts';
import { counted } from './counting.ts';
import { upsertOrderLines, upsertOrders } from './load-orders.ts';

/** A reference check: staging rows it returns are bad, with this reason. */
interface Check {
  reason: (row: Record<string, unknown>) => string;
  query: (stage: RawBuilder<unknown>) => RawBuilder<Record<string, unknown>>;
}

/**
 * Runs one step of the import and records how long it took under `phase` (the bench prints
 * them); the plain runner just awaits.
 */
export type PhaseTimer = <T>(phase: string, run: () => Promise<T>) => Promise<T>;

/** A PhaseTimer that records nothing. */
export const untimed: PhaseTimer = (_phase, run) => run();

/** Outcome of one file's upsert. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
}

const CHECKS: Partial<Record<FileSpec['name'], Check[]>> = {
  customers: [
    {
      reason: (r) => `email ${r.email} belongs to customer ${r.other}`,
      query: (s) => sql`
        SELECT s.line, s.email, c.code AS other FROM ${s} s
        JOIN customers c ON lower(c.email) = lower(s.email) AND c.code <> s.code AND c.deleted_at IS NULL
        WHERE NOT EXISTS (SELECT 1 FROM ${s} s2 WHERE s2.code = c.code)`,
    },
    {
      reason: (r) => `email ${r.email} is also on line ${r.first}`,
      query: (s) => sql`
        SELECT line, email, first FROM (
          SELECT line, email, min(line) OVER (PARTITION BY lower(email)) AS first FROM ${s}
          WHERE email IS NOT NULL) d
        WHERE line <> first`,
    },
  ],
  reps: [
    {
      reason: (r) => `unknown team ${r.team}`,
      query: (s) => sql`
        SELECT s.line, s.team FROM ${s} s
        WHERE s.team IS NOT NULL AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.name = s.team)`,
    },
  ],
  products: [
    {
      reason: (r) => `unknown category ${r.category}`,
      query: (s) => sql`
        SELECT s.line, s.category FROM ${s} s
        WHERE s.category IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM product_categories c WHERE c.name = s.category)`,
    },
  ],
  orders: [
    {
      reason: (r) => `unknown customer ${r.customer_code}`,
      query: (s) => sql`
        SELECT s.line, s.customer_code FROM ${s} s
        WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.code = s.customer_code)`,
    },
    {
      reason: (r) => `unknown rep ${r.rep_code}`,
      query: (s) => sql`
        SELECT s.line, s.rep_code FROM ${s} s
        WHERE s.rep_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sales_reps r WHERE r.code = s.rep_code)`,
    },
    {
      reason: (r) => `order ${r.number} exists and was not imported; it is left alone`,
      query: (s) => sql`
        SELECT s.line, s.number FROM ${s} s JOIN orders o ON o.number = s.number AND o.source <> 'import'`,
    },
  ],
  order_lines: [
    {
      reason: (r) => `unknown imported order ${r.order_number}`,
      query: (s) => sql`
        SELECT s.line, s.order_number FROM ${s} s
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.number = s.order_number AND o.source = 'import')`,
    },
    {
      reason: (r) => `unknown product ${r.sku}`,
      query: (s) => sql`
        SELECT s.line, s.sku FROM ${s} s
        WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = s.sku)`,
    },
  ],
};

/** Bad rows the database finds in a staged file: line → reason (first reason wins). */
export async function referenceProblems(
  trx: Transaction<DB>,
  spec: FileSpec,
  stage: string,
  time: PhaseTimer = untimed,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const [i, check] of (CHECKS[spec.name] ?? []).entries()) {
    const rows = await time(`${spec.name}: reference check ${i + 1}`, () =>
      check.query(sql.table(stage)).execute(trx),
    );
    for (const r of rows.rows) {
      const line = Number(r.line);
      if (!out.has(line)) out.set(line, check.reason(r));
    }
  }
  return out;
}

/** Drop bad lines from the staging table (only with --skip-bad-rows). */
export async function dropLines(trx: Transaction<DB>, stage: string, lines: number[]) {
  if (lines.length === 0) return;
  await sql`
    DELETE FROM ${sql.table(stage)} s USING unnest(${lines}::int[]) AS bad(line)
    WHERE s.line = bad.line`.execute(trx);
}

/** Upsert a staged file into its table. */
export async function upsertFile(
  trx: Transaction<DB>,
  spec: FileSpec,
  stage: string,
  time: PhaseTimer = untimed,
  linesStage?: string,
): Promise<UpsertCounts> {
  const s = sql.table(stage);
  switch (spec.name) {
    case 'categories':
      return counted(
        trx,
        sql`
        INSERT INTO product_categories (name) SELECT name FROM ${s}
        ON CONFLICT (name) DO UPDATE SET deleted_at = NULL
        WHERE product_categories.deleted_at IS NOT NULL`,
      );
    case 'teams':
      return counted(
        trx,
        sql`
        INSERT INTO teams (name) SELECT name FROM ${s}
        ON CONFLICT (name) DO UPDATE SET deleted_at = NULL WHERE teams.deleted_at IS NOT NULL`,
      );
    case 'customers':
      return counted(
        trx,
        sql`
        INSERT INTO customers (code, name, email, phone, city, country, customer_group, credit_limit)
        SELECT code, name, email, phone, city, country, customer_group, credit_limit FROM ${s}
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
          phone = EXCLUDED.phone, city = EXCLUDED.city, country = EXCLUDED.country,
          customer_group = EXCLUDED.customer_group, credit_limit = EXCLUDED.credit_limit
        WHERE (customers.name, customers.email, customers.phone, customers.city, customers.country,
               customers.customer_group, customers.credit_limit)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.phone, EXCLUDED.city,
               EXCLUDED.country, EXCLUDED.customer_group, EXCLUDED.credit_limit)`,
      );
    case 'reps':
      return counted(
        trx,
        sql`
        INSERT INTO sales_reps (code, name, email, team_id)
        SELECT s.code, s.name, s.email, t.id FROM ${s} s LEFT JOIN teams t ON t.name = s.team
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
          team_id = EXCLUDED.team_id
        WHERE (sales_reps.name, sales_reps.email, sales_reps.team_id)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.team_id)`,
      );
    case 'products': {
      const counts = await counted(
        trx,
        sql`
        INSERT INTO products (sku, name, category_id, list_price, cost)
        SELECT s.sku, s.name, c.id, s.list_price, s.cost FROM ${s} s
        LEFT JOIN product_categories c ON c.name = s.category
        ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category_id = EXCLUDED.category_id,
          list_price = EXCLUDED.list_price, cost = EXCLUDED.cost
        WHERE (products.name, products.category_id, products.list_price, products.cost)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category_id, EXCLUDED.list_price, EXCLUDED.cost)`,
      );
      // A new product, or a changed price or cost, opens a price-history row.
      await sql`
        INSERT INTO product_price_history (product_id, list_price, cost, valid_from)
        SELECT p.id, p.list_price, p.cost, clock_timestamp()
        FROM ${s} s JOIN products p ON p.sku = s.sku
        LEFT JOIN LATERAL (
          SELECT h.list_price, h.cost FROM product_price_history h WHERE h.product_id = p.id
          ORDER BY h.valid_from DESC, h.id DESC LIMIT 1) h ON true
        WHERE h.list_price IS NULL OR (h.list_price, h.cost) IS DISTINCT FROM (p.list_price, p.cost)`.execute(
        trx,
      );
      return counts;
    }
    case 'orders':
      return upsertOrders(trx, stage, time, linesStage);
    case 'order_lines':
      return upsertOrderLines(trx, stage, time);
  }
}
