/**
 * The absolute links a report.ready event carries: the stored image, and the live dashboard with
 * the report's filters (its URL is its state, so the link opens the same view, now). Both from
 * the public base (api/public-url.ts): the event is read far from any request.
 */
import type { Config } from '../../config.ts';
import { publicBase } from '../public-url.ts';
import { FILTER_NAMES } from '../../dashboards/schema.ts';
import type { ReportFilters } from '../../dashboards/report-catalog.ts';

/** The path of a snapshot's image (GET /api/v1/reports/snapshots/{id}.png). */
export function snapshotPath(id: number): string {
  return `/api/v1/reports/snapshots/${id}.png`;
}

/** The image of snapshot `id`, absolute. */
export function snapshotImageUrl(config: Config, id: number): string {
  return `${publicBase(config)}${snapshotPath(id)}`;
}

/** The dashboard page `/dashboards/{id}` with `filters` as its query string, absolute. */
export function dashboardPageUrl(
  config: Config,
  dashboard: string,
  filters: ReportFilters,
): string {
  const q = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const v = filters[name];
    if (v !== undefined) q.set(name, String(v));
  }
  const query = q.size ? `?${q}` : '';
  return `${publicBase(config)}/dashboards/${encodeURIComponent(dashboard)}${query}`;
}
