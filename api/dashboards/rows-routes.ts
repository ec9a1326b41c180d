/**
 * GET /dashboards/{id}/panels/{panel}/rows: drill-through, the rows behind a panel for the
 * filters in the query string — `{items, nextCursor}` a page at a time, sortable by any of the
 * drill's columns, or `format=csv` for all of them, written a block at a time.
 */
import type { Router } from 'express';
import type { Json } from '@duckdb/node-api';
import type { AppContext } from '../../context.ts';
import { columnField } from '../../dashboards/schema.ts';
import { toCsv, type CsvColumn } from '../reports/csv.ts';
import type { RouteRegistry } from '../route.ts';
import { recordLinks, withRecordLinks } from './links.ts';
import { decodeOffset, encodeOffset, readRows, rowsScope } from './rows.ts';
import { panelParams, panelRows, panelRowsQuery } from './schemas.ts';
import { csvKind } from './csv-kind.ts';

/** Rows per query while writing a CSV: bounded memory on the 1 M-line demo. */
const CSV_BLOCK = 20_000;

/** Adds the rows route to the dashboards' router. */
export function addRowsRoute(
  ctx: AppContext,
  registry: RouteRegistry,
  router: Router,
  roles: readonly ('executive' | 'manager' | 'analyst')[],
): void {
  registry.add(
    router,
    {
      method: 'get',
      path: '/dashboards/:id/panels/:panel/rows',
      operationId: 'getDashboardPanelRows',
      csv: true,
      // 422: a query of the dashboard's file the marts cannot answer (dashboards/query-source.ts).
      errors: [422, 503],
      summary:
        'The rows behind a panel (drill-through) for the filters in the query string; sort, order, cursor, limit; format=csv for all',
      tag: 'dashboards',
      roles,
      params: panelParams,
      query: panelRowsQuery,
      response: panelRows,
    },
    async ({ params, query, principal, res }) => {
      const scope = await rowsScope(ctx, principal, params.id, params.panel, query);
      const links = recordLinks(registry, principal);
      if (query.format !== 'csv') {
        const offset = decodeOffset(query.cursor);
        const page = await readRows(ctx, scope, offset, query.limit + 1);
        const more = page.rows.length > query.limit;
        const rows = more ? page.rows.slice(0, query.limit) : page.rows;
        return {
          items: withRecordLinks(rows, links),
          nextCursor: more ? encodeOffset(offset + query.limit) : null,
        };
      }
      // The first block before any header is sent: a 503 (marts not built) is still an answer.
      let offset = 0;
      let block = await readRows(ctx, scope, offset, CSV_BLOCK);
      const types = new Map(block.columns.map((c) => [c.name, c.type]));
      const columns: CsvColumn<Record<string, Json>>[] = scope.drill.columns.map((c) => ({
        name: columnField(c),
        kind: csvKind(types.get(columnField(c)) ?? 'VARCHAR'),
      }));
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .setHeader(
          'content-disposition',
          `attachment; filename="${params.id}-${params.panel}-rows.csv"`,
        );
      // toCsv writes the header with each block: the first keeps it, the others drop it.
      res.write(toCsv(columns, block.rows));
      while (block.rows.length === CSV_BLOCK) {
        offset += CSV_BLOCK;
        block = await readRows(ctx, scope, offset, CSV_BLOCK);
        const text = toCsv(columns, block.rows);
        res.write(text.slice(text.indexOf('\r\n') + 2));
      }
      res.end();
      return undefined;
    },
  );
}
