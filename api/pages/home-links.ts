/**
 * What the home page links to for a caller: the tools their role can use, and one entry per API
 * area their role may read, taken from the route registry itself, so a new area (or a role
 * change in a route's declaration) shows up here without editing a list.
 */
import type { Principal } from '../auth/principal.ts';
import type { RouteRegistry } from '../route.ts';
import type { HomeLink } from './views.ts';

/** Tools (pages) by the roles that may use them; dashboards and the SQL console join here. */
const TOOLS: { link: HomeLink; roles: 'all' | readonly string[] }[] = [
  {
    link: { href: '/account', label: 'Your account', note: 'change your password' },
    roles: 'all',
  },
  {
    link: {
      href: '/api/v1/openapi.json',
      label: 'API reference',
      note: 'every operation, its fields and the roles it allows (OpenAPI 3.1)',
    },
    roles: 'all',
  },
];

export function homeLinks(
  registry: RouteRegistry,
  principal: Principal,
): { tools: HomeLink[]; data: HomeLink[] } {
  const allowed = (roles: 'all' | 'public' | readonly string[]) =>
    roles === 'all' ||
    roles === 'public' ||
    principal.role === 'admin' ||
    roles.includes(principal.role);
  const tools = TOOLS.filter((t) => allowed(t.roles)).map((t) => t.link);
  const byTag = new Map<string, HomeLink>();
  for (const op of registry.operations) {
    if (op.method !== 'get' || op.path.includes(':') || !op.path.startsWith('/api/v1/')) continue;
    if (op.roles === 'public' || !allowed(op.roles) || byTag.has(op.tag)) continue;
    byTag.set(op.tag, { href: op.path, label: title(op.tag), note: op.summary });
  }
  const data = [...byTag.values()].sort((a, b) => a.label.localeCompare(b.label));
  return { tools, data };
}

function title(tag: string): string {
  const t = tag.replace(/[-_]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
