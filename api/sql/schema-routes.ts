/**
 * GET /sql/schema: what an analyst may read — every table and view of the schemas the guard
 * lets through (warehouse/read/guard.ts ANALYST_SCHEMAS), its columns and types, and the model
 * and column descriptions of the model headers (@description, @column) as the last build
 * recorded them in meta.models. For the console's autocompletion, the CLI's `\d`, and people.
 * DuckDB's own catalog views (information_schema, pg_catalog) are internal and not listed.
 */
import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { ANALYST_SCHEMAS } from '../../warehouse/read/guard.ts';
import { DEFAULT_TRUSTED_TIMEOUT_MS, withReadConnection } from '../../warehouse/read/run.ts';
import { AppError } from '../errors.ts';
import { wholeList } from '../pagination.ts';
import type { RouteRegistry } from '../route.ts';

const relationDto = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.enum(['table', 'view']),
  description: z.string().nullable().meta({ description: "the model header's @description" }),
  columns: z.array(
    z.object({
      name: z.string(),
      type: z.string().meta({ example: 'DECIMAL(18,2)' }),
      description: z.string().nullable().meta({ description: "the model header's @column" }),
    }),
  ),
});
type RelationDto = z.output<typeof relationDto>;

const COLUMNS = `
  SELECT c.schema_name, c.table_name, c.column_name, c.data_type,
         v.view_name IS NOT NULL AS is_view
  FROM duckdb_columns() AS c
  LEFT JOIN duckdb_views() AS v
    ON v.database_name = c.database_name AND v.schema_name = c.schema_name
   AND v.view_name = c.table_name
  WHERE c.database_name = current_database() AND NOT c.internal
    AND list_contains($1::VARCHAR[], c.schema_name)
  ORDER BY c.schema_name, c.table_name, c.column_index`;

const MODELS = `SELECT schema_name, name, description, CAST(columns AS VARCHAR) AS columns
  FROM meta.models`;

/** A model's descriptions from its header: @description, and @column by column name. */
export interface ModelDescriptions {
  description: string | null;
  columns: Record<string, string>;
}

/**
 * The models' descriptions as the last build recorded them in meta.models, by `schema.name`
 * (empty before the first build: no models yet). On a trusted connection: meta is out of an
 * analyst's reach, and this is the one face of it they are given (here and in the SQL wire
 * protocol's `\d+`, sqlwire/catalog-descriptions.ts).
 */
export async function readModelDescriptions(
  conn: DuckDBConnection,
): Promise<Map<string, ModelDescriptions>> {
  const built = await conn.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'meta' AND table_name = 'models'`,
  );
  if (Number(built.getRows()[0]![0]) === 0) return new Map();
  const models = (await conn.runAndReadAll(MODELS)).getRowObjectsJson();
  return new Map(
    models.map((m) => [
      `${String(m.schema_name)}.${String(m.name)}`,
      {
        description: m.description === null ? null : String(m.description),
        columns: JSON.parse(String(m.columns ?? '{}')) as Record<string, string>,
      },
    ]),
  );
}

/** Every relation an analyst may read, with its columns and descriptions. */
export async function analystSchema(ctx: AppContext): Promise<RelationDto[]> {
  if (!ctx.warehouse) throw new AppError('unavailable', 'this server runs without a warehouse');
  return withReadConnection(ctx.warehouse, DEFAULT_TRUSTED_TIMEOUT_MS, async (conn) => {
    const columns = (
      await conn.runAndReadAll(COLUMNS, [listValue([...ANALYST_SCHEMAS])])
    ).getRowObjectsJson();
    const described = await readModelDescriptions(conn);
    const out = new Map<string, RelationDto>();
    for (const c of columns) {
      const key = `${String(c.schema_name)}.${String(c.table_name)}`;
      const model = described.get(key);
      let relation = out.get(key);
      if (!relation) {
        relation = {
          schema: String(c.schema_name),
          name: String(c.table_name),
          kind: c.is_view ? 'view' : 'table',
          description: model?.description ?? null,
          columns: [],
        };
        out.set(key, relation);
      }
      relation.columns.push({
        name: String(c.column_name),
        type: String(c.data_type),
        description: model?.columns[String(c.column_name)] ?? null,
      });
    }
    return [...out.values()];
  });
}

export function schemaRoutes(ctx: AppContext, registry: RouteRegistry): Router {
  const router = Router();
  registry.add(
    router,
    {
      method: 'get',
      path: '/sql/schema',
      summary:
        'The tables and views analysts may query, with column types and the models’ descriptions',
      tag: 'sql',
      roles: ['analyst'],
      response: z.object({ items: z.array(relationDto), nextCursor: z.null() }),
      errors: [503],
    },
    async () => wholeList(await analystSchema(ctx)),
  );
  return router;
}
