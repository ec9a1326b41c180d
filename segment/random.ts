/**
 * Seeded randomness for the segmentation: a given seed gives the same clusters on every run and
 * machine. mulberry32 is one 32-bit state and a few integer operations per draw — all k-means
 * needs (picking starting points and a sample), and what simple-statistics takes as its
 * `randomSource` (a function returning uniform values in [0, 1)).
 */

/** A function returning uniform values in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** mulberry32: a deterministic RandomSource for a 32-bit seed. */
export function mulberry32(seed: number): RandomSource {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for one use of the run's seed (restart 3 of k = 5, the sample, …), mixed so that
 * neighbouring seeds give unrelated streams: mulberry32 started from seeds 1 and 2 would
 * otherwise begin one step apart.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = Math.imul(seed | 0, 0x9e3779b1) ^ 0x5eed;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * `m` distinct indices of 0..n−1 drawn without replacement (a partial Fisher–Yates shuffle),
 * ascending; all of them when m ≥ n.
 */
export function sampleIndices(n: number, m: number, random: RandomSource): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (m >= n) return all;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, m).sort((a, b) => a - b);
}
