/**
 * The models' descriptions for psql's `\d+ name` and `\dt+` over the wire (catalog.ts): the
 * model headers' @description and @column, as GET /sql/schema gives them (the same reader,
 * api/sql/schema-routes.ts). They live in meta.models, which the guard keeps from analysts, so
 * they are read here on a trusted connection and written into the catalog answer as literals —
 * that answer still runs through the guard and the history like any other.
 */
import { readModelDescriptions } from '../api/sql/schema-routes.ts';
import type { AppContext } from '../context.ts';
import { DEFAULT_TRUSTED_TIMEOUT_MS, withReadConnection } from '../warehouse/read/run.ts';
import { LISTED, LISTED_SQL, RELATIONS } from './catalog-scope.ts';

/** The descriptions of the relations analysts read, by `schema.name` (described ones only). */
export async function relationDescriptions(ctx: AppContext): Promise<Map<string, string>> {
  if (!ctx.warehouse) return new Map();
  const models = await withReadConnection(
    ctx.warehouse,
    DEFAULT_TRUSTED_TIMEOUT_MS,
    readModelDescriptions,
  );
  // Only the listed schemas': the answer's text is in the history the analyst reads, and an
  // intermediate model's description is no more theirs to see than the model is.
  const out = new Map<string, string>();
  for (const [relation, model] of models)
    if (model.description !== null && LISTED.includes(relation.slice(0, relation.indexOf('.'))))
      out.set(relation, model.description);
  return out;
}

/** The column descriptions of the relation with DuckDB oid `oid`, by column name. */
export async function columnDescriptions(
  ctx: AppContext,
  oid: string,
): Promise<Map<string, string>> {
  if (!ctx.warehouse) return new Map();
  return withReadConnection(ctx.warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, async (conn) => {
    const found = await conn.runAndReadAll(
      `SELECT rel.schema_name || '.' || rel.name FROM ${RELATIONS}
        WHERE rel.oid = $1 AND rel.schema_name IN (${LISTED_SQL})`,
      [BigInt(oid)],
    );
    const relation = found.getRows()[0]?.[0];
    if (relation === undefined) return new Map();
    const model = (await readModelDescriptions(conn)).get(String(relation));
    return new Map(Object.entries(model?.columns ?? {}));
  });
}
