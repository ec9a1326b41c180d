/**
 * The two tree settings a data team may change without code (issue #16: "depth and the minimum
 * samples to split are configurable"): SALESOPS_SEGMENT_TREE_DEPTH and
 * SALESOPS_SEGMENT_MIN_SAMPLES for every run of the `segment` job, and the same two as
 * parameters of one manual run (POST /jobs/segment/run, `salesops segment --max-depth
 * --min-samples`). One range for all three doors, so each refuses the same values in words.
 *
 * The other tree options (cart.ts TreeOptions) stay library options: bins, the training sample
 * and the leaf floor are tuned to the fit's run time and to the holdout's trust, not to taste.
 * The defaults live here, not in cart.ts, so config.ts reads them without loading ml-cart.
 */

/** What the job passes to both trees. */
export interface TreeSettings {
  maxDepth: number;
  minNumSamples: number;
}

/**
 * Depth 1–12: beyond 12 levels the rules (one per leaf, up to 4,096) are no longer read by a
 * person, which is what they are for.
 */
export const TREE_DEPTH = { min: 1, max: 12, default: 4 } as const;

/**
 * 2–1,000 rows: ml-cart is given at most maxTrainingRows (1,200) rows, so at 1,200 or more the
 * root would never split; 1 would split nodes of a single row.
 */
export const TREE_MIN_SAMPLES = {
  min: 2,
  max: 1_000,
  default: 20,
} as const;

/** The words every door uses for a value out of range. */
export const rangeText = (r: { min: number; max: number }): string =>
  `must be a whole number from ${r.min} to ${r.max.toLocaleString('en')}`;
