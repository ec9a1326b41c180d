/**
 * k-means with restarts: simple-statistics' `kMeansCluster` (Lloyd's algorithm from k distinct
 * data points drawn by its `randomSource`) run from several seeds, keeping the lowest inertia.
 *
 * kMeansCluster has no restarts and one start can land in a poor local optimum (iris at k = 3:
 * 142.75 instead of 78.85), so `fitKMeans` runs it from `restarts` seeds. It also throws
 * ("Centroid i has no friends") when a cluster ends up empty — which happens whenever two of its
 * starting points are equal (customers with identical scores are common): such a start is
 * dropped and another seed drawn; only when every start of a generous budget fails does
 * `refineKMeans` take over, which moves an empty cluster's centroid to the point farthest from
 * its own centroid (what scikit-learn does) instead of giving up.
 *
 * `refineKMeans` is Lloyd's algorithm written out over flat Float64Arrays. Measured reason
 * (2-core box, 100,000 customers × 3 features): kMeansCluster takes 110 ms per run at k = 4 and
 * 576 ms at k = 8 (arrays of arrays, a sqrt per distance) — ten restarts at k = 8 would be ~6 s
 * on their own, over the time goal — and it cannot start from given centroids. So the restarts
 * run with kMeansCluster on a sample (segment/silhouette.ts) and refineKMeans carries the best
 * sample centroids to every customer, a few ms per iteration.
 */
import { kMeansCluster } from 'simple-statistics';
import { deriveSeed, mulberry32, sampleIndices } from './random.ts';

/** How many seeds each k is run from, at least (issue #16). */
export const DEFAULT_RESTARTS = 10;

/** A clustering: centroids, one label per point (0..k−1), sizes and inertia. */
export interface KMeansFit {
  k: number;
  centroids: number[][];
  labels: number[];
  sizes: number[];
  /** Σ over points of the squared distance to their centroid (scikit-learn's `inertia_`). */
  inertia: number;
  /** Starts of kMeansCluster that converged and were compared (0 when the fallback ran). */
  restarts: number;
  /** Starts dropped because a cluster ended up empty. */
  emptyClusterStarts: number;
}

/** What `fitKMeans` needs. */
export interface KMeansOptions {
  k: number;
  /** Same seed (and points) → same fit. */
  seed: number;
  /** Starts compared (default DEFAULT_RESTARTS). */
  restarts?: number;
}

/** Points that cannot be clustered into k groups (too few distinct points, bad values). */
export class KMeansError extends Error {
  override name = 'KMeansError';
}

/** Throw unless `points` is a non-empty matrix of finite numbers with ≥ k distinct rows. */
function checkPoints(points: readonly (readonly number[])[], k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new KMeansError(`k must be a positive integer: ${k}`);
  const d = points[0]?.length ?? 0;
  if (d === 0) throw new KMeansError('no points (or points without coordinates) to cluster');
  for (const p of points) {
    if (p.length !== d) throw new KMeansError(`every point needs ${d} coordinates`);
    if (!p.every(Number.isFinite)) throw new KMeansError(`a point is not finite: [${p.join()}]`);
  }
  if (points.length < k) throw new KMeansError(`${points.length} points for ${k} clusters`);
  const distinct = new Set<string>();
  for (const p of points) if (distinct.add(p.join()).size >= k) return;
  throw new KMeansError(`${distinct.size} distinct points for ${k} clusters`);
}

/** Σ squared distances of each point to its own centroid. */
export function inertiaOf(
  points: readonly (readonly number[])[],
  labels: readonly number[],
  centroids: readonly (readonly number[])[],
): number {
  let total = 0;
  points.forEach((p, i) => {
    const c = centroids[labels[i]!]!;
    for (let j = 0; j < p.length; j++) total += (p[j]! - c[j]!) ** 2;
  });
  return total;
}

function sizesOf(labels: readonly number[], k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l]!++;
  return sizes;
}

const isEmptyClusterError = (e: unknown) => e instanceof Error && /no friends/.test(e.message);

/**
 * k-means from `restarts` seeded starts of simple-statistics' kMeansCluster, the lowest inertia
 * kept (the first on a tie). Starts that end in an empty cluster are replaced by further seeds,
 * up to ten times `restarts` starts in all; if none converged, Lloyd from a seeded sample with
 * empty clusters re-seeded (refineKMeans). Deterministic for a seed.
 */
export function fitKMeans(
  points: readonly (readonly number[])[],
  options: KMeansOptions,
): KMeansFit {
  const { k, seed } = options;
  const restarts = options.restarts ?? DEFAULT_RESTARTS;
  checkPoints(points, k);
  const mutable = points as number[][]; // kMeansCluster copies before it shuffles; never writes
  let best: KMeansFit | undefined;
  let converged = 0;
  let empty = 0;
  for (let start = 0; converged < restarts && start < restarts * 10; start++) {
    let result: { labels: number[]; centroids: number[][] };
    try {
      result = kMeansCluster(mutable, k, mulberry32(deriveSeed(seed, k, start)));
    } catch (e) {
      if (!isEmptyClusterError(e)) throw e;
      empty++;
      continue;
    }
    converged++;
    const inertia = inertiaOf(points, result.labels, result.centroids);
    if (!best || inertia < best.inertia) {
      const sizes = sizesOf(result.labels, k);
      best = { k, ...result, sizes, inertia, restarts: 0, emptyClusterStarts: 0 };
    }
  }
  if (!best) {
    const start = sampleIndices(points.length, k, mulberry32(deriveSeed(seed, k, -1)));
    best = refineKMeans(
      points,
      start.map((i) => [...points[i]!]),
    );
  }
  return { ...best, restarts: converged, emptyClusterStarts: empty };
}

/**
 * Lloyd's algorithm from the given centroids until no label changes (or `maxIterations`): each
 * point to its nearest centroid (the lower index on a tie, as kMeansCluster does), each centroid
 * to the mean of its points. A cluster left empty takes the point farthest from its centroid
 * among clusters that keep at least one other point, so the fit always has k non-empty clusters.
 */
export function refineKMeans(
  points: readonly (readonly number[])[],
  initial: readonly (readonly number[])[],
  maxIterations = 300,
): KMeansFit {
  const k = initial.length;
  checkPoints(points, k);
  const n = points.length;
  const d = points[0]!.length;
  const x = new Float64Array(n * d);
  points.forEach((p, i) => x.set(p, i * d));
  const c = new Float64Array(k * d);
  initial.forEach((p, j) => c.set(p, j * d));
  const labels = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n); // squared distance to the point's own centroid
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);

  const assign = (): number => {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let bestJ = 0;
      let bestD = Infinity;
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = x[i * d + t]! - c[j * d + t]!;
          s += diff * diff;
        }
        if (s < bestD) {
          bestD = s;
          bestJ = j;
        }
      }
      if (labels[i] !== bestJ) changed++;
      labels[i] = bestJ;
      dist[i] = bestD;
    }
    return changed;
  };

  const update = (): void => {
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = labels[i]!;
      counts[j]!++;
      for (let t = 0; t < d; t++) sums[j * d + t]! += x[i * d + t]!;
    }
    for (let j = 0; j < k; j++) {
      if (counts[j]! > 0) continue;
      let far = -1;
      for (let i = 0; i < n; i++) {
        if (counts[labels[i]!]! > 1 && (far < 0 || dist[i]! > dist[far]!)) far = i;
      }
      const from = labels[far]!;
      counts[from]!--;
      counts[j] = 1;
      for (let t = 0; t < d; t++) {
        sums[from * d + t]! -= x[far * d + t]!;
        sums[j * d + t] = x[far * d + t]!;
      }
      labels[far] = j;
      dist[far] = 0;
    }
    for (let j = 0; j < k; j++) {
      for (let t = 0; t < d; t++) c[j * d + t] = sums[j * d + t]! / counts[j]!;
    }
  };

  for (let iteration = 0; assign() > 0 && iteration < maxIterations; iteration++) update();
  const centroids = Array.from({ length: k }, (_, j) => Array.from(c.subarray(j * d, j * d + d)));
  const out = Array.from(labels);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist[i]!;
  return {
    k,
    centroids,
    labels: out,
    sizes: sizesOf(out, k),
    inertia,
    restarts: 0,
    emptyClusterStarts: 0,
  };
}
