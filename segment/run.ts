/**
 * One segmentation run, end to end (issue #16): read the built customer marts, cluster the
 * customers, fit and score the churn and propensity trees, fit the price elasticities; write the
 * run to the warehouse's `ml` schema (one DuckDB transaction), then its per-customer scores to
 * the CRM's `customer_scores` (one PostgreSQL transaction). The `segment` job and `salesops
 * segment` run this; they hold the warehouse's turn while it runs.
 *
 * A part the data cannot support yet (a handful of customers, no order history 90 days back) is
 * skipped with its reason in the run's summary instead of failing the run: a new business still
 * gets its RFM segments the day it has orders.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kysely } from 'kysely';
import { AppError } from '../api/errors.ts';
import type { DB } from '../db/schema.ts';
import { runCustomerClusters, type ClusterResult, type ClusterRunOptions } from './clusters.ts';
import type { CategoryPropensityOptions } from './category-propensity.ts';
import { runCustomerTrees, type CustomerTreesResult } from './customer-trees.ts';
import { KMeansError } from './kmeans.ts';
import { readPriceSuggestions, type PriceAnalysisOptions } from './price-suggestions.ts';
import type { TreeSettings } from './tree-settings.ts';
import { priceRows } from './price-rows.ts';
import { closeAbandonedRuns, failRun, finishRun, openRun } from './store-crm.ts';
import {
  readCustomerScores,
  writeWarehouseRun,
  type MlRunRecord,
  type WarehouseRun,
} from './store-warehouse.ts';

/** What a run may be told; every part has its defaults. */
export interface SegmentRunOptions {
  clusters?: ClusterRunOptions;
  trees?: CategoryPropensityOptions;
  prices?: PriceAnalysisOptions;
}

/** What a run needs from its caller. */
export interface SegmentRunDeps {
  db: Kysely<DB>;
  conn: DuckDBConnection;
  say?: (line: string) => void;
  progress?: (p: Readonly<Record<string, unknown>>) => void;
  signal?: AbortSignal;
}

/** The run's summary: what segment_runs.summary, the job's detail and the CLI show. */
export interface SegmentSummary {
  runId: number;
  asOf: string;
  customers: number;
  segments: Record<string, number>;
  clusters: { k: number; silhouette: number; sizes: number[]; labels: string[] } | null;
  churn: TreeFigures | null;
  propensity: (TreeFigures & { category: string }) | null;
  prices: { categories: number; products: number; suggested: number };
  /** Parts left out, with why (too little data). */
  skipped: Record<string, string>;
  durationMs: number;
}

interface TreeFigures {
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  baseline: number | null;
  cutoff: string;
  leaves: number;
  /** How the tree was grown (SALESOPS_SEGMENT_TREE_DEPTH / _MIN_SAMPLES, or the run's own). */
  settings: TreeSettings;
  /**
   * Accuracy above the majority baseline on the holdout. A tree that does not clear it has
   * learnt nothing to act on: its scores are kept for the record, but no churn follow-up is
   * created from them (api/activities/followup).
   */
  beatsBaseline: boolean;
}

/** The relations a run reads; missing ones mean the models were never built here. */
const NEEDED = ['marts.mart_customer_rfm', 'marts.mart_customer_value', 'core.fct_orders'];

/** Thrown when the run cannot start; the job reports it as skipped, the CLI as one line. */
export class NothingToSegment extends Error {}

async function rfmFacts(
  conn: DuckDBConnection,
): Promise<{ asOf: string | null; segments: Record<string, number> }> {
  for (const name of NEEDED) {
    const [schema, table] = name.split('.');
    const found = await conn.runAndReadAll(
      `SELECT 1 FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2
       UNION ALL SELECT 1 FROM duckdb_views() WHERE schema_name = $1 AND view_name = $2`,
      [schema!, table!],
    );
    if (found.currentRowCount === 0)
      throw new NothingToSegment(`${name} is not built yet: the build job makes it`);
  }
  const rows = (
    await conn.runAndReadAll(
      `SELECT segment, count(*)::INTEGER AS n, CAST(max(v.as_of_date) AS VARCHAR) AS as_of
       FROM marts.mart_customer_rfm JOIN marts.mart_customer_value AS v USING (customer_id)
       GROUP BY segment ORDER BY segment`,
    )
  ).getRows();
  return {
    asOf: rows.length
      ? String(rows.reduce((a, r) => (String(r[2]) > a ? String(r[2]) : a), ''))
      : null,
    segments: Object.fromEntries(rows.map((r) => [String(r[0]), Number(r[1])])),
  };
}

/** Not enough data for a part: its own errors say so in words. */
function tooLittleData(e: unknown): string | null {
  if (e instanceof KMeansError) return e.message;
  if (e instanceof AppError && (e.code === 'conflict' || e.code === 'unprocessable'))
    return e.message;
  if (e instanceof RangeError && /no customers|no training rows/.test(e.message)) return e.message;
  return null;
}

async function part<T>(
  name: string,
  skipped: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    const why = tooLittleData(e);
    if (why === null) throw e;
    skipped[name] = why;
    return null;
  }
}

function treeFigures(
  t: CustomerTreesResult['churn'] | CustomerTreesResult['propensity'],
): TreeFigures {
  const m = t.metrics;
  return {
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    baseline: m.baseline,
    cutoff: t.cutoff,
    leaves: t.rules.length,
    settings: { maxDepth: t.tree.options.maxDepth, minNumSamples: t.tree.options.minNumSamples },
    beatsBaseline: m.accuracy !== null && m.baseline !== null && m.accuracy > m.baseline,
  };
}

function treeRecord(
  kind: 'churn' | 'propensity',
  t: CustomerTreesResult['churn'] | CustomerTreesResult['propensity'],
): MlRunRecord {
  return {
    kind,
    cutoff: t.cutoff,
    horizonDays: t.horizonDays,
    metrics: { ...t.metrics, training: t.training },
    // How the tree was grown: SALESOPS_SEGMENT_TREE_DEPTH and friends, or a manual run's own.
    params: { ...t.tree.options },
    rules: t.rules,
    features: t.features,
    detail: {
      tree: t.tree,
      scoredAsOf: t.scoredAsOf,
      mixCategories: t.mixCategories,
      ...('category' in t && { category: t.category }),
    },
  };
}

function clusterRecord(c: ClusterResult): MlRunRecord {
  const { clusters, silhouettes, ...rest } = c.run;
  return {
    kind: 'clusters',
    metrics: { k: rest.k, inertia: rest.inertia, sizes: rest.sizes, silhouettes },
    features: rest.features,
    params: {
      seed: rest.seed,
      restarts: rest.restarts,
      sampleSize: rest.sampleSize,
      kRange: rest.kRange,
    },
    detail: { clusters, customers: rest.customers },
  };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Run everything once and write it back; throws NothingToSegment when there is nothing yet. */
export async function runSegmentation(
  deps: SegmentRunDeps,
  options: SegmentRunOptions = {},
): Promise<SegmentSummary> {
  const { db, conn, signal } = deps;
  const say = deps.say ?? (() => {});
  const started = new Date();
  const facts = await rfmFacts(conn);
  if (facts.asOf === null) throw new NothingToSegment('no customer has a revenue order yet');
  await closeAbandonedRuns(db);
  const runId = await openRun(db);
  const skipped: Record<string, string> = {};
  const steps: string[] = [];
  const step = (s: string) => {
    steps.push(s);
    deps.progress?.({ runId, steps });
  };
  try {
    const clusters = await part('clusters', skipped, () =>
      runCustomerClusters(conn, options.clusters),
    );
    step('clusters');
    checkAborted(signal);
    const trees = await part('trees', skipped, () => runCustomerTrees(conn, options.trees));
    step('trees');
    checkAborted(signal);
    const prices = await readPriceSuggestions(conn, options.prices ?? {});
    step('prices');
    checkAborted(signal);

    const records: MlRunRecord[] = [];
    if (clusters) records.push(clusterRecord(clusters));
    if (trees)
      records.push(treeRecord('churn', trees.churn), treeRecord('propensity', trees.propensity));
    const stored = priceRows(prices);
    records.push({
      kind: 'prices',
      metrics: {
        categories: stored.filter((p) => p.level === 'category').length,
        products: stored.filter((p) => p.level === 'product').length,
        suggested: stored.filter((p) => p.suggestedPrice !== null).length,
      },
      params: options.prices ?? {},
    });
    const run: WarehouseRun = {
      runId,
      startedAt: started,
      finishedAt: new Date(),
      asOf: facts.asOf,
      clusters: clusters?.assignments ?? [],
      churn: (trees?.churn.scores ?? []).map((s) => ({
        customerId: s.customerId,
        probability: s.churnProbability,
        leaf: s.leaf,
      })),
      churnRules: trees?.churn.rules ?? [],
      prices: stored,
      records,
    };
    await writeWarehouseRun(conn, run);
    step('warehouse');
    const scores = await readCustomerScores(conn, runId);
    const summary: SegmentSummary = {
      runId,
      asOf: facts.asOf,
      customers: scores.length,
      segments: facts.segments,
      clusters: clusters && {
        k: clusters.run.k,
        silhouette: clusters.run.silhouettes.find((s) => s.k === clusters.run.k)!.silhouette,
        sizes: clusters.run.sizes,
        labels: clusters.run.labels,
      },
      churn: trees && treeFigures(trees.churn),
      propensity: trees && {
        ...treeFigures(trees.propensity),
        category: trees.propensity.category.name,
      },
      prices: records.at(-1)!.metrics as SegmentSummary['prices'],
      skipped,
      durationMs: Date.now() - started.getTime(),
    };
    summary.customers = await finishRun(db, runId, { asOf: facts.asOf, summary, scores });
    summary.durationMs = Date.now() - started.getTime();
    step('crm');
    say(summaryLine(summary));
    return summary;
  } catch (e) {
    await failRun(db, runId, e instanceof Error ? e.message : String(e)).catch(() => {});
    throw e;
  }
}

/** The run in one line, as the job and the CLI say it. */
export function summaryLine(s: SegmentSummary): string {
  const parts = [`segment run #${s.runId} as of ${s.asOf}: ${s.customers} customers scored`];
  if (s.clusters)
    parts.push(`${s.clusters.k} clusters (silhouette ${s.clusters.silhouette.toFixed(2)})`);
  if (s.churn && s.churn.accuracy !== null && s.churn.baseline !== null)
    parts.push(
      `churn tree accuracy ${s.churn.accuracy.toFixed(3)} vs baseline ${s.churn.baseline.toFixed(3)}` +
        (s.churn.beatsBaseline ? '' : ' (not better: no churn follow-ups from this run)'),
    );
  parts.push(`${s.prices.suggested} price suggestions`);
  for (const [name, why] of Object.entries(s.skipped)) parts.push(`${name} skipped: ${why}`);
  return parts.join('; ');
}
