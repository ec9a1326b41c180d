/**
 * The frame both customer trees (churn, category propensity) run in. Loading: pick the cutoff
 * so the label window (the `horizonDays` after it) ends by the latest order day, and build every
 * customer's features as of the cutoff (as-of-features.ts: nothing later leaks in) and as of
 * the latest day. Fitting: label the cutoff rows from what happened in the window, fit and
 * measure (tree-model.ts), then score every current customer — not deleted, with an order by
 * the latest day — on their features as of that latest day. The SQL is most of the cost at
 * 100,000 customers, so both trees can share one load (customer-trees.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../api/errors.ts';
import type { BinnedFeature, DecisionTree, TreeOptions } from './cart.ts';
import {
  customerFeaturesAsOfDays,
  latestOrderDay,
  type CategoryRef,
  type CustomerFeatures,
} from './as-of-features.ts';
import { addDays } from './days.ts';
import type { BinaryMetrics } from './metrics.ts';
import { fitTreeModel, scoreWithTree } from './tree-model.ts';

/** What the data of a run depends on. */
export interface CustomerDataOptions {
  /** Days after the cutoff the label looks at (90). */
  horizonDays?: number;
  /** The cutoff day (YYYY-MM-DD); default the latest order day − horizonDays. */
  cutoff?: string;
  /** Root categories in the category mix: the top ones by spend up to the cutoff (4). */
  mixCategories?: number;
  /** Days up to each as-of day the category mix covers (365). */
  mixWindowDays?: number;
}

/** How a tree is fitted on loaded data. */
export interface CustomerFitOptions {
  /** Share of customers held out (0.2). */
  holdoutShare?: number;
  tree?: Partial<TreeOptions>;
}

/** Everything a tree of either kind may set. */
export type CustomerTreeOptions = CustomerDataOptions & CustomerFitOptions;

/** The features of one run, as of the cutoff and as of the latest day. */
export interface CustomerData {
  cutoff: string;
  /** The label window is the days in (cutoff, windowEnd]. */
  windowEnd: string;
  horizonDays: number;
  /** The latest order day: current customers are scored as of it. */
  latest: string;
  atCutoff: CustomerFeatures;
  now: CustomerFeatures;
}

/** Load a run's data (see the file comment); `focusCategory`: a category outside the mix. */
export async function loadCustomerData(
  conn: DuckDBConnection,
  options: CustomerDataOptions,
  focusCategory?: CategoryRef,
): Promise<CustomerData> {
  const horizonDays = options.horizonDays ?? 90;
  if (!Number.isInteger(horizonDays) || horizonDays < 1)
    throw new AppError('unprocessable', 'horizonDays must be a whole number of days ≥ 1');
  const latest = await latestOrderDay(conn);
  if (latest === null) throw new AppError('conflict', 'the warehouse has no revenue orders yet');
  const cutoff = options.cutoff ?? addDays(latest, -horizonDays);
  const windowEnd = addDays(cutoff, horizonDays);
  if (windowEnd > latest)
    throw new AppError(
      'unprocessable',
      `the ${horizonDays} days after the cutoff ${cutoff} must end by the latest order day ${latest}`,
    );
  // Both days from one statement (the mix chosen at the cutoff is kept for the latest day, so
  // the tree's share features mean the same when it scores): as-of-features-sql.ts says why.
  const [atCutoff, now] = (await customerFeaturesAsOfDays(conn, {
    days: [cutoff, latest],
    mix: { top: options.mixCategories ?? 4 },
    mixWindowDays: options.mixWindowDays,
    focusCategory,
  })) as [CustomerFeatures, CustomerFeatures];
  if (atCutoff.customerIds.length < 10)
    throw new AppError(
      'conflict',
      `only ${atCutoff.customerIds.length} customers had ordered by ${cutoff}: too few to learn from`,
    );
  return { cutoff, windowEnd, horizonDays, latest, atCutoff, now };
}

/** What one tree adds to the frame. */
export interface CustomerTreeSpec {
  classes: readonly [string, string];
  /** The outcome's word in the rules ("churn", "buys Furniture"). */
  outcome: string;
  /** Label (0/1) per row of `data.atCutoff`. */
  labels: Uint8Array;
  /** The features this tree uses, by name (the data holds every tree's). */
  useFeature(name: string): boolean;
}

/** One current customer's score. */
export interface CustomerScore {
  customerId: number;
  customerCode: string;
  /** Share of class 1 among the training customers in the same leaf, 0…1. */
  probability: number;
  /** The leaf (and so the rule) the customer falls in, 1… */
  leaf: number;
}

/** What every tree reports the same way (meta.ml_runs: metrics, rules, features, dates). */
export interface TreeRunSummary {
  cutoff: string;
  horizonDays: number;
  scoredAsOf: string;
  /** The features with the bin edges the tree was trained on. */
  features: BinnedFeature[];
  mixCategories: CategoryRef[];
  metrics: BinaryMetrics;
  /** Training customers, the class-1 ones among them, customers held out, rows ml-cart fitted. */
  training: { rows: number; positives: number; holdoutRows: number; fittedRows: number };
  /** One readable rule per leaf ("IF recency > 63 AND orders ≤ 2 THEN churn 0.81 (n=140)"). */
  rules: string[];
  /** The tree itself, as JSON-ready data. */
  tree: DecisionTree;
}

/** A fitted tree's summary and the scores of the current customers. */
export interface CustomerTreeRun extends TreeRunSummary {
  scores: CustomerScore[];
}

/** Fit, measure and score one tree on loaded data. */
export function fitCustomerTree(
  data: CustomerData,
  spec: CustomerTreeSpec,
  options: CustomerFitOptions = {},
): CustomerTreeRun {
  const { atCutoff, now } = data;
  if (spec.labels.length !== atCutoff.customerIds.length)
    throw new RangeError(`${spec.labels.length} labels for ${atCutoff.customerIds.length} rows`);
  const used = atCutoff.features.flatMap((f, j) => (spec.useFeature(f.name) ? [j] : []));
  // The as-of-latest features are built with the cutoff's mix, so they line up by name.
  const nowIndex = new Map(now.features.map((f, j) => [f.name, j]));
  const model = fitTreeModel(
    {
      keys: atCutoff.customerIds.map(String),
      features: used.map((j) => atCutoff.features[j]!),
      columns: used.map((j) => atCutoff.columns[j]!),
      labels: spec.labels,
    },
    {
      classes: spec.classes,
      outcome: spec.outcome,
      holdoutShare: options.holdoutShare,
      tree: options.tree,
    },
  );
  const scored = scoreWithTree(
    model.tree,
    used.map((j) => now.columns[nowIndex.get(atCutoff.features[j]!.name)!]!),
  );
  const scores: CustomerScore[] = [];
  now.customerIds.forEach((customerId, i) => {
    if (now.deleted[i]) return;
    const s = scored[i]!;
    scores.push({
      customerId,
      customerCode: now.customerCodes[i] as string,
      probability: s.probability,
      leaf: s.leaf,
    });
  });
  return {
    cutoff: data.cutoff,
    horizonDays: data.horizonDays,
    scoredAsOf: data.latest,
    features: model.tree.features,
    mixCategories: atCutoff.mixCategories,
    metrics: model.metrics,
    training: {
      rows: model.trainingRows,
      positives: model.trainingPositives,
      holdoutRows: model.holdoutRows,
      fittedRows: model.tree.fittedRows,
    },
    rules: model.rules.map((r) => r.text),
    tree: model.tree,
    scores,
  };
}
