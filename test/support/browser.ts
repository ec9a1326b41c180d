/**
 * Headless Chromium for the page tests: Debian's own build (no browser download, which would need
 * the internet), driven by playwright-core. The global setup asks `chromiumAvailable()` once per
 * run; a test file launches one browser and gives each scenario a fresh context (its own cookies),
 * and `watchPage` collects what a person would never see but must not happen: console errors,
 * uncaught script errors and Content-Security-Policy violations.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './cli-process.ts';

/** Debian's Chromium (`apt-get install chromium`, as .ci/run does). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Quiet and self-contained: no GPU on the test machines, no sandbox (the tests may run as root in
 * a container, where Chromium's sandbox refuses to start), and none of the background fetches
 * (updates, sync, safe-browsing lists) a machine without internet would wait on.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the tests put screenshots to look at (.tmp/ is gitignored). */
export const SCREENSHOT_DIR = path.join(ROOT, '.tmp/screenshots');

/**
 * Whether Chromium is installed and runs: its `--version` answers. Cheap (~0.4 s), so every run's
 * global setup can ask without launching a browser.
 */
export function chromiumAvailable(): Promise<boolean> {
  if (!fs.existsSync(CHROMIUM_PATH)) return Promise.resolve(false);
  return new Promise((resolve) =>
    execFile(CHROMIUM_PATH, ['--version'], { timeout: 20_000 }, (err, stdout) =>
      resolve(!err && /chromium/i.test(stdout)),
    ),
  );
}

/**
 * Launch headless Chromium. playwright gives it a fresh temporary profile (user data dir) that it
 * removes on close; `browser.newContext()` per scenario keeps cookies apart.
 */
export async function launchBrowser(): Promise<Browser> {
  // Imported here, not at the top: the global setup loads this file on every run, browser or not.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/** What went wrong on a page without the page showing it. */
export interface PageProblems {
  /**
   * console.error messages, including Chromium's own (a refused style, a failed load), less its
   * "Failed to load resource" line for a page itself: that status is in `failedPages`.
   */
  consoleErrors: string[];
  /** Uncaught exceptions in the page's scripts. */
  pageErrors: string[];
  /** `securitypolicyviolation` events: the directive and what it blocked. */
  cspViolations: string[];
  /**
   * Pages (main-frame navigations) answered 4xx/5xx, as `401 POST /login`: a test that
   * provokes one (a wrong password) expects it here; any other is a problem.
   */
  failedPages: string[];
}

/** A page's problems so far; call it after the page is done. */
export type PageWatch = () => PageProblems;

/**
 * Start collecting a page's problems; call before its first navigation. The CSP listener is
 * added by the browser itself (playwright's init script, which the page's CSP does not govern) on
 * every document the page loads, and reports back through an exposed binding.
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const consoleErrors: { text: string; url: string }[] = [];
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  const failedPages: { url: string; line: string }[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push({ text: m.text(), url: m.location().url });
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('response', (r) => {
    const req = r.request();
    if (r.status() < 400 || !req.isNavigationRequest() || r.frame() !== page.mainFrame()) return;
    // The path only: a one-time link's token stays out of test output.
    const line = `${r.status()} ${req.method()} ${new URL(r.url()).pathname}`;
    failedPages.push({ url: r.url(), line });
  });
  await page.exposeBinding('__reportCspViolation', (_source, text: string) => {
    cspViolations.push(text);
  });
  // A string, not a function: the test transform may wrap functions in helpers (esbuild's
  // `__name`) that do not exist in the page.
  await page.addInitScript(`
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation(
        e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + e.documentURI,
      );
    });
  `);
  return () => {
    const failedUrls = new Set(failedPages.map((f) => f.url));
    return {
      // Filtered at the end: the console line and the response event come in either order.
      consoleErrors: consoleErrors
        .filter((c) => !(c.text.startsWith('Failed to load resource') && failedUrls.has(c.url)))
        .map((c) => `${c.text} (${c.url})`),
      pageErrors: [...pageErrors],
      cspViolations: [...cspViolations],
      failedPages: failedPages.map((f) => f.line),
    };
  };
}

/** A full-page screenshot at .tmp/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
