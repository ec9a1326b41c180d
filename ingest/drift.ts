/**
 * Schema drift between what the warehouse holds for a table and what PostgreSQL has now.
 * Appended columns are added in place (ALTER TABLE ADD, then back-filled); anything else — a
 * column dropped, renamed, retyped or moved, or a new primary key — rebuilds the table from
 * scratch, and the reason goes into the run log. Nothing is ever converted silently.
 */
import type { ColumnPlan } from './types.ts';

/** A column as remembered in raw._ingest_state. */
export interface StoredColumn {
  name: string;
  pgType: string;
  duckType: string;
}

/** What to do about the difference. */
export type Drift =
  { kind: 'none' } | { kind: 'added'; columns: ColumnPlan[] } | { kind: 'rebuild'; reason: string };

/** Compare the stored shape with the current one. */
export function detectDrift(
  stored: readonly StoredColumn[],
  storedKey: readonly string[],
  current: readonly ColumnPlan[],
  currentKey: readonly string[],
): Drift {
  const byName = new Map(current.map((c) => [c.name, c]));
  for (const [i, old] of stored.entries()) {
    const now = byName.get(old.name);
    if (!now) return { kind: 'rebuild', reason: `column ${old.name} was dropped` };
    if (now.pgType !== old.pgType || now.duckType !== old.duckType) {
      return {
        kind: 'rebuild',
        reason: `column ${old.name} changed type ${old.pgType} → ${now.pgType}`,
      };
    }
    if (current[i]?.name !== old.name) {
      return { kind: 'rebuild', reason: `column ${old.name} moved` };
    }
  }
  if (storedKey.join(',') !== currentKey.join(',')) {
    return {
      kind: 'rebuild',
      reason: `primary key changed (${storedKey.join(', ') || 'none'} → ${currentKey.join(', ') || 'none'})`,
    };
  }
  const added = current.slice(stored.length);
  return added.length ? { kind: 'added', columns: added } : { kind: 'none' };
}

/** The part of a plan worth remembering. */
export function storedColumns(columns: readonly ColumnPlan[]): StoredColumn[] {
  return columns.map(({ name, pgType, duckType }) => ({ name, pgType, duckType }));
}
