/**
 * Event type patterns, as the feed's `types=` takes them (and webhooks will): a comma-separated
 * list of exact types (`stock.low`) and area prefixes (`order.*`). Pure, so the rule for what a
 * pattern matches lives in one place and is tested without a database.
 */

/** One name part: lower case letters, digits and `_`, starting with a letter (`price_list`). */
const PART = '[a-z][a-z0-9_]*';
const EXACT = new RegExp(`^${PART}(\\.${PART})+$`);
const PREFIX = new RegExp(`^${PART}(\\.${PART})*\\.\\*$`);

/** Most patterns one request may list: each is one more condition in the query. */
export const MAX_TYPE_PATTERNS = 20;

/** Parsed `types=`: exact types, and prefixes (with their trailing dot) for `area.*`. */
export interface TypePatterns {
  exact: string[];
  prefixes: string[];
}

/**
 * Parse `order.*,stock.low`; returns the problems (naming each bad pattern) or the patterns.
 * Blank entries between commas are ignored, so `order.*,` is fine.
 */
export function parseTypePatterns(text: string): { patterns: TypePatterns } | { problem: string } {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) return { problem: 'give at least one type, e.g. order.* or stock.low' };
  if (items.length > MAX_TYPE_PATTERNS)
    return { problem: `at most ${MAX_TYPE_PATTERNS} patterns (got ${items.length})` };
  const bad = items.filter((p) => !EXACT.test(p) && !PREFIX.test(p));
  if (bad.length)
    return {
      problem: `${bad.map((b) => JSON.stringify(b)).join(', ')}: a pattern is a type (stock.low) or an area followed by .* (order.*)`,
    };
  return {
    patterns: {
      exact: [...new Set(items.filter((p) => EXACT.test(p)))],
      prefixes: [...new Set(items.filter((p) => PREFIX.test(p)).map((p) => p.slice(0, -1)))],
    },
  };
}

/** Whether `type` matches any of the patterns (what the SQL in repository.ts says too). */
export function matchesType(patterns: TypePatterns, type: string): boolean {
  return patterns.exact.includes(type) || patterns.prefixes.some((p) => type.startsWith(p));
}
