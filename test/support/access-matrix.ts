/**
 * The role × route matrix of docs/access.md as data, and the same matrix as the OpenAPI document states
 * it (x-roles), so the access suites can hold the two and the running app to one another.
 */
import fs from 'node:fs';
import { ROLES, type Role } from '../../db/schema.ts';

/** Scope a cell grants: on every record, within the caller's team, or only the caller's own. */
export type CellScope = 'all' | 'team' | 'own';

/** One row of the docs/access.md table. */
export interface MatrixRow {
  /** `GET /api/v1/customers/{id}`: method and OpenAPI-style path, as docs/access.md writes it. */
  route: string;
  method: string;
  path: string;
  /** The roles allowed (any scope); the others answer 403. */
  allowed: Set<Role>;
  /** The scope of each allowed role. */
  scope: Partial<Record<Role, CellScope>>;
}

const CELL: Record<string, CellScope | null> = {
  '✓': 'all',
  _team_: 'team',
  _own_: 'own',
  '—': null,
};

/** Parse the table between the role-matrix markers of docs/access.md; any odd row or cell throws. */
export function readMatrix(): MatrixRow[] {
  const readme = fs.readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
  const table = readme.split('<!-- role-matrix:start -->')[1]?.split('<!-- role-matrix:end -->')[0];
  if (!table) throw new Error('docs/access.md has no role-matrix table');
  const lines = table.split('\n').filter((l) => l.startsWith('|'));
  const header = lines[0]
    ?.split('|')
    .slice(2, -1)
    .map((c) => c.trim());
  if (header?.join() !== ROLES.join()) {
    throw new Error(`role-matrix header must be | route | ${ROLES.join(' | ')} |`);
  }
  return lines
    .filter((l) => l.startsWith('| `'))
    .map((line) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      const m = /^`(GET|POST|PUT|PATCH|DELETE) (\S+)`$/.exec(cells[0]!);
      if (!m || cells.length !== 1 + ROLES.length) throw new Error(`bad matrix row: ${line}`);
      const row: MatrixRow = {
        route: `${m[1]} ${m[2]}`,
        method: m[1]!,
        path: m[2]!,
        allowed: new Set(),
        scope: {},
      };
      ROLES.forEach((role, i) => {
        const scope = CELL[cells[i + 1]!];
        if (scope === undefined) throw new Error(`bad cell "${cells[i + 1]}" in: ${line}`);
        if (scope === null) return;
        row.allowed.add(role);
        row.scope[role] = scope;
      });
      return row;
    });
}

/**
 * Every operation the OpenAPI document lists under /api/v1, with the roles it lets through
 * (admin always; a public operation lets every role through, and shows up as a mismatch since
 * docs/access.md promises a 401 without a key on every route).
 */
export function documentedRoles(doc: {
  paths: Record<string, Record<string, { 'x-roles'?: Role[]; security?: unknown[] }>>;
}): Map<string, Set<Role>> {
  const documented = new Map<string, Set<Role>>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      // Public operations (the OpenAPI document itself) need no key: no role to check.
      if (op.security?.length === 0) continue;
      const roles = op['x-roles'] ?? ROLES;
      documented.set(`${method.toUpperCase()} ${path}`, new Set<Role>(['admin', ...roles]));
    }
  }
  return documented;
}

/** Write the docs/access.md table rows for `documented` (used to regenerate the table by hand). */
export function matrixRows(
  documented: Map<string, Set<Role>>,
  scopeOf: (route: string, role: Role) => CellScope = () => 'all',
): string[] {
  const mark = { all: '✓', team: '_team_', own: '_own_' } as const;
  return [...documented].map(
    ([route, roles]) =>
      `| \`${route}\` | ${ROLES.map((r) => (roles.has(r) ? mark[scopeOf(route, r)] : '—')).join(' | ')} |`,
  );
}
