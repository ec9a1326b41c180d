/**
 * The model DAG: topological order, cycle detection and up/downstream walks. Pure, so the
 * ordering rules are unit-tested without a database.
 */
import { ModelFileError } from './header.ts';

/** Parents (what a node reads) and children of every node, plus one topological order. */
export interface Dag {
  readonly parents: ReadonlyMap<string, ReadonlySet<string>>;
  readonly children: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every node, parents before children; ties broken by name so runs are reproducible. */
  readonly order: readonly string[];
}

/**
 * Build the DAG from each node's parents. A cycle is an error that lists the cycle and the
 * file of each node on it (`fileOf`).
 */
export function buildDag(
  parentsOf: ReadonlyMap<string, readonly string[]>,
  fileOf: (name: string) => string,
): Dag {
  const parents = new Map<string, Set<string>>();
  const children = new Map<string, Set<string>>();
  for (const name of parentsOf.keys()) {
    parents.set(name, new Set());
    children.set(name, new Set());
  }
  // A self-edge is a cycle too (a model that ref()s itself would read a table that does not
  // exist yet); callers leave out edges that are not reads, such as a test on its own model.
  for (const [name, ps] of parentsOf) {
    for (const p of ps) {
      parents.get(name)!.add(p);
      children.get(p)?.add(name);
    }
  }

  // Kahn's algorithm; nodes left over are on (or behind) a cycle.
  const indegree = new Map([...parents].map(([n, ps]) => [n, ps.size]));
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n);
  const order: string[] = [];
  while (ready.length) {
    ready.sort();
    const n = ready.shift()!;
    order.push(n);
    for (const c of children.get(n)!) {
      const d = indegree.get(c)! - 1;
      indegree.set(c, d);
      if (d === 0) ready.push(c);
    }
  }
  if (order.length < parents.size) {
    const cycle = findCycle(parents, new Set(order));
    throw new ModelFileError(
      `dependency cycle: ${cycle.join(' -> ')} (${[...new Set(cycle)].map(fileOf).join(', ')})`,
    );
  }
  return { parents, children, order };
}

/** One cycle among the nodes not in `done`, as a closed path a -> b -> a. */
function findCycle(parents: ReadonlyMap<string, ReadonlySet<string>>, done: Set<string>): string[] {
  const start = [...parents.keys()].filter((n) => !done.has(n)).sort()[0]!;
  const path: string[] = [];
  const onPath = new Map<string, number>();
  let node = start;
  // Every remaining node has a remaining parent, so walking parents must revisit a node.
  for (;;) {
    if (onPath.has(node)) return [...path.slice(onPath.get(node)!), node].reverse();
    onPath.set(node, path.length);
    path.push(node);
    node = [...parents.get(node)!].filter((p) => !done.has(p)).sort()[0]!;
  }
}

/** Every node reachable through `edges` from `name` (excluding itself). */
export function reachable(
  edges: ReadonlyMap<string, ReadonlySet<string>>,
  name: string,
): Set<string> {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length) {
    for (const next of edges.get(stack.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}
