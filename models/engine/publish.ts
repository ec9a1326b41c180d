/**
 * Publishing a run: every model the run staged becomes live in ONE DuckDB transaction on one
 * connection, so a reader (one query, or one transaction of a report) sees all the relations of
 * one build or all of the other, never a revenue tile from build N beside a chart from N+1.
 * DuckDB cannot rename schemas ("Altering schemas is not yet supported"), so the switch is per
 * relation, all inside the one transaction:
 *   - table (and incremental rebuilt in full): DROP the live relation, RENAME `__new` to it;
 *   - view: CREATE OR REPLACE the live view from SQL compiled against the live names (a
 *     published view must not keep reading `__new` relations that are dropped next);
 *   - incremental merge: apply `__delta` to the live table (DELETE … USING + INSERT BY NAME).
 * Then the staging relations left (views' `__new`, deltas) are dropped, outside the transaction.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { compileModel } from './compile.ts';
import { dropIfExists, inTransaction, queryRows } from './duck.ts';
import { DELTA, keyMatch, NEW, type ModelOutcome } from './materialize.ts';
import { relationOf, type ModelNode, type Project } from './project.ts';
import { quoteIdent, quoteLiteral } from './template.ts';

/** What a model's build staged, by its outcome's mode ('none': nothing). */
type Staged = Pick<ModelOutcome, 'model' | 'mode'>;

/** Kind of every relation in `schemas`, keyed `schema.name`: one catalog query for the run. */
async function relationKinds(
  conn: DuckDBConnection,
  schemas: readonly string[],
): Promise<Map<string, 'TABLE' | 'VIEW'>> {
  const list = schemas.map(quoteLiteral).join(', ');
  const rows = await queryRows(
    conn,
    `SELECT schema_name || '.' || table_name AS rel, 'TABLE' AS kind FROM duckdb_tables()
     WHERE database_name = current_database() AND schema_name IN (${list})
     UNION ALL
     SELECT schema_name || '.' || view_name, 'VIEW' FROM duckdb_views()
     WHERE database_name = current_database() AND schema_name IN (${list}) AND NOT internal`,
  );
  return new Map(rows.map((r) => [String(r.rel), r.kind as 'TABLE' | 'VIEW']));
}

function publishStatements(
  project: Project,
  vars: Readonly<Record<string, string>>,
  m: ModelNode,
  mode: ModelOutcome['mode'],
  live: 'TABLE' | 'VIEW' | undefined,
): string[] {
  const rel = relationOf(m);
  const drop = live ? [`DROP ${live} ${rel}`] : [];
  switch (mode) {
    case 'full':
      return [...drop, `ALTER TABLE ${relationOf(m, NEW)} RENAME TO ${quoteIdent(m.name)}`];
    case 'view': {
      const sql = compileModel(project, m, { vars });
      return [...(live === 'TABLE' ? drop : []), `CREATE OR REPLACE VIEW ${rel} AS ${sql}`];
    }
    case 'incremental': {
      const delta = relationOf(m, DELTA);
      const key = m.config.uniqueKey;
      return [
        ...(key.length
          ? [`DELETE FROM ${rel} AS t USING ${delta} AS s WHERE ${keyMatch(key)}`]
          : []),
        `INSERT INTO ${rel} BY NAME SELECT * FROM ${delta}`,
      ];
    }
    default:
      return [];
  }
}

/**
 * Make the staged models live together, in build order so a view is created after the
 * relations it reads. Throws (and publishes nothing: the transaction rolls back) on any error,
 * including an interrupt of `conn`.
 */
export async function publishModels(
  conn: DuckDBConnection,
  project: Project,
  vars: Readonly<Record<string, string>>,
  staged: readonly Staged[],
): Promise<void> {
  if (staged.length === 0) return;
  const models = staged.map((s) => ({ m: project.models.get(s.model)!, mode: s.mode }));
  const kinds = await relationKinds(conn, [...new Set(models.map(({ m }) => m.schema))]);
  const order = new Map(project.dag.order.map((n, i) => [n, i]));
  models.sort((a, b) => order.get(a.m.name)! - order.get(b.m.name)!);
  const statements = models.flatMap(({ m, mode }) =>
    publishStatements(project, vars, m, mode, kinds.get(`${m.schema}.${m.name}`)),
  );
  // One round trip: DuckDB runs the statements in order and stops at the first error.
  await inTransaction(conn, () => conn.run(statements.join(';\n')).then(() => undefined));
}

/** The staging relations a model's build creates, with their kind. */
function stagingOf(m: ModelNode, mode: ModelOutcome['mode']): [string, 'TABLE' | 'VIEW'][] {
  switch (mode) {
    case 'full':
      return [[m.name + NEW, 'TABLE']];
    case 'view':
      return [[m.name + NEW, 'VIEW']];
    case 'incremental':
      return [
        [m.name + NEW, 'VIEW'],
        [m.name + DELTA, 'TABLE'],
      ];
    default:
      return [];
  }
}

/**
 * Drop what the run staged and did not publish (all of it after a failure or an abort; views'
 * `__new` and deltas after a publish). One round trip in the usual case; when a name turns out
 * to be of the other kind (left by a killed run of an older model file), one by one.
 */
export async function dropStaging(
  conn: DuckDBConnection,
  project: Project,
  staged: readonly Staged[],
): Promise<void> {
  const items = staged.flatMap((s) => {
    const m = project.models.get(s.model)!;
    return stagingOf(m, s.mode).map(([name, kind]) => ({ m, name, kind }));
  });
  if (items.length === 0) return;
  try {
    await conn.run(
      items
        .map(({ m, name, kind }) => `DROP ${kind} IF EXISTS ${relationOf({ ...m, name })}`)
        .join(';\n'),
    );
  } catch {
    for (const { m, name } of items) await dropIfExists(conn, m.schema, name);
  }
}
