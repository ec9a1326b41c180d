/**
 * A signed-in page for the browser tests, and the one check that nothing went wrong on it (apart
 * from the global setup's browser.ts, which must not load vitest's expect).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { watchPage, type PageWatch } from './browser.ts';

/** A signed-in browser page and the record of what went wrong on it. */
export interface SignedInPage {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  /** Requests that failed or answered 4xx/5xx: a page that works makes none. */
  failedRequests: string[];
}

/**
 * A fresh context (its own cookies) signed in with the session `cookie` (`name=value`), one page
 * in it, watched for problems and failed requests from the start.
 */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  cookie: string,
): Promise<SignedInPage> {
  const context = await browser.newContext({
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
  });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: baseUrl }]);
  const page = await context.newPage();
  const watch = await watchPage(page);
  const failedRequests: string[] = [];
  page.on('requestfailed', (r) => failedRequests.push(`failed ${r.method()} ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) failedRequests.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { context, page, watch, failedRequests };
}

/**
 * Nothing went wrong on the page: no console error, script error, CSP violation, failed page or
 * request — less those matching `expected` (a refusal the test provokes on purpose).
 */
export function expectNoProblems(s: SignedInPage, expected: RegExp[] = []): void {
  const p = s.watch();
  const unexpected = (xs: string[]) => xs.filter((x) => !expected.some((e) => e.test(x)));
  expect({
    ...p,
    consoleErrors: unexpected(p.consoleErrors),
    failedRequests: unexpected(s.failedRequests),
  }).toEqual({
    consoleErrors: [],
    pageErrors: [],
    cspViolations: [],
    failedPages: [],
    failedRequests: [],
  });
}
