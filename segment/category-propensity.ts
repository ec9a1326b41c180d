/**
 * The second tree (issue #16): next-category propensity. For one root product category, will
 * the customer buy from it in the `horizonDays` (90) after the cutoff? Same frame as churn
 * (customer-tree.ts), with one more feature: the days since the customer last bought from that
 * category (as of the cutoff, within the category-mix window).
 *
 * Why not win/loss of opportunities: in the demo an opportunity is lost at each stage with a
 * fixed chance, whatever its customer, value or rep (db/demo/crm.ts), so a win/loss tree could
 * only learn noise there and never be shown to beat its baseline on the demo.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../api/errors.ts';
import { rootCategoryNamed, type CategoryRef } from './as-of-features.ts';
import {
  fitCustomerTree,
  loadCustomerData,
  type CustomerData,
  type CustomerFitOptions,
  type CustomerScore,
  type CustomerTreeOptions,
  type TreeRunSummary,
} from './customer-tree.ts';

/** The propensity tree's options. */
export interface CategoryPropensityOptions extends CustomerTreeOptions {
  /** The root category's name; default the one with the most spend in the mix window. */
  category?: string;
}

/** The propensity run; a score's probability is that of buying from the category. */
export interface CategoryPropensityResult extends TreeRunSummary {
  kind: 'category_propensity';
  category: CategoryRef;
  scores: CustomerScore[];
}

/** The root category named `name`; 422 when there is none. */
export async function categoryNamed(conn: DuckDBConnection, name: string): Promise<CategoryRef> {
  const found = await rootCategoryNamed(conn, name);
  if (found) return found;
  throw new AppError('unprocessable', `no root product category is named ${JSON.stringify(name)}`);
}

/** Train, measure and score the propensity tree on the warehouse behind `conn` (reads only). */
export async function runCategoryPropensityTree(
  conn: DuckDBConnection,
  options: CategoryPropensityOptions = {},
): Promise<CategoryPropensityResult> {
  const named =
    options.category === undefined ? undefined : await categoryNamed(conn, options.category);
  const data = await loadCustomerData(conn, options, named);
  return categoryPropensityTree(conn, data, named, options);
}

/**
 * The propensity tree on loaded data, for `category` (default: the mix's first). The data must
 * have been loaded with the category as its focus when it is not in the mix.
 */
export async function categoryPropensityTree(
  conn: DuckDBConnection,
  data: CustomerData,
  category: CategoryRef | undefined,
  options: CustomerFitOptions = {},
): Promise<CategoryPropensityResult> {
  const target = category ?? data.atCutoff.mixCategories[0];
  if (!target) throw new AppError('conflict', 'no product category was bought before the cutoff');
  const buyers = await categoryBuyers(conn, target, data.cutoff, data.windowEnd);
  const ownDaysSince = `days_since_category_${target.id}`;
  const run = fitCustomerTree(
    data,
    {
      classes: ['does not buy', 'buys'],
      outcome: `buys ${target.name}`,
      labels: Uint8Array.from(data.atCutoff.customerIds, (id) => (buyers.has(id) ? 1 : 0)),
      useFeature: (name) => !name.startsWith('days_since_category_') || name === ownDaysSince,
    },
    options,
  );
  if (!run.features.some((f) => f.name === ownDaysSince))
    throw new RangeError(`the data was not loaded with ${target.name} as its focus`);
  return { kind: 'category_propensity', category: target, ...run };
}

/** Customers who bought (net of returns) from the category on a day in (from, to]. */
async function categoryBuyers(
  conn: DuckDBConnection,
  category: CategoryRef,
  from: string,
  to: string,
): Promise<Set<number>> {
  const r = await conn.runAndReadAll(
    `SELECT DISTINCT CAST(l.customer_id AS DOUBLE) AS id
     FROM core.fct_order_lines AS l
     JOIN core.dim_products AS d ON d.product_id = l.product_id
     WHERE l.is_revenue AND l.net_quantity > 0
       AND coalesce(d.category_path[1], d.category_id) = $3
       AND l.order_date > CAST($1 AS DATE) AND l.order_date <= CAST($2 AS DATE)`,
    [from, to, category.id],
  );
  return new Set(r.getColumnsJS()[0] as number[]);
}
