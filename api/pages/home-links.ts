/**
 * What the home page links to for a caller: the tools their role can use, and the API lists their
 * role may read. Which links a role gets comes from the route registry itself (a role change in a
 * route's declaration shows here at once); the words come from AREAS, written for people, and an
 * area not listed there still shows, under its tag and summary.
 */
import type { Principal } from '../auth/principal.ts';
import type { RouteRegistry } from '../route.ts';
import type { HomeLink } from './views.ts';
import { DASHBOARD_PAGE_ROLES } from './dashboard-routes.ts';
import { CONSOLE_ROLES } from './sql-routes.ts';

/** Tools (pages) by the roles that may use them; the dashboards and the SQL console. */
const TOOLS: { link: HomeLink; roles: 'all' | readonly string[] }[] = [
  {
    link: {
      href: '/dashboards',
      label: 'Dashboards',
      note: 'revenue, teams, customers and stock at a glance, with filters and the rows behind',
    },
    roles: DASHBOARD_PAGE_ROLES,
  },
  {
    link: {
      href: '/sql',
      label: 'SQL console',
      note: 'query the warehouse, save and share queries, chart a result',
    },
    roles: CONSOLE_ROLES,
  },
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

/** The lists people open, in the order they are shown, with words for people. */
const AREAS: readonly HomeLink[] = [
  {
    href: '/api/v1/reports/sales',
    label: 'Sales report',
    note: 'revenue, orders and units by period',
  },
  { href: '/api/v1/customers', label: 'Customers', note: 'accounts and who owns them' },
  { href: '/api/v1/orders', label: 'Orders', note: 'every order and where it stands' },
  { href: '/api/v1/opportunities', label: 'Pipeline', note: 'open opportunities by stage' },
  { href: '/api/v1/activities', label: 'Activities', note: 'calls, meetings and tasks' },
  { href: '/api/v1/products', label: 'Products', note: 'the catalog and its prices' },
  { href: '/api/v1/stock', label: 'Stock', note: 'on hand and reserved, per warehouse' },
  { href: '/api/v1/reps', label: 'Sales reps', note: 'reps and their teams' },
  {
    href: '/api/v1/warehouse/freshness',
    label: 'Data freshness',
    note: 'how current the reports are',
  },
  { href: '/api/v1/audit', label: 'Audit log', note: 'who changed what, and when' },
  { href: '/api/v1/users', label: 'Users', note: 'people who sign in' },
  { href: '/api/v1/api-keys', label: 'API keys', note: 'keys for scripts and machines' },
  { href: '/api/v1/jobs', label: 'Background jobs', note: 'the refresh and its runs' },
  { href: '/api/v1/price-lists', label: 'Price lists', note: 'prices agreed per customer group' },
  { href: '/api/v1/order-rules', label: 'Order rules', note: 'approvals and limits on orders' },
  {
    href: '/api/v1/followup-rules',
    label: 'Follow-up rules',
    note: 'tasks made when something happens',
  },
  { href: '/api/v1/ingest/runs', label: 'Warehouse copies', note: 'ingest runs and their tables' },
  { href: '/api/v1/models', label: 'SQL models', note: 'what the warehouse builds' },
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
  const readable = registry.operations.filter(
    (op) =>
      op.method === 'get' &&
      !op.path.includes(':') &&
      op.path.startsWith('/api/v1/') &&
      op.roles !== 'public' &&
      allowed(op.roles),
  );
  const paths = new Set(readable.map((op) => op.path));
  const data = AREAS.filter((a) => paths.has(a.href));
  // An area AREAS does not name yet (a new one): its first list, in the route's own words.
  const named = new Set(
    readable.filter((op) => AREAS.some((a) => a.href === op.path)).map((op) => op.tag),
  );
  const others = new Map<string, HomeLink>();
  for (const op of readable) {
    if (named.has(op.tag) || others.has(op.tag) || op.tag === 'auth') continue;
    others.set(op.tag, {
      href: op.path,
      label: title(op.tag),
      note: op.summary.replace(/\s*\(.*\)\s*$/, ''),
    });
  }
  return { tools, data: [...data, ...others.values()] };
}

function title(tag: string): string {
  const t = tag.replace(/[-_]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}
