/**
 * Node selection, dbt style: `name`, `+name` (with everything upstream), `name+` (with
 * everything downstream), `+name+`, `tag:x`, `path:models/marts`. Several selectors are a union.
 * Upstream/downstream follow build dependencies, so `+mart_x` builds all that mart_x needs.
 */
import { reachable } from './graph.ts';
import { ModelFileError } from './header.ts';
import type { Project } from './project.ts';

/** A selector that matches nothing is an error, so a typo never silently builds nothing. */
export class SelectionError extends ModelFileError {
  override name = 'SelectionError';
}

function baseMatches(project: Project, core: string): string[] {
  const all = [...project.models.values()];
  if (core.startsWith('tag:')) {
    const tag = core.slice(4);
    return all.filter((m) => m.config.tags.includes(tag)).map((m) => m.name);
  }
  if (core.startsWith('path:')) {
    const prefix = core.slice(5).replace(/\/+$/, '');
    return all
      .filter((m) => m.file === prefix || m.file.startsWith(prefix + '/'))
      .map((m) => m.name);
  }
  return project.models.has(core) ? [core] : [];
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
    const base = baseMatches(project, core);
    if (base.length === 0) throw new SelectionError(`selector "${raw}" matches no model`);
    for (const name of base) {
      chosen.add(name);
      if (up) for (const n of reachable(project.dag.parents, name)) chosen.add(n);
      if (down) for (const n of reachable(project.dag.children, name)) chosen.add(n);
    }
  }
  return project.dag.order.filter((n) => chosen.has(n));
}
