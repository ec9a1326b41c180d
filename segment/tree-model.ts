/**
 * What the churn and the propensity trees share: split labelled rows 80/20 by key, train on the
 * 80, measure on the 20 against the majority baseline, and read the tree back as rules; then
 * score other rows (customers as of today) with the trained tree.
 */
import {
  mostLikelyClass,
  predictLeaves,
  trainTree,
  type DecisionTree,
  type FeatureSpec,
  type TreeOptions,
} from './cart.ts';
import { binaryMetrics, type BinaryMetrics } from './metrics.ts';
import { splitByKey } from './split.ts';
import { treeRules, type TreeRule } from './tree-rules.ts';

/** Rows with a 0/1 label (1 = the outcome the model looks for). */
export interface LabelledRows {
  keys: readonly string[];
  features: readonly FeatureSpec[];
  columns: readonly Float64Array[];
  labels: Uint8Array;
}

/** How a two-class tree model is fitted. */
export interface ModelOptions {
  /** Names of class 0 and class 1 ("stays", "churns"). */
  classes: readonly [string, string];
  /** The outcome's word in the rules ("churn"). */
  outcome: string;
  /** Share of keys held out (0.2). */
  holdoutShare?: number;
  tree?: Partial<TreeOptions>;
}

/** A fitted model and how it did on the holdout. */
export interface FittedModel {
  tree: DecisionTree;
  rules: TreeRule[];
  metrics: BinaryMetrics;
  /** Rows on each side, and the positives among the training rows. */
  trainingRows: number;
  trainingPositives: number;
  holdoutRows: number;
}

/** The rows at `index`, column by column (a plain loop: Float64Array.from with a map took 2×). */
function pick(columns: readonly Float64Array[], index: readonly number[]): Float64Array[] {
  return columns.map((c) => {
    const out = new Float64Array(index.length);
    for (let k = 0; k < index.length; k++) out[k] = c[index[k] as number] as number;
    return out;
  });
}

/** Split, train, measure (see the file comment). */
export function fitTreeModel(rows: LabelledRows, options: ModelOptions): FittedModel {
  const { train, holdout } = splitByKey(rows.keys, options.holdoutShare ?? 0.2);
  const trainLabels = Uint8Array.from(train, (i) => rows.labels[i] as number);
  const tree = trainTree(
    {
      features: rows.features,
      columns: pick(rows.columns, train),
      labels: trainLabels,
      classes: options.classes,
      keys: train.map((i) => rows.keys[i] as string),
    },
    options.tree,
  );
  const predicted = predictLeaves(tree, pick(rows.columns, holdout)).map(mostLikelyClass);
  const actual = Uint8Array.from(holdout, (i) => rows.labels[i] as number);
  return {
    tree,
    rules: treeRules(tree, { classIndex: 1, outcome: options.outcome }),
    metrics: binaryMetrics(actual, predicted),
    trainingRows: train.length,
    trainingPositives: trainLabels.reduce((s, v) => s + v, 0),
    holdoutRows: holdout.length,
  };
}

/** Class-1 probability and leaf of each row under `tree`. */
export function scoreWithTree(
  tree: DecisionTree,
  columns: readonly Float64Array[],
): { probability: number; leaf: number }[] {
  return predictLeaves(tree, columns).map((leaf) => ({
    probability: leaf.probabilities[1] ?? 0,
    leaf: leaf.leaf,
  }));
}
