/**
 * A classification tree trained with ml-cart's DecisionTreeClassifier on binned features, kept as
 * plain data (`DecisionTree`, which is also its JSON form) with each split's threshold in the
 * feature's own units and each node's row counts.
 *
 * Why the pieces around ml-cart:
 * - Binning (binning.ts) gives readable thresholds at quantile edges and the same cut points for
 *   training and scoring.
 * - A sample. ml-cart's split search evaluates a threshold at every label change along each
 *   sorted feature and recounts the classes of both sides for each one, so it is quadratic in
 *   rows whether or not the features are binned (its sort keeps row order among tied values,
 *   so bins do not reduce the label changes). Measured on this 2-core machine, 13 binned
 *   features, noisy labels, depth 4: 1,000 rows 0.4 s, 2,000 rows 3.3 s, 3,000 rows 7.1 s —
 *   about two hours at 100,000 by the square. With more than `maxTrainingRows` rows, it fits on a
 *   deterministic sample of them, stratified by class (by a hash of the row key, so the same
 *   data gives the same tree). Since ml-cart tries each distinct threshold only once
 *   (trySplitThresholdsOnce below) a larger sample costs far less — the whole churn tree at
 *   100,000 customers (bench/segment.ts) took 0.5 s with 3,000 rows, 1.3 s with 10,000, 3.3 s
 *   with 30,000 — but gains little on the holdout (0.853 with 1,200 rows, 0.857 with 3,000,
 *   0.854 with 10,000, 0.853 with 30,000), and changing it changes every tree: 1,200 stays.
 * - Our own leaf counts. ml-cart's leaves keep class shares only (no row count; sized to the
 *   largest class present in that leaf), so every node's counts are recounted here over all
 *   the training rows, sample or not: the probabilities and the n in the rules are those of the
 *   whole training set. Without a sample they equal ml-cart's own (the iris test checks it).
 * - A minimum leaf size. ml-cart stops splitting small nodes (minNumSamples) but will cut a
 *   large node into 199 rows and 1: on the demo, depth 3 and 4 gave leaves of n=1 and n=2 —
 *   rules nobody should act on. A split with a child under `minLeafRows` training rows is
 *   folded back into a leaf (bottom-up), after the counts.
 */
import { DecisionTreeClassifier, type CartNode } from 'ml-cart';
import { binCode, binColumn, quantileEdges, select } from './binning.ts';
import { hashUnit } from './split.ts';
import { TREE_DEPTH, TREE_MIN_SAMPLES } from './tree-settings.ts';

/**
 * ml-cart tries a threshold at every label change along each sorted feature, and on bin codes
 * most of those thresholds repeat (16 bins, a few hundred label changes); each try recounts the
 * classes of every row. This makes its split search try each distinct threshold once: the
 * thresholds come sorted, so repeats are neighbours; a repeat makes the same split with the same
 * gain, and bestSplit keeps a candidate only when its gain is strictly greater, so the first of
 * equal thresholds always wins anyway — the trees are the same, split for split (the iris test
 * compares them with ml-cart's own). Measured reason (CPU profiles at 100,000 customers): ml-cart
 * took ~0.7 s of each tree's 1,200-row fit, under 0.1 s with this. ml-cart does not export its
 * node class, so its prototype is reached through a tree trained on two rows, once, when this
 * module loads.
 */
function trySplitThresholdsOnce(): void {
  const probe = new DecisionTreeClassifier({ maxDepth: 0 });
  probe.train([[0], [1]], [0, 1]);
  type Node = { featureSplit(x: number[], y: number[]): number[]; distinctThresholds?: true };
  const node = Object.getPrototypeOf(probe.root) as Node;
  if (node.distinctThresholds) return;
  const featureSplit = node.featureSplit;
  node.featureSplit = function (this: Node, x: number[], y: number[]): number[] {
    const all = featureSplit.call(this, x, y);
    return all.filter((v, i) => i === 0 || v !== all[i - 1]);
  };
  node.distinctThresholds = true;
}
trySplitThresholdsOnce();

/** A numeric feature as the rules name it. */
export interface FeatureSpec {
  /** Identifier in JSON ("recency_days"). */
  name: string;
  /** Short name in the rules ("recency"). */
  label: string;
  /** Decimal places of its thresholds (0 for days and counts). */
  decimals: number;
}

/** A feature with the bin edges the tree was trained on. */
export interface BinnedFeature extends FeatureSpec {
  edges: number[];
  /** The training rows had missing values (NaN) for it. */
  hasMissing: boolean;
}

/** How a tree is grown. */
export interface TreeOptions {
  /** Levels of splits below the root. */
  maxDepth: number;
  /** A node with at most this many rows (of those ml-cart is given) is not split (ml-cart's minNumSamples). */
  minNumSamples: number;
  /** A split must lower the Gini impurity by more than this (ml-cart's gainThreshold). */
  gainThreshold: number;
  /** A split leaving fewer training rows than this on one side is undone (0: keep all). */
  minLeafRows: number;
  /** Quantile bins per feature. */
  maxBins: number;
  /** ml-cart fits on a stratified sample of at most this many training rows. */
  maxTrainingRows: number;
}

export const DEFAULT_TREE_OPTIONS: Readonly<TreeOptions> = Object.freeze({
  maxDepth: TREE_DEPTH.default,
  minNumSamples: TREE_MIN_SAMPLES.default,
  gainThreshold: 0.01,
  minLeafRows: 10,
  maxBins: 16,
  maxTrainingRows: 1_200,
});

/** Rows to learn from, column-wise. */
export interface TrainingData {
  features: readonly FeatureSpec[];
  /** One column per feature; NaN is a missing value. */
  columns: readonly ArrayLike<number>[];
  /** Class index per row (0 … classes.length − 1). */
  labels: ArrayLike<number>;
  classes: readonly string[];
  /** A stable key per row (the customer id) for the sample; default the row index. */
  keys?: readonly string[];
}

/** A split: rows whose bin code is ≤ `lastLeftBin` go left (a missing value always does). */
export interface TreeSplit {
  kind: 'split';
  feature: string;
  featureIndex: number;
  lastLeftBin: number;
  /**
   * Left: feature ≤ threshold (or missing); right: feature > threshold. Null when the split is
   * missing (left) against known (right).
   */
  threshold: number | null;
  n: number;
  counts: number[];
  left: TreeNode;
  right: TreeNode;
}

/** A leaf, numbered 1… from left to right. */
export interface TreeLeaf {
  kind: 'leaf';
  leaf: number;
  n: number;
  counts: number[];
  /** Share of each class among the leaf's training rows. */
  probabilities: number[];
}

export type TreeNode = TreeSplit | TreeLeaf;

/** A trained tree: plain data, the same as its JSON. */
export interface DecisionTree {
  classes: string[];
  features: BinnedFeature[];
  options: TreeOptions;
  /** Training rows, and how many of them ml-cart was given (fewer when sampled). */
  trainingRows: number;
  fittedRows: number;
  leaves: number;
  root: TreeNode;
}

/** Train a tree on `data` (see the file comment for the sample and the counts). */
export function trainTree(data: TrainingData, options: Partial<TreeOptions> = {}): DecisionTree {
  const opts: TreeOptions = { ...DEFAULT_TREE_OPTIONS, ...options };
  checkOptions(opts);
  const n = data.labels.length;
  if (n === 0) throw new RangeError('no training rows');
  if (data.columns.length !== data.features.length)
    throw new RangeError(`${data.features.length} features but ${data.columns.length} columns`);
  for (let i = 0; i < n; i++) {
    const c = data.labels[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= data.classes.length)
      throw new RangeError(`row ${i}: class ${c} is not one of ${data.classes.length} classes`);
  }
  const features: BinnedFeature[] = data.features.map((f, j) => {
    const column = data.columns[j] as ArrayLike<number>;
    if (column.length !== n)
      throw new RangeError(`feature ${f.name}: ${column.length} rows, not ${n}`);
    let hasMissing = false;
    for (let i = 0; i < n && !hasMissing; i++) hasMissing = Number.isNaN(column[i] as number);
    return { ...f, edges: quantileEdges(column, opts.maxBins, f.decimals), hasMissing };
  });
  const fitted = sampleRows(data, opts.maxTrainingRows);
  const cart = new DecisionTreeClassifier({
    gainFunction: 'gini',
    maxDepth: opts.maxDepth,
    minNumSamples: opts.minNumSamples,
    gainThreshold: opts.gainThreshold,
  });
  cart.train(
    fitted.map((i) => features.map((f, j) => binCode(f.edges, data.columns[j]![i] as number))),
    fitted.map((i) => data.labels[i] as number),
  );
  const grown = fromCart(cart.root, features, data.classes.length);
  // Every training row's codes, for the counts: only of the features the tree splits on.
  const codes = splitColumns(grown, data.columns, features);
  for (let i = 0; i < n; i++) {
    const label = data.labels[i] as number;
    let node: TreeNode = grown;
    for (;;) {
      node.n++;
      (node.counts[label] as number)++;
      if (node.kind === 'leaf') break;
      node = (codes[node.featureIndex]![i] as number) <= node.lastLeftBin ? node.left : node.right;
    }
  }
  const counter = { leaves: 0 };
  const root = finish(prune(grown, opts.minLeafRows), counter);
  return {
    classes: [...data.classes],
    features,
    options: opts,
    trainingRows: n,
    fittedRows: fitted.length,
    leaves: counter.leaves,
    root,
  };
}

function checkOptions(o: TreeOptions): void {
  const whole = (name: keyof TreeOptions, min: number) => {
    if (!Number.isInteger(o[name]) || o[name] < min)
      throw new RangeError(`${name} must be an integer ≥ ${min}`);
  };
  whole('maxDepth', 0);
  whole('minNumSamples', 1);
  whole('minLeafRows', 0);
  whole('maxBins', 2);
  whole('maxTrainingRows', 2);
  if (!(o.gainThreshold >= 0)) throw new RangeError('gainThreshold must be ≥ 0');
}

/**
 * The rows ml-cart is given: all of them, or per class its share of `max` rows, those with the
 * smallest hash of their key (ties: the earlier row), in row order. The quota's hash is found by
 * selection rather than by sorting every row (~3× faster at 74,000 rows, the same rows).
 */
function sampleRows(data: TrainingData, max: number): number[] {
  const n = data.labels.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const picked: number[] = [];
  for (let c = 0; c < data.classes.length; c++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (data.labels[i] === c) rows.push(i);
    if (rows.length === 0) continue;
    const quota = Math.max(1, Math.round((max * rows.length) / n));
    const hashes = Float64Array.from(rows, (i) => hashUnit(data.keys?.[i] ?? String(i), 'sample'));
    const nth = hashes.slice();
    select(nth, quota - 1);
    const limit = nth[quota - 1] as number;
    let ties = quota;
    for (const h of hashes) if (h < limit) ties--;
    rows.forEach((i, r) => {
      const h = hashes[r] as number;
      if (h < limit || (h === limit && ties-- > 0)) picked.push(i);
    });
  }
  return picked.sort((a, b) => a - b);
}

/** ml-cart's trained nodes → ours, with empty counts filled in by the caller. */
function fromCart(node: CartNode, features: readonly BinnedFeature[], classes: number): TreeNode {
  const counts = new Array<number>(classes).fill(0);
  if (!node.left || !node.right || node.splitColumn === undefined || node.splitValue === undefined)
    return { kind: 'leaf', leaf: 0, n: 0, counts, probabilities: [] };
  const feature = features[node.splitColumn] as BinnedFeature;
  // ml-cart sends `code < splitValue` left; splitValue is a midpoint of two codes or a code.
  const lastLeftBin = Math.ceil(node.splitValue) - 1;
  const left = fromCart(node.left, features, classes);
  const right = fromCart(node.right, features, classes);
  return {
    kind: 'split',
    feature: feature.name,
    featureIndex: node.splitColumn,
    lastLeftBin,
    threshold: lastLeftBin < 0 ? null : (feature.edges[lastLeftBin] as number),
    n: 0,
    counts,
    left,
    right,
  };
}

/** Undo, bottom-up, every split that leaves fewer than `min` rows on a side. */
function prune(node: TreeNode, min: number): TreeNode {
  if (node.kind === 'leaf') return node;
  const left = prune(node.left, min);
  const right = prune(node.right, min);
  if (left.n < min || right.n < min)
    return { kind: 'leaf', leaf: 0, n: node.n, counts: node.counts, probabilities: [] };
  return { ...node, left, right };
}

/** Number the leaves left to right and give them their class shares. */
function finish(node: TreeNode, counter: { leaves: number }): TreeNode {
  if (node.kind === 'split')
    return { ...node, left: finish(node.left, counter), right: finish(node.right, counter) };
  const probabilities = node.counts.map((c) => (node.n === 0 ? 0 : c / node.n));
  return { ...node, leaf: ++counter.leaves, probabilities };
}

/**
 * Bin codes of `columns` for the features `tree` splits on; the others are left empty. Binning
 * only those (a tree of depth 4 uses a few of its ~13 features) took a third of the time of
 * binning every feature, at 100,000 customers, and the codes it reads are the same.
 */
function splitColumns(
  tree: TreeNode,
  columns: readonly ArrayLike<number>[],
  features: readonly BinnedFeature[],
): Int16Array[] {
  const used = new Set<number>();
  for (const node of treeNodes(tree)) if (node.kind === 'split') used.add(node.featureIndex);
  return features.map((f, j) =>
    used.has(j) ? binColumn(f.edges, columns[j] as ArrayLike<number>) : new Int16Array(0),
  );
}

/** Bin codes of new rows with the tree's edges (one column per feature, in the tree's order). */
export function binRows(tree: DecisionTree, columns: readonly ArrayLike<number>[]): Int16Array[] {
  if (columns.length !== tree.features.length)
    throw new RangeError(`${tree.features.length} features but ${columns.length} columns`);
  return tree.features.map((f, j) => binColumn(f.edges, columns[j] as ArrayLike<number>));
}

/** The leaf each row falls in. */
export function predictLeaves(
  tree: DecisionTree,
  columns: readonly ArrayLike<number>[],
): TreeLeaf[] {
  if (columns.length !== tree.features.length)
    throw new RangeError(`${tree.features.length} features but ${columns.length} columns`);
  const codes = splitColumns(tree.root, columns, tree.features);
  const rows = columns[0]?.length ?? 0;
  const out = new Array<TreeLeaf>(rows);
  for (let i = 0; i < rows; i++) {
    let node = tree.root;
    while (node.kind === 'split')
      node = (codes[node.featureIndex]![i] as number) <= node.lastLeftBin ? node.left : node.right;
    out[i] = node;
  }
  return out;
}

/** The most likely class of each row (ties: the lower class index, as ml-cart's predict). */
export function mostLikelyClass(leaf: TreeLeaf): number {
  let best = 0;
  leaf.probabilities.forEach((p, c) => {
    if (p > (leaf.probabilities[best] as number)) best = c;
  });
  return best;
}

/** Every node of the tree, depth first (root, left subtree, right subtree). */
export function* treeNodes(node: TreeNode): Generator<TreeNode> {
  yield node;
  if (node.kind === 'split') {
    yield* treeNodes(node.left);
    yield* treeNodes(node.right);
  }
}
