/**
 * Node selection, dbt style: `name`, `+name` (with everything upstream), `name+` (with
 * everything downstream), `+name+`, `tag:x`, `path:models/marts`, `source:raw.orders` (the
 * models that read that raw table directly; `source:orders` when the table name is unambiguous).
 * Several selectors are a union. Upstream/downstream follow build dependencies, so `+mart_x`
 * builds all that mart_x needs.
 */
import { reachable } from './graph.ts';
import { ModelFileError } from './header.ts';
import type { Project } from './project.ts';

/** A selector that matches nothing is an error, so a typo never silently builds nothing. */
export class SelectionError extends ModelFileError {
  override name = 'SelectionError';
}

/** The declared source tables `spec` names: `schema.table` exactly, or a bare table name. */
function sourceTables(project: Project, spec: string): string[] {
  if (project.sources.has(spec)) return [spec];
  return [...project.sources.values()].filter((s) => s.table === spec).map((s) => s.id);
}

/** The models that read any of `tables` (source ids) directly. */
function readersOf(project: Project, tables: ReadonlySet<string>): string[] {
  return [...project.models.values()]
    .filter((m) => m.sources.some((s) => tables.has(s)))
    .map((m) => m.name);
}

/**
 * The models a selector's core (without `+`) names. Throws when it names nothing that exists;
 * a declared source table that no model reads names no model, and that is not an error (the
 * scheduler asks for the models downstream of whatever ingest changed).
 */
function baseMatches(project: Project, raw: string, core: string): string[] {
  const all = [...project.models.values()];
  let found: string[];
  if (core.startsWith('tag:')) {
    const tag = core.slice(4);
    found = all.filter((m) => m.config.tags.includes(tag)).map((m) => m.name);
  } else if (core.startsWith('path:')) {
    const prefix = core.slice(5).replace(/\/+$/, '');
    found = all
      .filter((m) => m.file === prefix || m.file.startsWith(prefix + '/'))
      .map((m) => m.name);
  } else if (core.startsWith('source:')) {
    const tables = sourceTables(project, core.slice(7));
    if (tables.length === 0)
      throw new SelectionError(`selector "${raw}" matches no source table in sources.json`);
    if (tables.length > 1)
      throw new SelectionError(
        `selector "${raw}" is ambiguous: write ${tables.map((t) => `source:${t}`).join(' or ')}`,
      );
    return readersOf(project, new Set(tables));
  } else {
    found = project.models.has(core) ? [core] : [];
  }
  if (found.length === 0) throw new SelectionError(`selector "${raw}" matches no model`);
  return found;
}

/**
 * The models chosen by `selectors` (all models when none), in build order.
 * Throws SelectionError naming a selector that matches no model.
 */
export function selectModels(project: Project, selectors: readonly string[]): string[] {
  if (selectors.length === 0) return [...project.dag.order];
  const chosen = new Set<string>();
  for (const raw of selectors.flatMap((s) => s.split(/\s+/)).filter(Boolean)) {
    const up = raw.startsWith('+');
    const down = raw.endsWith('+') && raw.length > 1;
    const core = raw.slice(up ? 1 : 0, down ? -1 : undefined);
    for (const name of baseMatches(project, raw, core)) {
      chosen.add(name);
      if (up) for (const n of reachable(project.dag.parents, name)) chosen.add(n);
      if (down) for (const n of reachable(project.dag.children, name)) chosen.add(n);
    }
  }
  return project.dag.order.filter((n) => chosen.has(n));
}

/**
 * For the scheduler: the models, in build order, that read any of `tables` directly or through
 * other models (`raw.orders`, or a bare `orders` meaning that table in any source schema).
 * Tables that are not declared sources, or that no model reads, add nothing; an empty answer
 * means there is nothing to rebuild.
 */
export function modelsDownstreamOfTables(project: Project, tables: readonly string[]): string[] {
  const ids = new Set(tables.flatMap((t) => sourceTables(project, t)));
  const chosen = new Set<string>();
  for (const name of readersOf(project, ids)) {
    chosen.add(name);
    for (const n of reachable(project.dag.children, name)) chosen.add(n);
  }
  return project.dag.order.filter((n) => chosen.has(n));
}
