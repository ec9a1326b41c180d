/**
 * Every `accepted_values` test of a staging model accepts exactly what the operational database
 * lets its source column hold. The two lists live apart — a CHECK constraint in a migration, a
 * header line in a model file — and a migration that widened a check (0700 added the
 * `churn_risk` follow-up trigger) without the model failed every build from the moment someone
 * created such a rule: found by walking the demo, not by a test. Here the lists are read from a
 * migrated database (the CHECK's definition, or the enum type's labels) and compared for every
 * staging model, so the next widening fails here first.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationalDb } from '../db/operational.ts';
import { loadProject } from '../models/engine/project.ts';
import { openTestDb, tempDir } from './support/harness.ts';

/** A staging column with accepted values, and the raw column it is selected from. */
interface EnumColumn {
  model: string;
  column: string;
  values: string[];
  table: string;
  sourceColumn: string;
}

/** The staging models' accepted_values tests, each traced to its source table and column. */
function stagingEnums(): EnumColumn[] {
  const out: EnumColumn[] = [];
  for (const model of loadProject().models.values()) {
    if (model.layer !== 'staging') continue;
    for (const test of model.config.tests) {
      if (test.kind !== 'accepted_values') continue;
      const column = test.columns[0]!;
      // `type AS activity_type` renames; a bare `trigger,` keeps the name.
      const renamed = new RegExp(`(\\w+)\\s+AS\\s+${column}\\b`, 'i').exec(model.sql);
      expect(model.sources, `${model.file} reads one source`).toHaveLength(1);
      out.push({
        model: model.name,
        column,
        values: test.values!.map(String),
        table: model.sources[0]!.replace(/^raw\./, ''),
        sourceColumn: renamed?.[1] ?? column,
      });
    }
  }
  return out;
}

/** What PostgreSQL lets `table.column` hold: its CHECK (… IN …) values or its enum's labels. */
async function allowedValues(ops: OperationalDb, table: string, column: string) {
  const checks = await sql<{ def: string }>`
    SELECT pg_get_constraintdef(c.oid) AS def
    FROM pg_constraint AS c
    JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.contype = 'c' AND c.conrelid = ${table}::regclass AND a.attname = ${column}
      AND cardinality(c.conkey) = 1`.execute(ops.db);
  const labels = await sql<{ label: string }>`
    SELECT e.enumlabel AS label
    FROM pg_attribute AS a JOIN pg_enum AS e ON e.enumtypid = a.atttypid
    WHERE a.attrelid = ${table}::regclass AND a.attname = ${column}
    ORDER BY e.enumsortorder`.execute(ops.db);
  if (labels.rows.length) return labels.rows.map((r) => r.label);
  const listed = checks.rows
    .map((r) => [...r.def.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")))
    .filter((values) => values.length > 0);
  return listed.length === 1 ? listed[0]! : null;
}

describe('staging accepted_values and the operational database', () => {
  let ops: OperationalDb;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ ops, dispose } = await openTestDb('embedded', tempDir('staging-enums-')));
  }, 120_000);
  afterAll(async () => dispose?.());

  it('finds the staging enums to compare (the check would be empty otherwise)', () => {
    const found = stagingEnums().map((e) => `${e.model}.${e.column}`);
    expect(found).toContain('stg_followup_rules.trigger');
    expect(found).toContain('stg_orders.status');
  });

  it.each(stagingEnums().map((e) => [`${e.model}.${e.column}`, e] as const))(
    '%s accepts what its source column may hold',
    async (_, e) => {
      const allowed = await allowedValues(ops, e.table, e.sourceColumn);
      expect(allowed, `no CHECK (… IN …) or enum on ${e.table}.${e.sourceColumn}`).not.toBeNull();
      expect([...e.values].sort()).toEqual([...allowed!].sort());
    },
  );
});
