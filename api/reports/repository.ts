/**
 * The report queries, against the marts only (models/marts). Money is summed exact and cast to
 * DECIMAL(38,2) last, which DuckDB rounds half away from zero — the presentation rule of
 * docs/metrics.md. Ids the caller is limited to are inlined after an integer check (they come from
 * our own database), everything a user typed is a bound parameter.
 */
import type { DuckDBValue, Json } from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import type { SalesGroup } from './schemas.ts';
import { queryWarehouse } from './warehouse.ts';

type Rows = Promise<Record<string, Json>[]>;

// code: the business key beside the name (teams and categories have none in the schema).
const SALES_KEYS: Record<SalesGroup, { key: string; code: string; label: string }> = {
  year: { key: 'CAST(order_year AS VARCHAR)', code: 'NULL', label: 'CAST(order_year AS VARCHAR)' },
  month: {
    key: "strftime(order_month, '%Y-%m')",
    code: 'NULL',
    label: "strftime(order_month, '%Y-%m')",
  },
  day: {
    key: "strftime(order_date, '%Y-%m-%d')",
    code: 'NULL',
    label: "strftime(order_date, '%Y-%m-%d')",
  },
  category: { key: 'category_id', code: 'NULL', label: 'category_name' },
  product: { key: 'product_id', code: 'sku', label: 'product_name' },
  customer: { key: 'customer_id', code: 'customer_code', label: 'customer_name' },
  rep: { key: 'rep_id', code: 'rep_code', label: 'rep_name' },
  team: { key: 'team_id', code: 'NULL', label: 'team_name' },
  country: { key: 'country', code: 'country', label: 'country' },
};

function idList(ids: readonly number[]): string {
  if (!ids.every((n) => Number.isSafeInteger(n))) throw new Error('ids must be integers');
  return `[${ids.join(', ')}]::BIGINT[]`;
}

/**
 * Filters of a sales report; `rep` is the rep's id (resolved from its code), `reps` null = every
 * rep visible (otherwise only orders by these reps).
 */
export interface SalesFilter {
  groupBy: SalesGroup;
  from?: string;
  to?: string;
  category?: number;
  team?: number;
  rep?: number;
  country?: string;
  reps: readonly number[] | null;
}

/** Revenue, distinct orders and units per group, sorted by key (nulls last). */
export function salesByGroup(ctx: AppContext, f: SalesFilter): Rows {
  const where: string[] = [];
  const params: DuckDBValue[] = [];
  const bind = (v: DuckDBValue) => `$${params.push(v)}`;
  if (f.from) where.push(`order_date >= CAST(${bind(f.from)} AS DATE)`);
  if (f.to) where.push(`order_date <= CAST(${bind(f.to)} AS DATE)`);
  // A category includes its subcategories (category_path holds the ancestors).
  if (f.category !== undefined)
    where.push(`list_contains(category_path, CAST(${bind(f.category)} AS BIGINT))`);
  if (f.team !== undefined) where.push(`team_id = CAST(${bind(f.team)} AS BIGINT)`);
  if (f.rep !== undefined) where.push(`rep_id = CAST(${bind(f.rep)} AS BIGINT)`);
  if (f.country !== undefined) where.push(`country = CAST(${bind(f.country)} AS VARCHAR)`);
  if (f.reps) where.push(`list_contains(${idList(f.reps)}, rep_id)`);
  const { key, code, label } = SALES_KEYS[f.groupBy];
  return queryWarehouse(
    ctx,
    ['marts.mart_sales_lines'],
    `SELECT ${key} AS key, any_value(${code}) AS code, any_value(${label}) AS label,
            CAST(CAST(sum(revenue) AS DECIMAL(38, 2)) AS VARCHAR) AS revenue,
            count(DISTINCT order_id) AS orders,
            sum(units) AS units
     FROM marts.mart_sales_lines
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY 1
     ORDER BY 1 NULLS LAST`,
    params,
  );
}

/**
 * Team report rows of one period; `rep` (an id) keeps that rep's row only; `reps` null = all,
 * else those reps and their teams.
 */
export function teamPerformance(
  ctx: AppContext,
  f: {
    periodType: string;
    period: string;
    team?: number;
    rep?: number;
    reps: readonly number[] | null;
  },
): Rows {
  const params: DuckDBValue[] = [f.periodType, f.period];
  const where = ['period_type = $1', 'period_label = $2'];
  if (f.team !== undefined) where.push(`team_id = CAST($${params.push(f.team)} AS BIGINT)`);
  if (f.rep !== undefined)
    where.push(`level = 'rep' AND rep_id = CAST($${params.push(f.rep)} AS BIGINT)`);
  if (f.reps) {
    const reps = idList(f.reps);
    where.push(`((level = 'rep' AND list_contains(${reps}, rep_id)) OR (level = 'team' AND
      team_id IN (SELECT team_id FROM core.dim_reps WHERE list_contains(${reps}, rep_id))))`);
  }
  const money = (c: string) => `CAST(CAST(${c} AS DECIMAL(38, 2)) AS VARCHAR) AS ${c}`;
  return queryWarehouse(
    ctx,
    ['marts.mart_team_performance', 'core.dim_reps'],
    `SELECT level, team_id, team_name, rep_id, rep_name, ${money('revenue')}, orders,
            ${money('quota')}, attainment, ${money('pipeline_value')},
            ${money('weighted_pipeline')}, won, lost, win_rate, ${money('average_deal_size')},
            sales_cycle_days, activities_done
     FROM marts.mart_team_performance
     WHERE ${where.join(' AND ')}
     ORDER BY team_name NULLS LAST, team_id, level = 'rep', rep_name, rep_id`,
    params,
  );
}

/** Inventory health rows, sorted by SKU then warehouse code. */
export function inventoryHealth(
  ctx: AppContext,
  f: { warehouse?: number; category?: number; belowReorderPoint?: boolean },
): Rows {
  const params: DuckDBValue[] = [];
  const where: string[] = [];
  if (f.warehouse !== undefined)
    where.push(`i.warehouse_id = CAST($${params.push(f.warehouse)} AS BIGINT)`);
  if (f.category !== undefined)
    where.push(`list_contains(p.category_path, CAST($${params.push(f.category)} AS BIGINT))`);
  if (f.belowReorderPoint !== undefined)
    where.push(`i.below_reorder_point IS NOT DISTINCT FROM $${params.push(f.belowReorderPoint)}`);
  return queryWarehouse(
    ctx,
    ['marts.mart_inventory_health', 'core.dim_products'],
    `SELECT i.*, strftime(i.as_of_date, '%Y-%m-%d') AS as_of
     FROM marts.mart_inventory_health AS i
     LEFT JOIN core.dim_products AS p ON p.product_id = i.product_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY i.sku NULLS LAST, i.warehouse_code NULLS LAST, i.product_id, i.warehouse_id`,
    params,
  );
}
