/**
 * Choosing k by mean silhouette, scored on a seeded sample of customers (the silhouette is
 * quadratic in points); the same sample carries the restarts of every k, whose best centroids
 * segment/clusters.ts then refines on every customer.
 *
 * `meanSilhouette` is written out rather than taken from simple-statistics. Measured reason (the
 * 2-core box, 2,000 points × 3 features): simple-statistics' `silhouette` took 140–250 ms per k —
 * it allocates the n × n distance matrix as arrays of arrays, again on every call — so k = 2..8
 * cost 1.2–1.6 s of a 3.2 s run at 100,000 customers. Summing each point's distances per cluster
 * on the fly, without the matrix, gives the same values (test/segment-kmeans.test.ts compares
 * them to simple-statistics' on iris for every k) in ~30 ms per k. simple-statistics'
 * `silhouetteMetric` would not do anyway: it is the *maximum* silhouette, not the mean.
 */
import { DEFAULT_RESTARTS, fitKMeans, KMeansError, type KMeansFit } from './kmeans.ts';
import { deriveSeed, mulberry32, sampleIndices } from './random.ts';

/**
 * Points sampled for choosing k: a steady mean (its standard error is the spread of the per-point
 * values ÷ √2,000) at a small cost — k = 2..8 with ten restarts each took ~0.45 s on 2,000.
 */
export const DEFAULT_SAMPLE_SIZE = 2000;

/** One candidate k: its mean silhouette and inertia on the sample. */
export interface KScore {
  k: number;
  silhouette: number;
  inertia: number;
}

/** What `chooseK` found. */
export interface KSelection {
  /** The k with the highest mean silhouette (the smaller k on a tie). */
  k: number;
  /** Every k tried, ascending. */
  scores: KScore[];
  /** Indices of the sampled points, ascending (all points when there are few). */
  sample: number[];
  /** The chosen k's fit on the sample (its labels are per sampled point). */
  fit: KMeansFit;
}

/** How `chooseK` searches. */
export interface KSelectionOptions {
  seed: number;
  kMin?: number;
  kMax?: number;
  restarts?: number;
  sampleSize?: number;
}

/**
 * Pairwise Euclidean distances of `points`, row by row (n × n), for `meanSilhouette` to reuse
 * across every k tried on the same sample: the distances do not depend on k. Measured reason:
 * k = 2..8 on 2,000 points took ~0.5 s computing them anew for each k, ~0.2 s with them kept.
 * d(i, j) is computed once, as (x_i − x_j)² summed over the coordinates in order — the same
 * double as (x_j − x_i)², so the matrix is exactly what computing each row on its own gives.
 */
export function pairDistances(points: readonly (readonly number[])[]): Float64Array {
  const n = points.length;
  const d = points[0]?.length ?? 0;
  const x = new Float64Array(n * d);
  points.forEach((p, i) => x.set(p, i * d));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = x[i * d + t]! - x[j * d + t]!;
        s += diff * diff;
      }
      out[i * n + j] = out[j * n + i] = Math.sqrt(s);
    }
  }
  return out;
}

/** Above this many points the n × n distances (8·n² bytes) are computed per k, not kept. */
const MAX_KEPT_DISTANCES = 2_500;

/**
 * The mean silhouette of a labelling (−1..1; higher is better separated): per point, a = mean
 * distance to the rest of its cluster, b = the smallest mean distance to another cluster,
 * s = (b − a) / max(a, b), and s = 0 for a point alone in its cluster (as simple-statistics and
 * scikit-learn define it). Labels must be 0..k−1. `distances`: pairDistances(points), if kept.
 */
export function meanSilhouette(
  points: readonly (readonly number[])[],
  labels: readonly number[],
  distances?: Float64Array,
): number {
  const n = points.length;
  const d = points[0]?.length ?? 0;
  const k = labels.reduce((m, l) => Math.max(m, l + 1), 0);
  const x = new Float64Array(n * d);
  if (!distances) points.forEach((p, i) => x.set(p, i * d));
  const sizes = new Int32Array(k);
  for (const l of labels) sizes[l]!++;
  // With the distances kept: each cluster's points, ascending (the same additions, in the same
  // order, into a local sum instead of through the labels: half the time again).
  const members = distances ? Array.from({ length: k }, () => [] as number[]) : undefined;
  if (members) labels.forEach((l, j) => members[l]!.push(j));
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = labels[i]!;
    if (sizes[own]! < 2) continue; // s = 0
    sums.fill(0);
    // Each sum adds its cluster's distances in the order of j, whichever way they are had.
    if (members) {
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (const j of members[c]!) sum += distances![i * n + j]!;
        sums[c] = sum;
      }
    } else {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = x[i * d + t]! - x[j * d + t]!;
          s += diff * diff;
        }
        sums[labels[j]!]! += Math.sqrt(s);
      }
    }
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    }
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

/**
 * Fit k = kMin..kMax (default 2..8) on a seeded sample of at most `sampleSize` points, each from
 * `restarts` seeds, and pick the k with the highest mean silhouette. A k larger than the sample's
 * distinct points is not tried; at least kMin distinct points are required.
 */
export function chooseK(
  points: readonly (readonly number[])[],
  options: KSelectionOptions,
): KSelection {
  const { seed, kMin = 2, kMax = 8 } = options;
  const restarts = options.restarts ?? DEFAULT_RESTARTS;
  if (!Number.isInteger(kMin) || kMin < 2 || !Number.isInteger(kMax) || kMax < kMin) {
    throw new KMeansError(`k must range over integers from 2 up: ${kMin}..${kMax}`);
  }
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const sample = sampleIndices(points.length, sampleSize, mulberry32(deriveSeed(seed, 0x5a)));
  const sampled = sample.map((i) => points[i]!);
  const distinct = new Set(sampled.map((p) => p.join())).size;
  // A silhouette needs a cluster with two points or more: k < sample size.
  const top = Math.min(kMax, distinct, sampled.length - 1);
  if (top < kMin) {
    throw new KMeansError(`${distinct} distinct points: too few for ${kMin} clusters or more`);
  }
  const scores: KScore[] = [];
  let best: { score: KScore; fit: KMeansFit } | undefined;
  const distances = sampled.length <= MAX_KEPT_DISTANCES ? pairDistances(sampled) : undefined;
  for (let k = kMin; k <= top; k++) {
    const fit = fitKMeans(sampled, { k, seed, restarts });
    const silhouette = meanSilhouette(sampled, fit.labels, distances);
    const score = { k, silhouette, inertia: fit.inertia };
    scores.push(score);
    if (!best || score.silhouette > best.score.silhouette) best = { score, fit };
  }
  return { k: best!.score.k, scores, sample, fit: best!.fit };
}
