/**
 * Links from dashboard rows to the records behind them: a row with an `order_id` to its order,
 * one with a `customer_id` to its customer (the churn risk list's way to the customer). A link is
 * given only to a caller whose role the linked route lets in, as the route registry declares it,
 * so nobody is shown a link that answers 403.
 */
import type { Json } from '@duckdb/node-api';
import type { Principal } from '../auth/principal.ts';
import type { RouteRegistry } from '../route.ts';

/** Which records the caller may open from a row. */
export interface RecordLinks {
  orders: boolean;
  customers: boolean;
}

function mayGet(registry: RouteRegistry, principal: Principal, path: string): boolean {
  const op = registry.operations.find((o) => o.method === 'get' && o.path === path);
  if (!op) return false;
  return op.roles === 'public' || principal.role === 'admin' || op.roles.includes(principal.role);
}

/** What `principal` may follow: GET /api/v1/orders/{id} and GET /api/v1/customers/{id}. */
export function recordLinks(registry: RouteRegistry, principal: Principal): RecordLinks {
  return {
    orders: mayGet(registry, principal, '/api/v1/orders/:id'),
    customers: mayGet(registry, principal, '/api/v1/customers/:id'),
  };
}

const present = (v: Json | undefined) => v !== null && v !== undefined;

/**
 * The rows with `orderUrl` beside each order_id and `customerUrl` beside each customer_id, for
 * the links the caller may follow.
 */
export function withRecordLinks(
  rows: Record<string, Json>[],
  links: RecordLinks,
): Record<string, unknown>[] {
  if (!links.orders && !links.customers) return rows;
  return rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    if (links.orders && present(r.order_id)) out.orderUrl = `/api/v1/orders/${String(r.order_id)}`;
    if (links.customers && present(r.customer_id))
      out.customerUrl = `/api/v1/customers/${String(r.customer_id)}`;
    return out;
  });
}
