/**
 * The deterministic 80/20 split: a row is in the holdout when a hash of its key (the customer's
 * or opportunity's id) falls in the first `share` of the 32-bit range. No random numbers, and a
 * customer's side never depends on who else is in the data, so the same customer stays on the
 * same side from run to run as customers come and go.
 */

/**
 * A well-spread 32-bit hash of `salt:key`: FNV-1a over the UTF-16 code units, then murmur3's
 * finaliser, because FNV-1a alone leaves keys that differ only in the last digit ("C00017",
 * "C00018") close together in the high bits the split compares.
 */
export function hashKey(key: string, salt = ''): number {
  const text = salt ? `${salt}:${key}` : key;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key's hash as a number in [0, 1). */
export function hashUnit(key: string, salt = ''): number {
  return hashKey(key, salt) / 2 ** 32;
}

/** Whether the row with this key is in the holdout (`share` of keys, 0.2 by default). */
export function isHoldout(key: string, share = 0.2): boolean {
  return hashUnit(key) < share;
}

/** Row indices of the training and holdout sides, in the keys' order. */
export interface KeySplit {
  train: number[];
  holdout: number[];
}

/** Split rows by their keys: about `share` of them (0.2) to the holdout. */
export function splitByKey(keys: readonly string[], share = 0.2): KeySplit {
  if (!(share > 0 && share < 1)) throw new RangeError('the holdout share must be in (0, 1)');
  const out: KeySplit = { train: [], holdout: [] };
  keys.forEach((key, i) => (isHoldout(key, share) ? out.holdout : out.train).push(i));
  return out;
}
