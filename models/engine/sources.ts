/**
 * `models/sources.json`: the raw tables models may read with `{{ source('raw', 'x') }}`, their
 * descriptions and, for the tables where it means something, a freshness rule. Declaring sources
 * turns a typo in a table name into an error naming the model file, not a DuckDB error mid-build.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ModelFileError } from './header.ts';

const freshnessSchema = z.object({
  loaded_at_field: z.string().regex(/^\w+$/),
  warn_after_hours: z.number().positive().optional(),
  error_after_hours: z.number().positive().optional(),
});

const fileSchema = z.object({
  sources: z.record(
    z.string().regex(/^\w+$/),
    z.object({
      description: z.string().optional(),
      tables: z.record(
        z.string().regex(/^\w+$/),
        z.object({
          description: z.string().optional(),
          freshness: freshnessSchema.optional(),
        }),
      ),
    }),
  ),
});

/** Freshness rule: warn/error when now − max(loaded_at_field) exceeds the given hours. */
export interface FreshnessRule {
  loadedAtField: string;
  warnAfterHours?: number;
  errorAfterHours?: number;
}

/** One declared source table, e.g. raw.orders. */
export interface SourceTable {
  /** `schema.table`, the key used everywhere. */
  id: string;
  schema: string;
  table: string;
  description?: string;
  freshness?: FreshnessRule;
}

/** Read sources.json (absent file → no sources). Errors name the file and the bad field. */
export function loadSources(file: string, displayName: string): Map<string, SourceTable> {
  const out = new Map<string, SourceTable>();
  if (!fs.existsSync(file)) return out;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelFileError(`${displayName}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelFileError(`${displayName}: ${issue.path.join('.')}: ${issue.message}`);
  }
  for (const [schema, s] of Object.entries(parsed.data.sources)) {
    for (const [table, t] of Object.entries(s.tables)) {
      out.set(`${schema}.${table}`, {
        id: `${schema}.${table}`,
        schema,
        table,
        description: t.description,
        freshness: t.freshness && {
          loadedAtField: t.freshness.loaded_at_field,
          warnAfterHours: t.freshness.warn_after_hours,
          errorAfterHours: t.freshness.error_after_hours,
        },
      });
    }
  }
  return out;
}
