/**
 * The k-means parts without a database: iris (the 150 rows as scikit-learn and R have them,
 * unscaled) must give scikit-learn's k = 3 optimum, a seed must always give the same result,
 * starts that leave a cluster empty (which make simple-statistics' kMeansCluster throw) must not
 * stop a fit, and the silhouette's choice of k is asserted as it is on iris and on clear blobs.
 */
import fs from 'node:fs';
import { kMeansCluster, mean, silhouette } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { labelClusters } from '../segment/cluster-labels.ts';
import { fitKMeans, inertiaOf, KMeansError, refineKMeans } from '../segment/kmeans.ts';
import { deriveSeed, mulberry32, sampleIndices } from '../segment/random.ts';
import { chooseK, meanSilhouette } from '../segment/silhouette.ts';

const iris = fs
  .readFileSync(new URL('./fixtures/iris.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').slice(0, 4).map(Number));

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** `n` copies of each point, in order. */
const repeat = (groups: [number[], number][]) =>
  groups.flatMap(([p, n]) => Array.from({ length: n }, () => [...p]));

describe('k-means on iris, unscaled', () => {
  it('finds the k = 3 optimum: inertia 78.85 within 0.1 %, sizes {50, 62, 38} or {50, 61, 39}', () => {
    expect(iris).toHaveLength(150);
    for (const seed of [1, 16, 42]) {
      const fit = fitKMeans(iris, { k: 3, seed });
      expect(Math.abs(fit.inertia - 78.85) / 78.85).toBeLessThan(0.001);
      expect([
        [38, 50, 62],
        [39, 50, 61],
      ]).toContainEqual(sorted(fit.sizes));
      expect(fit.restarts).toBe(10);
      expect(fit.labels).toHaveLength(150);
    }
  });

  it('needs the restarts: single starts of kMeansCluster can stop in a worse optimum', () => {
    const inertias = Array.from({ length: 10 }, (_, start) => {
      const r = kMeansCluster(iris, 3, mulberry32(deriveSeed(1, 3, start)));
      return inertiaOf(iris, r.labels, r.centroids);
    });
    // Seed 1's ten starts: 142.75 (setosa split, the other two species merged) four times,
    // 145.45 once; 78.86 ({50, 61, 39}) once; the optimum 78.85 four times.
    expect(inertias.filter((x) => x > 142)).toHaveLength(5);
    expect(fitKMeans(iris, { k: 3, seed: 1 }).inertia).toBe(Math.min(...inertias));
  });

  it('gives the same result for the same seed, and is refined to itself', () => {
    const a = fitKMeans(iris, { k: 4, seed: 7 });
    const b = fitKMeans(iris, { k: 4, seed: 7 });
    expect(b).toEqual(a);
    const again = refineKMeans(iris, a.centroids);
    expect(again.labels).toEqual(a.labels);
    expect(again.inertia).toBeCloseTo(a.inertia, 9);
    expect(chooseK(iris, { seed: 3 })).toEqual(chooseK(iris, { seed: 3 }));
  });

  it('scores k by mean silhouette: k = 2 on iris (setosa against the rest), as scikit-learn does', () => {
    const choice = chooseK(iris, { seed: 16 });
    expect(choice.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    // scikit-learn's silhouette_score for KMeans on iris: 0.681 (k = 2), 0.553 (k = 3).
    expect(choice.scores[0]!.silhouette).toBeCloseTo(0.681, 3);
    expect(choice.scores[1]!.silhouette).toBeCloseTo(0.553, 3);
    expect(choice.k).toBe(2);
    expect(choice.sample).toHaveLength(150);
  });
});

describe('choosing k', () => {
  it('computes the mean silhouette as simple-statistics does, singletons included', () => {
    for (let k = 2; k <= 8; k++) {
      const { labels } = fitKMeans(iris, { k, seed: 2 });
      expect(meanSilhouette(iris, labels)).toBeCloseTo(mean(silhouette(iris, labels)), 12);
    }
    const points = [[0], [0.1], [0.3], [5], [9], [9.2]];
    const labels = [0, 0, 0, 1, 2, 2]; // cluster 1 is one point: s = 0 there
    expect(meanSilhouette(points, labels)).toBeCloseTo(mean(silhouette(points, labels)), 12);
  });

  it('picks k = 3 for three clear blobs, scoring only a sample of them', () => {
    const random = mulberry32(5);
    const centres = [
      [0, 0],
      [10, 0],
      [5, 9],
    ];
    const points = Array.from({ length: 3000 }, (_, i) => {
      const c = centres[i % 3]!;
      return [c[0]! + random() * 2 - 1, c[1]! + random() * 2 - 1];
    });
    const choice = chooseK(points, { seed: 1, sampleSize: 600 });
    expect(choice.k).toBe(3);
    expect(choice.sample).toHaveLength(600);
    expect(new Set(choice.sample).size).toBe(600);
    expect(sorted(choice.fit.sizes).every((n) => n > 150)).toBe(true);
    // The sample's centroids carried to all 3,000 points: every blob whole.
    const all = refineKMeans(points, choice.fit.centroids);
    expect(sorted(all.sizes)).toEqual([1000, 1000, 1000]);
  });

  it('does not try more clusters than there are distinct points', () => {
    const points = repeat([
      [[0, 0], 10],
      [[1, 1], 10],
      [[2, 2], 10],
    ]);
    const choice = chooseK(points, { seed: 1 });
    expect(choice.scores.map((s) => s.k)).toEqual([2, 3]);
    expect(choice.k).toBe(3);
    expect(() => chooseK(repeat([[[4, 4], 9]]), { seed: 1 })).toThrow(KMeansError);
  });
});

describe('empty clusters', () => {
  // 60 equal points: three random starting points almost always include two of them, and the
  // second of two equal centroids gets no points (ties go to the first).
  const crowded = repeat([
    [[0, 0], 60],
    [[5, 5], 20],
    [[10, 0], 20],
  ]);

  it('drops the starts kMeansCluster throws on and still fits', () => {
    const seed = 1;
    expect(() => kMeansCluster(crowded, 3, mulberry32(deriveSeed(seed, 3, 0)))).toThrow(
      /no friends/,
    );
    const fit = fitKMeans(crowded, { k: 3, seed });
    expect(fit.emptyClusterStarts).toBeGreaterThan(0);
    expect(fit.restarts).toBe(10);
    expect(sorted(fit.sizes)).toEqual([20, 20, 60]);
    expect(fit.inertia).toBe(0);
  });

  it('falls back to re-seeding empty clusters when every start fails', () => {
    // Two odd points among 1,000 equal ones: a start succeeds only if it draws both of them.
    const lonely = repeat([
      [[0, 0], 1000],
      [[1, 1], 1],
      [[2, 2], 1],
    ]);
    const fit = fitKMeans(lonely, { k: 3, seed: 4 });
    expect(fit.restarts).toBe(0);
    expect(fit.emptyClusterStarts).toBe(100);
    expect(sorted(fit.sizes)).toEqual([1, 1, 1000]);
    expect(fit.inertia).toBe(0);
  });

  it('refines from equal starting centroids by moving one to the farthest point', () => {
    const fit = refineKMeans(crowded, [
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(sorted(fit.sizes)).toEqual([20, 20, 60]);
    expect(fit.inertia).toBe(0);
  });

  it('refuses what cannot be clustered, naming why', () => {
    expect(() => fitKMeans(repeat([[[1, 2], 5]]), { k: 2, seed: 1 })).toThrow(
      /1 distinct points for 2 clusters/,
    );
    expect(() => fitKMeans([[1, NaN]], { k: 1, seed: 1 })).toThrow(/not finite/);
    expect(() => fitKMeans([], { k: 1, seed: 1 })).toThrow(KMeansError);
  });
});

describe('seeded randomness and labels', () => {
  it('samples distinct indices, the same for the same seed', () => {
    const a = sampleIndices(100_000, 2000, mulberry32(9));
    expect(a).toEqual(sampleIndices(100_000, 2000, mulberry32(9)));
    expect(new Set(a).size).toBe(2000);
    expect(a).not.toEqual(sampleIndices(100_000, 2000, mulberry32(10)));
    expect(sampleIndices(5, 10, mulberry32(1))).toEqual([0, 1, 2, 3, 4]);
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
  });

  it('names clusters in words, distinct even when two look alike', () => {
    const names = ['recency', 'frequency', 'monetary', 'tenure'] as const;
    const labels = labelClusters(
      [
        [-1, 1.2, 1.3, 0.6], // recent, frequent, high value
        [1.4, -0.8, -0.9, 0.4], // lapsed, low value
        [-0.9, -0.7, -0.6, -1.5], // new
        [0.1, 0.8, 0.2, 0.1], // mid value, frequent
        [0.1, -0.8, 0.2, 0.1], // mid value, few orders
      ],
      names,
    );
    expect(labels).toEqual([
      'high value, recent',
      'low value, lapsed',
      'new, low value, recent',
      'mid value, frequent',
      'mid value, few orders',
    ]);
    expect(labelClusters([[0.1], [0.2]], ['monetary'])).toEqual(['mid value (1)', 'mid value (2)']);
  });
});
