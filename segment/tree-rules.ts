/**
 * A tree as the rules a sales manager reads, one per leaf, in the features' own units:
 *   IF recency > 63 AND orders ≤ 2 THEN churn 0.81 (n=140)
 * Conditions on the same feature along a path are merged into one ("30 < recency ≤ 90"), in the
 * order the path first tests each feature. A missing value goes left at every split, so a "≤"
 * condition on a feature that had missing values says "(… or x unknown)".
 */
import type { BinnedFeature, DecisionTree, TreeLeaf, TreeNode } from './cart.ts';
import { mostLikelyClass } from './cart.ts';

/** What a rule's outcome names. */
export interface RuleOptions {
  /** Show this class's probability in every rule (churn: 1); default each leaf's likeliest class. */
  classIndex?: number;
  /** Word for the class in the rules ("churn"); default the class's name. */
  outcome?: string;
}

/** One leaf's rule. */
export interface TreeRule {
  leaf: number;
  conditions: string[];
  /** The class the rule names and its share of the leaf's training rows. */
  className: string;
  probability: number;
  n: number;
  text: string;
}

/** What a path says about one feature: known values in (lo, hi], and whether missing ones pass. */
interface Bounds {
  feature: BinnedFeature;
  lo: number | null;
  hi: number | null;
  /** Only missing values reach here. */
  missingOnly: boolean;
  /** Missing values do not reach here. */
  knownOnly: boolean;
}

/** A threshold as the rules print it: the feature's decimals (edges are already rounded to them). */
export function formatThreshold(feature: Pick<BinnedFeature, 'decimals'>, value: number): string {
  return value.toFixed(feature.decimals);
}

function describe(b: Bounds): string | null {
  const { label } = b.feature;
  if (b.missingOnly) return `${label} unknown`;
  const lo = b.lo === null ? null : formatThreshold(b.feature, b.lo);
  const hi = b.hi === null ? null : formatThreshold(b.feature, b.hi);
  const interval =
    lo !== null && hi !== null
      ? `${lo} < ${label} ≤ ${hi}`
      : lo !== null
        ? `${label} > ${lo}`
        : hi !== null
          ? `${label} ≤ ${hi}`
          : null;
  if (interval === null) return b.knownOnly ? `${label} known` : null;
  return !b.knownOnly && b.feature.hasMissing ? `(${interval} or ${label} unknown)` : interval;
}

/** The rules of every leaf, left to right. */
export function treeRules(tree: DecisionTree, options: RuleOptions = {}): TreeRule[] {
  const rules: TreeRule[] = [];
  const walk = (node: TreeNode, path: readonly Bounds[]) => {
    if (node.kind === 'leaf') {
      rules.push(ruleOf(tree, node, path, options));
      return;
    }
    const feature = tree.features[node.featureIndex] as BinnedFeature;
    const step = (goLeft: boolean): Bounds[] => {
      const at = path.findIndex((b) => b.feature === feature);
      const prev: Bounds = path[at] ?? {
        feature,
        lo: null,
        hi: null,
        missingOnly: false,
        knownOnly: false,
      };
      const next: Bounds = { ...prev };
      if (goLeft && node.threshold === null) next.missingOnly = true;
      else if (goLeft) next.hi = Math.min(prev.hi ?? Infinity, node.threshold as number);
      else {
        next.knownOnly = true;
        if (node.threshold !== null) next.lo = Math.max(prev.lo ?? -Infinity, node.threshold);
      }
      return at < 0 ? [...path, next] : path.map((b, i) => (i === at ? next : b));
    };
    walk(node.left, step(true));
    walk(node.right, step(false));
  };
  walk(tree.root, []);
  return rules;
}

function ruleOf(
  tree: DecisionTree,
  leaf: TreeLeaf,
  path: readonly Bounds[],
  options: RuleOptions,
): TreeRule {
  const cls = options.classIndex ?? mostLikelyClass(leaf);
  const className = tree.classes[cls] ?? String(cls);
  const probability = leaf.probabilities[cls] ?? 0;
  const conditions = path.map(describe).filter((c): c is string => c !== null);
  const text =
    `IF ${conditions.length ? conditions.join(' AND ') : 'TRUE'} ` +
    `THEN ${options.outcome ?? className} ${probability.toFixed(2)} (n=${leaf.n})`;
  return { leaf: leaf.leaf, conditions, className, probability, n: leaf.n, text };
}
