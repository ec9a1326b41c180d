/**
 * Loading the dashboard files: every `*.yaml` in the folder, parsed, checked against
 * dashboards/schema.ts, and each panel query checked with DuckDB's parser (marts only, one
 * SELECT, the parameters it names are the filters it declares). Any problem is one line naming
 * the file and the field: `dashboards/executive.yaml: panels.2.query: required`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { loadProject } from '../models/engine/project.ts';
import { columnField, dashboardSchema, type Dashboard, type LoadedDrill } from './schema.ts';
import { openSqlParser, type SqlParser } from './sql-guard.ts';

/** The built-in dashboards folder, beside this file. */
export const DASHBOARDS_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * The scheduled reports' file (dashboards/report-catalog.ts), beside the dashboards it draws but
 * not one of them.
 */
export const REPORTS_FILE = 'reports.yaml';

/** Dashboards by id, in file-name order. */
export type DashboardCatalog = ReadonlyMap<string, Dashboard>;

/** A dashboard file that cannot be served; the message is the one line start-up prints. */
export class DashboardFileError extends Error {
  override name = 'DashboardFileError';
}

/** `file` relative to the working folder when it is below it (dashboards/executive.yaml). */
export function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** zod's first issue as `field.path: message`, with "required" for a missing field. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  const missing =
    issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'required' : null;
  return `${where}: ${missing ?? issue.message}`;
}

/** Parse and validate one file's text (no SQL check); throws DashboardFileError. */
export function parseDashboard(file: string, text: string): Dashboard {
  const fail = (msg: string) => new DashboardFileError(`${shownPath(file)}: ${msg}`);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw fail(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = dashboardSchema.safeParse(data);
  if (!r.success) throw fail(firstIssue(r.error));
  const id = path.basename(file).replace(/\.ya?ml$/, '');
  if (r.data.id !== id) throw fail(`id: ${r.data.id} must be the file name (${id})`);
  return {
    ...r.data,
    file,
    panels: r.data.panels.map((p) => ({
      ...p,
      relations: [],
      drill: p.drill && { ...p.drill, relations: [] },
    })),
    drill: r.data.drill && { ...r.data.drill, relations: [] },
  };
}

/** One query's check: its shape, and its $parameters = its declared filters; → the marts it reads. */
async function checkQuery(
  parser: SqlParser,
  where: string,
  query: string,
  filters: readonly string[],
): Promise<{ relations: string[]; columns: string[] | null }> {
  const shape = await parser.shape(query);
  if (!shape.ok) throw new DashboardFileError(`${where}: ${shape.reason}`);
  checkMarts(where, shape.relations);
  const declared = [...filters].sort();
  const unknown = shape.parameters.filter((p) => !declared.includes(p));
  if (unknown.length)
    throw new DashboardFileError(
      `${where}: uses ${unknown.map((p) => `$${p}`).join(', ')} but its filters do not list ${unknown.join(', ')}`,
    );
  const unused = declared.filter((f) => !shape.parameters.includes(f));
  if (unused.length)
    throw new DashboardFileError(
      `${where}: its filters list ${unused.join(', ')} but the query never reads ${unused.map((f) => `$${f}`).join(', ')}`,
    );
  return shape;
}

/** The marts the model project makes (models/marts/), read once per process. */
let knownMarts: ReadonlySet<string> | undefined;

/**
 * A mart the query reads must be one a model makes. A misspelt one is the file's mistake, said
 * at load; unchecked, it answered 503 "not built yet" forever, as if a build would bring it.
 */
function checkMarts(where: string, relations: readonly string[]): void {
  knownMarts ??= new Set(
    [...loadProject().models.values()].filter((m) => m.schema === 'marts').map((m) => m.name),
  );
  const marts = knownMarts;
  const unknown = relations.find((r) => r.startsWith('marts.') && !marts.has(r.slice(6)));
  if (unknown)
    throw new DashboardFileError(
      `${where}: reads ${unknown}, which no model under models/ makes (the marts: ${[...marts].sort().join(', ')})`,
    );
}

/** `field` must be a column of the query's result, when the parse tree names them. */
function checkColumn(where: string, field: string, columns: string[] | null): void {
  if (columns && !columns.includes(field))
    throw new DashboardFileError(
      `${where}: ${field} is not a column of the query (it has ${columns.join(', ')})`,
    );
}

/** A drill's query and its columns (each a column of the query); sets the marts it reads. */
async function checkDrill(parser: SqlParser, where: string, drill: LoadedDrill): Promise<void> {
  const shape = await checkQuery(parser, `${where}.query`, drill.query, drill.filters);
  drill.relations = shape.relations;
  drill.columns.forEach((c, j) =>
    checkColumn(`${where}.columns.${j}`, columnField(c), shape.columns),
  );
}

/**
 * Every dashboard in `dir` (each YAML file but reports.yaml), validated, with each query checked
 * by DuckDB's parser. Throws DashboardFileError on the first bad file: a server does not start
 * with a broken dashboard.
 */
export async function loadDashboards(dir: string = DASHBOARDS_DIR): Promise<DashboardCatalog> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== REPORTS_FILE)
    .sort();
  const catalog = new Map<string, Dashboard>();
  const parser = await openSqlParser();
  try {
    for (const name of files) {
      const file = path.join(dir, name);
      const dashboard = parseDashboard(file, fs.readFileSync(file, 'utf8'));
      const at = `${shownPath(file)}: `;
      for (const [i, panel] of dashboard.panels.entries()) {
        const shape = await checkQuery(
          parser,
          `${at}panels.${i}.query (panel ${panel.id})`,
          panel.query,
          panel.filters,
        );
        panel.relations = shape.relations;
        if (panel.select)
          checkColumn(`${at}panels.${i}.select.field`, panel.select.field, shape.columns);
        if (panel.drill) await checkDrill(parser, `${at}panels.${i}.drill`, panel.drill);
      }
      if (dashboard.drill) await checkDrill(parser, `${at}drill`, dashboard.drill);
      catalog.set(dashboard.id, dashboard);
    }
  } finally {
    parser.close();
  }
  return catalog;
}
