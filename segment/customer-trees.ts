/**
 * Both customer trees from one load of the warehouse: the feature SQL is most of their cost at
 * 100,000 customers (bench/segment.ts), and both read the same features as of the same
 * cutoff and latest day.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  categoryNamed,
  categoryPropensityTree,
  type CategoryPropensityOptions,
  type CategoryPropensityResult,
} from './category-propensity.ts';
import { churnTree, type ChurnResult } from './churn.ts';
import { loadCustomerData } from './customer-tree.ts';

/** The churn and the propensity run. */
export interface CustomerTreesResult {
  churn: ChurnResult;
  propensity: CategoryPropensityResult;
}

/** Run the churn and the propensity tree (options as the propensity tree's; reads only). */
export async function runCustomerTrees(
  conn: DuckDBConnection,
  options: CategoryPropensityOptions = {},
): Promise<CustomerTreesResult> {
  const named =
    options.category === undefined ? undefined : await categoryNamed(conn, options.category);
  const data = await loadCustomerData(conn, options, named);
  return {
    churn: await churnTree(conn, data, options),
    propensity: await categoryPropensityTree(conn, data, named, options),
  };
}
