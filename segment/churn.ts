/**
 * The churn tree (issue #16): a customer churned at the cutoff day when they placed no revenue
 * order in the `horizonDays` (90) after it. The cutoff, the features (as of the cutoff, nothing
 * later), the 80/20 split and the scoring of current customers are customer-tree.ts's; the
 * churn probability of a customer is the share of churners in their leaf.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  fitCustomerTree,
  loadCustomerData,
  type CustomerData,
  type CustomerFitOptions,
  type CustomerTreeOptions,
  type TreeRunSummary,
} from './customer-tree.ts';

/** One current customer's churn risk. */
export interface ChurnScore {
  customerId: number;
  customerCode: string;
  /** Share of churners among the training customers in the same leaf, 0…1. */
  churnProbability: number;
  /** The leaf (and so the rule) the customer falls in, 1… */
  leaf: number;
}

/** The churn run: what meta.ml_runs and mart_churn_scores need. */
export interface ChurnResult extends TreeRunSummary {
  kind: 'churn';
  scores: ChurnScore[];
}

/** Train, measure and score the churn tree on the warehouse behind `conn` (reads only). */
export async function runChurnTree(
  conn: DuckDBConnection,
  options: CustomerTreeOptions = {},
): Promise<ChurnResult> {
  return churnTree(conn, await loadCustomerData(conn, options), options);
}

/** The churn tree on loaded data (customer-trees.ts shares one load between both trees). */
export async function churnTree(
  conn: DuckDBConnection,
  data: CustomerData,
  options: CustomerFitOptions = {},
): Promise<ChurnResult> {
  const buyers = await customersWithOrders(conn, data.cutoff, data.windowEnd);
  const run = fitCustomerTree(
    data,
    {
      classes: ['stays', 'churns'],
      outcome: 'churn',
      labels: Uint8Array.from(data.atCutoff.customerIds, (id) => (buyers.has(id) ? 0 : 1)),
      // Days since each mix category was last bought are the propensity tree's.
      useFeature: (name) => !name.startsWith('days_since_category_'),
    },
    options,
  );
  return {
    kind: 'churn',
    ...run,
    scores: run.scores.map((s) => ({
      customerId: s.customerId,
      customerCode: s.customerCode,
      churnProbability: s.probability,
      leaf: s.leaf,
    })),
  };
}

/** Customers with a revenue order on a day in (from, to]. */
async function customersWithOrders(
  conn: DuckDBConnection,
  from: string,
  to: string,
): Promise<Set<number>> {
  const r = await conn.runAndReadAll(
    `SELECT DISTINCT CAST(customer_id AS DOUBLE) AS id FROM core.fct_orders
     WHERE is_revenue AND order_date > CAST($1 AS DATE) AND order_date <= CAST($2 AS DATE)`,
    [from, to],
  );
  return new Set(r.getColumnsJS()[0] as number[]);
}
