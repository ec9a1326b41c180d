/**
 * Holdout metrics of a two-class tree (class 1 is the one the model looks for: churn, buys),
 * beside the majority-class baseline on the same rows: a tree that cannot beat "everyone is
 * the most common class" has learnt nothing a manager should act on.
 */

/** Counts of a two-class confusion matrix; "positive" is class 1. */
export interface Confusion {
  truePositive: number;
  falsePositive: number;
  trueNegative: number;
  falseNegative: number;
}

/** The figures `meta.ml_runs` keeps for a run (issue #16). */
export interface BinaryMetrics {
  /** Rows scored. */
  n: number;
  /** Share of rows predicted right; null on no rows. */
  accuracy: number | null;
  /** Of the rows predicted positive, the share that are; null when none was predicted positive. */
  precision: number | null;
  /** Of the positive rows, the share predicted positive; null when there is none. */
  recall: number | null;
  /**
   * Accuracy of always answering the holdout's most common class (its share of the rows): the
   * bar the tree must clear. Null on no rows.
   */
  baseline: number | null;
  /** Share of positive rows (the base rate). */
  positiveRate: number | null;
  confusion: Confusion;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** Metrics of `predicted` against `actual` (both 0/1, same length). */
export function binaryMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): BinaryMetrics {
  if (actual.length !== predicted.length)
    throw new RangeError(`${actual.length} labels but ${predicted.length} predictions`);
  const c: Confusion = { truePositive: 0, falsePositive: 0, trueNegative: 0, falseNegative: 0 };
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] === 1;
    const p = predicted[i] === 1;
    if (a && p) c.truePositive++;
    else if (p) c.falsePositive++;
    else if (a) c.falseNegative++;
    else c.trueNegative++;
  }
  const n = actual.length;
  const positives = c.truePositive + c.falseNegative;
  return {
    n,
    accuracy: ratio(c.truePositive + c.trueNegative, n),
    precision: ratio(c.truePositive, c.truePositive + c.falsePositive),
    recall: ratio(c.truePositive, positives),
    baseline: ratio(Math.max(positives, n - positives), n),
    positiveRate: ratio(positives, n),
    confusion: c,
  };
}
