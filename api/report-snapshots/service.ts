/**
 * Who may see a scheduled report's image: the roles of the dashboards' images (executive,
 * manager, analyst, admin), narrowed as the dashboard narrows them — its file's `roles`, and a
 * manager only an image drawn for their own team, since a stored picture cannot be re-filtered
 * the way GET …/panels/{panel}.png forces a manager's team. Another team's image (or the whole
 * company's) looks missing to a manager, as another team's records do.
 */
import type { AppContext } from '../../context.ts';
import type { Principal } from '../auth/principal.ts';
import { managerTeam, mayOpen } from '../dashboards/service.ts';
import { AppError, notFound } from '../errors.ts';
import { findSnapshot } from './repository.ts';

/**
 * The PNG of snapshot `id` if `principal` may see it: 404 when it is missing or out of their
 * team, 403 when their role may not open its dashboard.
 */
export async function snapshotImage(
  ctx: AppContext,
  principal: Principal,
  id: number,
): Promise<Buffer> {
  const snap = await findSnapshot(ctx.ops.db, id);
  if (!snap) throw notFound('report snapshot', id);
  // A dashboard file removed since: the route's roles alone decide, as for any stored image.
  const d = ctx.dashboards?.get(snap.dashboard);
  if (d && !mayOpen(d, principal))
    throw new AppError('forbidden', `role ${principal.role} may not open dashboard ${d.id}`);
  if (principal.role === 'manager') {
    const own = await managerTeam(ctx, principal);
    const team = (snap.filters as { team?: unknown } | null)?.team;
    if (team !== own) throw notFound('report snapshot', id);
  }
  return snap.png;
}
