/**
 * Report rules: who sees which rows (a manager only their team's reps, through the same
 * visibleRepIds as the rest of the API) and the mapping of mart rows to API rows.
 */
import { defaultVars } from '../../models/engine/runner.ts';
import type { Principal } from '../auth/principal.ts';
import { visibleRepIds } from '../auth/scope.ts';
import type { AppContext } from '../../context.ts';
import { repIdByCode } from './filters.ts';
import * as repo from './repository.ts';
import type { InventoryRow, SalesGroup, SalesRow, TeamRow } from './schemas.ts';
import { toInt, toRatio } from './warehouse.ts';

const ID_GROUPS = new Set<SalesGroup>(['category', 'product', 'customer', 'rep', 'team']);
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** GET /reports/sales. */
export async function salesReport(
  ctx: AppContext,
  principal: Principal,
  q: {
    groupBy: SalesGroup;
    from?: string;
    to?: string;
    category?: number;
    team?: number;
    rep?: string;
    country?: string;
  },
) {
  const rep = q.rep === undefined ? undefined : await repIdByCode(ctx.ops.db, q.rep);
  const reps = await visibleRepIds(ctx.ops.db, principal);
  const rows = await repo.salesByGroup(ctx, { ...q, rep, reps });
  return {
    groupBy: q.groupBy,
    from: q.from ?? null,
    to: q.to ?? null,
    category: q.category ?? null,
    team: q.team ?? null,
    rep: q.rep ?? null,
    country: q.country ?? null,
    rows: rows.map((r): SalesRow => ({
      key: ID_GROUPS.has(q.groupBy) ? toInt(r.key) : str(r.key),
      code: str(r.code),
      label: str(r.label),
      revenue: String(r.revenue),
      orders: toInt(r.orders) ?? 0,
      units: toInt(r.units) ?? 0,
    })),
  };
}

/** `2026-03` → month, `2026-Q1` → quarter, `2026` → year. */
export function periodTypeOf(period: string): 'month' | 'quarter' | 'year' {
  return period.includes('Q') ? 'quarter' : period.length === 4 ? 'year' : 'month';
}

/** GET /reports/team. */
export async function teamReport(
  ctx: AppContext,
  principal: Principal,
  q: { period?: string; team?: number; rep?: string },
) {
  const period = q.period ?? defaultVars(ctx.config.timezone).as_of!.slice(0, 7);
  const periodType = periodTypeOf(period);
  const rep = q.rep === undefined ? undefined : await repIdByCode(ctx.ops.db, q.rep);
  const reps = await visibleRepIds(ctx.ops.db, principal);
  const rows = await repo.teamPerformance(ctx, { periodType, period, team: q.team, rep, reps });
  return {
    period,
    periodType,
    rows: rows.map((r): TeamRow => ({
      level: r.level as 'team' | 'rep',
      teamId: toInt(r.team_id),
      teamName: str(r.team_name),
      repId: toInt(r.rep_id),
      repName: str(r.rep_name),
      revenue: String(r.revenue),
      orders: toInt(r.orders) ?? 0,
      quota: str(r.quota),
      attainment: toRatio(r.attainment, 4),
      pipelineValue: String(r.pipeline_value),
      weightedPipeline: String(r.weighted_pipeline),
      won: toInt(r.won) ?? 0,
      lost: toInt(r.lost) ?? 0,
      winRate: toRatio(r.win_rate, 4),
      averageDealSize: str(r.average_deal_size),
      salesCycleDays: toRatio(r.sales_cycle_days, 1),
      activitiesDone: toInt(r.activities_done) ?? 0,
    })),
  };
}

/** GET /reports/inventory (not team-scoped: stock belongs to no team). */
export async function inventoryReport(
  ctx: AppContext,
  q: { warehouse?: number; category?: number; belowReorderPoint?: 'true' | 'false' },
) {
  const rows = await repo.inventoryHealth(ctx, {
    warehouse: q.warehouse,
    category: q.category,
    belowReorderPoint:
      q.belowReorderPoint === undefined ? undefined : q.belowReorderPoint === 'true',
  });
  return {
    asOf: str(rows[0]?.as_of),
    rows: rows.map((r): InventoryRow => ({
      productId: toInt(r.product_id)!,
      sku: str(r.sku),
      productName: str(r.product_name),
      categoryName: str(r.category_name),
      warehouseId: toInt(r.warehouse_id)!,
      warehouseCode: str(r.warehouse_code),
      onHand: toInt(r.on_hand) ?? 0,
      reserved: toInt(r.reserved) ?? 0,
      available: toInt(r.available) ?? 0,
      unitsShipped30d: toInt(r.units_shipped_30d) ?? 0,
      unitsShipped90d: toInt(r.units_shipped_90d) ?? 0,
      avgDailyDemand30d: toRatio(r.avg_daily_demand_30d, 4) ?? 0,
      avgDailyDemand90d: toRatio(r.avg_daily_demand_90d, 4) ?? 0,
      daysOfCover30d: toRatio(r.days_of_cover_30d, 1),
      daysOfCover90d: toRatio(r.days_of_cover_90d, 1),
      reorderPoint: toInt(r.reorder_point),
      reorderPointSource: str(r.reorder_point_source) as InventoryRow['reorderPointSource'],
      reorderQuantity: toInt(r.reorder_quantity),
      belowReorderPoint: r.below_reorder_point === null ? null : Boolean(r.below_reorder_point),
      suggestedReorderQuantity: toInt(r.suggested_reorder_quantity),
    })),
  };
}
