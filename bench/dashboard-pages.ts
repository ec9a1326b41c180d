/**
 * The page half of bench/dashboards.ts: how long a dashboard page takes in headless Chromium
 * from navigation to every panel drawn (the page script sets `body[data-drawn="true"]` once each
 * panel has its chart, table, tile or empty state), signed in as a person would be.
 */
import { performance } from 'node:perf_hooks';
import { createUser } from '../api/users/service.ts';
import type { AppContext } from '../context.ts';
import { nowOf } from '../context.ts';
import { launchBrowser } from '../test/support/browser.ts';

/** Sign an analyst in through the real routes; the `salesops_session` cookie's value. */
export async function analystSession(ctx: AppContext, base: string): Promise<string> {
  const email = 'bench-analyst@example.com';
  const password = 'bench orchard lantern 7';
  const created = await createUser(
    ctx.ops.db,
    nowOf(ctx),
    { email, role: 'analyst', repId: null },
    null,
  );
  const token = new URL(`http://x${created.link.path}`).searchParams.get('token')!;
  const json = { 'content-type': 'application/json' };
  const set = await fetch(`${base}/set-password`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ token, password }),
  });
  if (set.status !== 200) throw new Error(`set-password: ${set.status} ${await set.text()}`);
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('salesops_session='));
  if (!cookie) throw new Error(`login: ${login.status} ${await login.text()}`);
  return cookie.split(';')[0]!.slice('salesops_session='.length);
}

/** Draw times (ms) of `/dashboards/{id}?{query}` per id, `rounds` times after one unmeasured load. */
export async function pageDrawTimes(
  base: string,
  session: string,
  queries: ReadonlyMap<string, string>,
  rounds: number,
): Promise<Map<string, number[]>> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await context.addCookies([{ name: 'salesops_session', value: session, url: base }]);
    const page = await context.newPage();
    const times = new Map<string, number[]>();
    for (const [id, query] of queries) {
      const url = `${base}/dashboards/${id}${query ? `?${query}` : ''}`;
      const own: number[] = [];
      // The first load fetches the Vega bundles (then cached, as for a person's second visit).
      for (let round = 0; round <= rounds; round++) {
        const t0 = performance.now();
        await page.goto(url);
        await page.waitForSelector('body[data-drawn="true"]', { timeout: 60_000 });
        const ms = performance.now() - t0;
        const failed = await page.locator('[data-state="error"]').count();
        if (failed) throw new Error(`${url}: ${failed} panel(s) could not be drawn`);
        if (round > 0) own.push(ms);
      }
      times.set(id, own);
    }
    return times;
  } finally {
    await browser.close();
  }
}
