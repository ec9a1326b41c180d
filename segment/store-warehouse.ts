/**
 * Where a segmentation run lands in the warehouse: the `ml` schema, beside the models rather
 * than in `marts` — the model engine owns `marts` and replaces its tables on every build, while
 * these are written by JavaScript once per run and kept for the last runs (dashboards compare the
 * newest two). A run's rows and its `meta.ml_runs` records commit in one DuckDB transaction, so a
 * run id that appears anywhere in `ml` is a whole run.
 *
 * - ml.mart_customer_segments  RFM segment and scores per customer per run (mart_customer_rfm)
 * - ml.mart_customer_clusters  k-means cluster and label per customer per run
 * - ml.mart_churn_scores       churn probability, leaf and its rule per customer per run
 * - ml.mart_price_suggestions  category elasticities and product price suggestions per run
 * - meta.ml_runs               one row per run and kind (clusters, churn, propensity, prices):
 *                              metrics, rules, features, dates — the run record
 * - ml.runs, ml.tree_rules     read-only views of meta.ml_runs for dashboards and analysts, who
 *                              may not read `meta` (warehouse/read/guard.ts)
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from '../models/engine/duck.ts';

/** How many runs the warehouse (and customer_scores in PostgreSQL) keeps. */
export const KEEP_RUNS = 30;

const DDL = `
CREATE SCHEMA IF NOT EXISTS ml;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.ml_runs (
  run_id BIGINT, kind VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
  as_of DATE, cutoff DATE, horizon_days INTEGER,
  metrics JSON, rules JSON, features JSON, params JSON, detail JSON);
CREATE TABLE IF NOT EXISTS ml.mart_customer_segments (
  run_id BIGINT, as_of DATE, customer_id BIGINT, customer_code VARCHAR, customer_name VARCHAR,
  segment VARCHAR, recency_score INTEGER, frequency_score INTEGER, monetary_score INTEGER,
  rfm_cell VARCHAR, orders BIGINT, revenue DECIMAL(38, 2), days_since_last_order INTEGER);
CREATE TABLE IF NOT EXISTS ml.mart_customer_clusters (
  run_id BIGINT, customer_id BIGINT, customer_code VARCHAR, cluster INTEGER, label VARCHAR,
  days_since_last_order INTEGER, orders BIGINT, revenue DECIMAL(38, 2));
CREATE TABLE IF NOT EXISTS ml.mart_churn_scores (
  run_id BIGINT, customer_id BIGINT, customer_code VARCHAR, churn_probability DOUBLE,
  leaf INTEGER, rule VARCHAR);
CREATE TABLE IF NOT EXISTS ml.mart_price_suggestions (
  run_id BIGINT, level VARCHAR, category VARCHAR, product_id BIGINT, sku VARCHAR,
  product_name VARCHAR, elasticity DOUBLE, r2 DOUBLE, periods INTEGER,
  list_price DECIMAL(18, 4), suggested_price DECIMAL(18, 2), price_change DOUBLE,
  units_change DOUBLE, revenue_change DOUBLE, margin_change DOUBLE, reason VARCHAR, item JSON);
CREATE OR REPLACE VIEW ml.runs AS
  SELECT run_id, kind, started_at, finished_at, as_of, cutoff, horizon_days, metrics, features,
         params
  FROM meta.ml_runs;
CREATE OR REPLACE VIEW ml.tree_rules AS
  SELECT run_id, kind,
         CAST(unnest(range(1, CAST(json_array_length(rules) AS BIGINT) + 1)) AS INTEGER) AS leaf,
         unnest(CAST(rules AS VARCHAR[])) AS rule
  FROM meta.ml_runs
  WHERE kind IN ('churn', 'propensity');
`;

/** Create the ml schema, its tables and views, and meta.ml_runs when missing. */
export async function ensureMlTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(DDL);
}

/** One kind's run record (meta.ml_runs). */
export interface MlRunRecord {
  kind: 'clusters' | 'churn' | 'propensity' | 'prices';
  cutoff?: string | null;
  horizonDays?: number | null;
  metrics: unknown;
  rules?: readonly string[] | null;
  features?: unknown;
  params?: unknown;
  detail?: unknown;
}

/** A price item as stored: the API's JSON item, plus the columns a panel sorts and filters by. */
export interface StoredPriceRow {
  level: 'category' | 'product';
  category: string | null;
  productId: number | null;
  sku: string | null;
  productName: string | null;
  elasticity: number | null;
  r2: number | null;
  periods: number;
  listPrice: string | null;
  suggestedPrice: string | null;
  priceChange: number | null;
  unitsChange: number | null;
  revenueChange: number | null;
  marginChange: number | null;
  reason: string | null;
  item: unknown;
}

/** What one run writes to the warehouse. */
export interface WarehouseRun {
  runId: number;
  startedAt: Date;
  finishedAt: Date;
  asOf: string;
  clusters: readonly { customerId: number; cluster: number; label: string }[];
  churn: readonly { customerId: number; probability: number; leaf: number }[];
  /** The churn tree's rules, by leaf (leaf 1 is rules[0]). */
  churnRules: readonly string[];
  prices: readonly StoredPriceRow[];
  records: readonly MlRunRecord[];
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** Append `rows` to temp table `table`; `appendRow` appends one row's values in column order. */
async function appendTemp<T>(
  conn: DuckDBConnection,
  table: string,
  rows: readonly T[],
  appendRow: (appender: DuckDBAppender, row: T) => void,
): Promise<void> {
  const appender = await conn.createAppender(table, 'main', 'temp');
  for (const row of rows) {
    appendRow(appender, row);
    appender.endRow();
  }
  appender.closeSync();
}

/** Stage per-customer results in temp tables through DuckDB's appender (100,000 rows in ~0.1 s). */
async function stage(conn: DuckDBConnection, run: WarehouseRun): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE seg_clusters (customer_id BIGINT, cluster INTEGER, label VARCHAR);
    CREATE OR REPLACE TEMP TABLE seg_churn (customer_id BIGINT, p DOUBLE, leaf INTEGER);`);
  await appendTemp(conn, 'seg_clusters', run.clusters, (appender, c) => {
    appender.appendBigInt(BigInt(c.customerId));
    appender.appendInteger(c.cluster);
    appender.appendVarchar(c.label);
  });
  await appendTemp(conn, 'seg_churn', run.churn, (appender, c) => {
    appender.appendBigInt(BigInt(c.customerId));
    appender.appendDouble(c.probability);
    appender.appendInteger(c.leaf);
  });
}

async function insertPrices(conn: DuckDBConnection, run: WarehouseRun): Promise<void> {
  // A few hundred rows: one prepared INSERT per row is plenty.
  const insert = await conn.prepare(
    `INSERT INTO ml.mart_price_suggestions VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
       CAST($10 AS DECIMAL(18, 4)), CAST($11 AS DECIMAL(18, 2)), $12, $13, $14, $15, $16, CAST($17 AS JSON))`,
  );
  for (const p of run.prices) {
    insert.bind([
      run.runId,
      p.level,
      p.category,
      p.productId,
      p.sku,
      p.productName,
      p.elasticity,
      p.r2,
      p.periods,
      p.listPrice,
      p.suggestedPrice,
      p.priceChange,
      p.unitsChange,
      p.revenueChange,
      p.marginChange,
      p.reason,
      json(p.item),
    ]);
    await insert.run();
  }
  insert.destroySync();
}

async function insertRecords(conn: DuckDBConnection, run: WarehouseRun): Promise<void> {
  for (const r of run.records) {
    await conn.run(
      `INSERT INTO meta.ml_runs VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ),
         CAST($5 AS DATE), CAST($6 AS DATE), $7, CAST($8 AS JSON), CAST($9 AS JSON),
         CAST($10 AS JSON), CAST($11 AS JSON), CAST($12 AS JSON))`,
      [
        run.runId,
        r.kind,
        run.startedAt.toISOString(),
        run.finishedAt.toISOString(),
        run.asOf,
        r.cutoff ?? null,
        r.horizonDays ?? null,
        json(r.metrics),
        json(r.rules),
        json(r.features),
        json(r.params),
        json(r.detail),
      ],
    );
  }
}

const ML_TABLES = [
  'ml.mart_customer_segments',
  'ml.mart_customer_clusters',
  'ml.mart_churn_scores',
  'ml.mart_price_suggestions',
  'meta.ml_runs',
];

/**
 * Write one run (and forget the runs beyond the last KEEP_RUNS) in one transaction. The RFM
 * snapshot is copied from marts.mart_customer_rfm as it is now; clusters and churn scores join the
 * customer's code and figures from marts.mart_customer_value.
 */
export async function writeWarehouseRun(conn: DuckDBConnection, run: WarehouseRun): Promise<void> {
  await ensureMlTables(conn);
  await inTransaction(conn, async () => {
    await stage(conn, run);
    const id = run.runId;
    const asOf = `CAST('${run.asOf.replace(/[^0-9-]/g, '')}' AS DATE)`;
    await conn.run(
      `INSERT INTO ml.mart_customer_segments
       SELECT ${id}, ${asOf}, r.customer_id, r.customer_code, v.customer_name, r.segment,
              r.recency_score, r.frequency_score, r.monetary_score, r.rfm_cell, v.orders,
              CAST(v.revenue AS DECIMAL(38, 2)), v.days_since_last_order
       FROM marts.mart_customer_rfm AS r JOIN marts.mart_customer_value AS v USING (customer_id);
       INSERT INTO ml.mart_customer_clusters
       SELECT ${id}, s.customer_id, v.customer_code, s.cluster, s.label, v.days_since_last_order,
              v.orders, CAST(v.revenue AS DECIMAL(38, 2))
       FROM temp.seg_clusters AS s JOIN marts.mart_customer_value AS v USING (customer_id);`,
    );
    // The rule text of each leaf, bound (one statement: DuckDB binds no parameters across several).
    await conn.run(
      `INSERT INTO ml.mart_churn_scores
       SELECT ${id}, s.customer_id, v.customer_code, s.p, s.leaf,
              list_extract(CAST(CAST($1 AS JSON) AS VARCHAR[]), s.leaf)
       FROM temp.seg_churn AS s JOIN marts.mart_customer_value AS v USING (customer_id)`,
      [json(run.churnRules)],
    );
    await insertPrices(conn, run);
    await insertRecords(conn, run);
    for (const table of ML_TABLES) {
      await conn.run(
        `DELETE FROM ${table} WHERE run_id NOT IN
           (SELECT DISTINCT run_id FROM meta.ml_runs ORDER BY run_id DESC LIMIT ${KEEP_RUNS})`,
      );
    }
    await conn.run('DROP TABLE temp.seg_clusters; DROP TABLE temp.seg_churn;');
  });
}

/** One customer's scores of a run, as PostgreSQL's customer_scores stores them. */
export interface CustomerScoreRow {
  customerId: number;
  segment: string | null;
  recencyScore: number | null;
  frequencyScore: number | null;
  monetaryScore: number | null;
  cluster: number | null;
  clusterLabel: string | null;
  /** 0…1, four places. */
  churnRisk: string | null;
}

/** Read a written run back per customer, for the write-back into PostgreSQL. */
export async function readCustomerScores(
  conn: DuckDBConnection,
  runId: number,
): Promise<CustomerScoreRow[]> {
  const reader = await conn.runAndReadAll(
    `SELECT CAST(customer_id AS DOUBLE) AS customer_id, s.segment, s.recency_score,
            s.frequency_score, s.monetary_score, c.cluster, c.label,
            CAST(CAST(round(h.churn_probability, 4) AS DECIMAL(5, 4)) AS VARCHAR) AS churn_risk
     FROM (SELECT * FROM ml.mart_customer_segments WHERE run_id = $1) AS s
     FULL JOIN (SELECT * FROM ml.mart_customer_clusters WHERE run_id = $1) AS c USING (customer_id)
     FULL JOIN (SELECT * FROM ml.mart_churn_scores WHERE run_id = $1) AS h USING (customer_id)
     ORDER BY customer_id`,
    [runId],
  );
  return reader.getRows().map((r) => ({
    customerId: Number(r[0]),
    segment: (r[1] as string | null) ?? null,
    recencyScore: r[2] === null ? null : Number(r[2]),
    frequencyScore: r[3] === null ? null : Number(r[3]),
    monetaryScore: r[4] === null ? null : Number(r[4]),
    cluster: r[5] === null ? null : Number(r[5]),
    clusterLabel: (r[6] as string | null) ?? null,
    churnRisk: (r[7] as string | null) ?? null,
  }));
}
