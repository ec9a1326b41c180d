// The freshness badge: when the warehouse last built its marts (GET /api/v1/warehouse/freshness),
// "Data as of 14:05, 2 minutes ago". Amber when the API says a write is waiting for the next
// refresh (`stale`), red when the last build failed (the figures are from the build before).
// Asked again every minute, so a dashboard left open says how old its figures are.

const REFRESH_MS = 60_000;

function ago(ms) {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${Math.round(hours / 24)} days ago`;
}

function clock(date) {
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return sameDay
    ? time
    : `${date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${time}`;
}

/** Words and level (fresh, stale, failed, unknown) for an answer of the freshness route. */
export function describeFreshness(f, now = Date.now()) {
  const build = f?.lastBuild;
  if (!build)
    return { level: 'unknown', text: 'Not built yet', title: 'The warehouse has no build yet' };
  const at = new Date(build.at);
  const when = `${clock(at)}, ${ago(now - at.getTime())}`;
  if (build.status === 'failed')
    return {
      level: 'failed',
      text: `Last build failed ${when}`,
      title:
        'The figures are from the last build that succeeded; see the jobs page for why this one failed',
    };
  if (f.stale)
    return {
      level: 'stale',
      text: `Data as of ${when}`,
      title: `Newer changes are waiting for the next refresh (${Math.round(f.lagSeconds / 60)} min behind)`,
    };
  return { level: 'fresh', text: `Data as of ${when}`, title: 'Up to date with the database' };
}

async function refresh(badge) {
  try {
    const res = await fetch('/api/v1/warehouse/freshness', {
      headers: { accept: 'application/json' },
    });
    const d = describeFreshness(res.ok ? await res.json() : null);
    badge.textContent = d.text;
    badge.title = d.title;
    badge.dataset.level = d.level;
  } catch {
    badge.dataset.level = 'unknown';
  }
}

/** Fill the badge now and every minute. */
export function startFreshness(badge) {
  if (!badge) return;
  refresh(badge);
  setInterval(() => refresh(badge), REFRESH_MS);
}
