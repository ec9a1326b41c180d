/**
 * Quantile binning of numeric features before a tree is trained. Each feature's values become
 * bin codes (small integers) cut at quantile edges of the training rows, and the edges are kept
 * so a split on codes reads back in the feature's own units ("recency > 63").
 *
 * Bins are upper-inclusive: with edges e₀ < e₁ < … < e_{E−1}, code k < E holds the values in
 * (e_{k−1}, e_k] and code E the values above e_{E−1}. A missing value (NaN) gets code −1, below
 * every bin, so a split always sends it left with the low values; the rules say so.
 *
 * Edges are rounded (half away from zero) to the feature's decimals *before* they are used, so a
 * threshold printed in a rule is exactly the one the tree applies, never a rounded neighbour.
 */

/** Code of a missing value. */
export const MISSING_BIN = -1;

/** Round half away from zero to `decimals` places (the exponent form avoids 1.005 → 1.00). */
export function roundHalfAway(x: number, decimals: number): number {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  const r = Number(`${Math.round(Number(`${abs}e${decimals}`))}e-${decimals}`);
  return x < 0 ? -r : r;
}

/**
 * Up to `maxBins` − 1 edges at the j/maxBins quantiles of the values (missing ones ignored):
 * the value at rank ⌈j·m/maxBins⌉ of the m sorted values (inverted CDF), so an edge is a value
 * that occurs — "orders ≤ 2", not "orders ≤ 2.4" — rounded to `decimals`. Ties collapse edges
 * (a feature where 40 % of the rows are 1 gets one edge at 1), and an edge at or above the
 * largest value is dropped since its upper bin would be empty.
 */
export function quantileEdges(
  values: ArrayLike<number>,
  maxBins: number,
  decimals: number,
): number[] {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 1024)
    throw new RangeError('maxBins must be an integer from 2 to 1024');
  // The known values in a typed copy, sorted in place (numeric order, no comparator needed).
  const buffer = new Float64Array(values.length);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) buffer[m++] = v;
  }
  if (m === 0) return [];
  const sorted = buffer.subarray(0, m).sort();
  const max = sorted[m - 1] as number;
  const edges: number[] = [];
  for (let j = 1; j < maxBins; j++) {
    const edge = roundHalfAway(sorted[Math.ceil((j * m) / maxBins) - 1] as number, decimals);
    if (edge >= max) break;
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  return edges;
}

/** The bin code of one value: the first edge it does not exceed, E above them all, −1 if NaN. */
export function binCode(edges: readonly number[], value: number): number {
  if (Number.isNaN(value)) return MISSING_BIN;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Codes of a whole column. */
export function binColumn(edges: readonly number[], values: ArrayLike<number>): Int16Array {
  const codes = new Int16Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = binCode(edges, values[i] as number);
  return codes;
}
