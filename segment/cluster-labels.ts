/**
 * Names for clusters, from their standardised centroids, in the words a sales manager uses:
 * "high value, recent", "low value, lapsed", "new, mid value, recent". A centroid half a standard
 * deviation (of the log feature, over all customers) above or below the average earns the word;
 * closer to the average it says nothing, except for value, which is always named ("mid value").
 * When two clusters would read the same, their next most distinctive features are added
 * ("…, frequent" / "…, few orders"); if that still does not tell them apart, a number does.
 */
import type { FeatureName } from './customer-features.ts';

/** How far from the average (in standard deviations) a centroid must be to earn a word. */
const CLEAR = 0.5;

type Words = { low: string; high: string; mid?: string };

/** Per feature: the word for a low and a high centroid. Low recency (days) means recent. */
const WORDS: Record<FeatureName, Words> = {
  monetary: { low: 'low value', high: 'high value', mid: 'mid value' },
  recency: { low: 'recent', high: 'lapsed' },
  frequency: { low: 'few orders', high: 'frequent' },
  tenure: { low: 'new', high: 'long-standing' },
};

function word(f: FeatureName, z: number): string | undefined {
  const w = WORDS[f];
  if (z <= -CLEAR) return w.low;
  if (z >= CLEAR) return w.high;
  return w.mid;
}

/**
 * A distinct label per centroid (`centroids[j][i]` is feature `names[i]` of cluster j, as a
 * z-score). Base words: "new" when tenure is clearly short, then value, then recency.
 */
export function labelClusters(
  centroids: readonly (readonly number[])[],
  names: readonly FeatureName[],
): string[] {
  const at = (c: readonly number[], f: FeatureName) => {
    const i = names.indexOf(f);
    return i < 0 ? undefined : c[i]!;
  };
  const parts = centroids.map((c) => {
    const base: string[] = [];
    const tenure = at(c, 'tenure');
    if (tenure !== undefined && tenure <= -CLEAR) base.push(WORDS.tenure.low);
    for (const f of ['monetary', 'recency'] as const) {
      const z = at(c, f);
      const w = z === undefined ? undefined : word(f, z);
      if (w) base.push(w);
    }
    // The features not yet used, most distinctive first, for telling look-alikes apart.
    const extra = names
      .filter((f) => f !== 'monetary' && f !== 'recency')
      .map((f) => ({ f, z: at(c, f)! }))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
      .map(({ f, z }) => word(f, z))
      .filter((w): w is string => w !== undefined && !base.includes(w));
    return { words: base, extra };
  });
  const text = (p: { words: string[] }) => p.words.join(', ') || 'average';
  const clash = () => {
    const seen = new Map<string, number>();
    for (const p of parts) seen.set(text(p), (seen.get(text(p)) ?? 0) + 1);
    return parts.map((p) => seen.get(text(p))! > 1);
  };
  for (let round = 0; round < names.length; round++) {
    const clashing = clash();
    if (!clashing.includes(true)) break;
    parts.forEach((p, j) => {
      const next = p.extra.shift();
      if (clashing[j] && next) p.words.push(next);
    });
  }
  const clashing = clash();
  const counters = new Map<string, number>();
  return parts.map((p, j) => {
    if (!clashing[j]) return text(p);
    const n = (counters.get(text(p)) ?? 0) + 1;
    counters.set(text(p), n);
    return `${text(p)} (${n})`;
  });
}
