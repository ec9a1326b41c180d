/**
 * The sign-in pages as a person meets them, in headless Chromium (issue 13, "Done when"): the
 * first start's one-time link signs the console's person in and asks for an email and password;
 * the form signs in and out; `/` shows the links each role may use. Every page is also watched
 * for what a person would not notice but must not happen (console errors, script errors, CSP
 * violations), and photographed into .tmp/screenshots/ for a human look.
 *
 * The first-start scenario runs the real `salesops start` (the link is printed by it); the others
 * run the app in-process on embedded PGlite, which is all a browser needs to see the pages.
 * Skipped, with a warning from the global setup, where Chromium is not installed; CI requires it.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot, watchPage, type PageWatch } from './support/browser.ts';
import { spawnCli, whenServing, type StartedServer } from './support/cli-process.ts';
import { startTestEnv, type TestEnv } from './support/harness.ts';

/** scrypt at 2^12 instead of 2^17: the rules are the same, the hashing is 30× quicker. */
const PASSWORD_COST = '12';
const PASSWORD = 'correct horse battery staple';

let browser: Browser;
/** Contexts (one per person) opened by a test, closed after it. */
const contexts: BrowserContext[] = [];
/** Each page a test opened: what went wrong on it, and the failed pages the test provoked. */
const watched = new Map<Page, { name: string; watch: PageWatch; expectedFailures: string[] }>();

/** A fresh browser profile's tab (its own cookies), watched for problems. */
async function newPage(name: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  watched.set(page, { name, watch: await watchPage(page), expectedFailures: [] });
  return page;
}

/** The test provoked this failed page (`401 POST /login`): not a problem. */
function expectFailedPage(page: Page, line: string): void {
  watched.get(page)!.expectedFailures.push(line);
}

/** Wait until the page is at `pathname`; if it is not, say where it is and what it shows. */
async function landsOn(page: Page, pathname: string): Promise<void> {
  try {
    await page.waitForURL((u) => u.pathname === pathname, { timeout: 15_000 });
  } catch {
    const shown = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    throw new Error(`expected ${pathname}, the browser is at ${page.url()} showing: ${shown}`);
  }
}

/** The page's main text, whitespace collapsed, for `toContain`. */
async function textOf(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

/** The home page's link labels, by section heading. */
async function homeLinks(page: Page): Promise<{ tools: string[]; data: string[] }> {
  const labels = (heading: string) =>
    page
      .locator('section', { has: page.getByRole('heading', { name: heading }) })
      .locator('ul.links li > a')
      .allInnerTexts();
  return { tools: await labels('What you can use'), data: await labels('Your data in the API') };
}

/** Fill and send the sign-in form. */
async function signIn(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const chromium = inject('chromiumAvailable');

describe.skipIf(!chromium)('sign-in pages in headless Chromium', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    // Console errors, script errors, CSP violations and unexpected failed pages, on any page the
    // test opened.
    const seen = [...watched.values()].map(({ name, watch, expectedFailures }) => {
      const p = watch();
      return {
        name,
        ...p,
        failedPages: p.failedPages.filter((f) => !expectedFailures.includes(f)),
      };
    });
    watched.clear();
    const clean = { consoleErrors: [], pageErrors: [], cspViolations: [], failedPages: [] };
    expect(seen).toEqual(seen.map(({ name }) => ({ name, ...clean })));
  });

  describe('the first start', () => {
    const live = new Set<ChildProcess>();
    let dataDir: string;
    let server: StartedServer;
    let link: string;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sign-in-browser-'));
      server = await whenServing(
        spawnCli(['start', '--no-demo'], {
          env: { SALESOPS_DATA_DIR: dataDir, SALESOPS_PASSWORD_COST: PASSWORD_COST },
          live,
        }),
      );
      const printed = /^ {2}(http:\/\/\S+\/login\?token=\S+)$/m.exec(server.stdout);
      expect(printed, server.stdout).not.toBeNull();
      link = printed![1]!;
    });
    afterAll(async () => {
      await server?.stop();
      for (const c of live) c.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('the printed link signs in, asks for an email and password, then shows the admin home', async () => {
      const page = await newPage('first start');
      await page.goto(link);
      expect(new URL(page.url()).pathname).toBe('/account');
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).innerText())
        .toBe('Set your email and password');
      await screenshot(page, 'account-first-start');

      await page.getByLabel('Email', { exact: true }).fill('Owner@Example.com');
      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Save' }).click();
      await landsOn(page, '/');
      const text = await textOf(page);
      expect(text).toContain('Owner@Example.com');
      expect(text).toMatch(/Role admin/);
      expect(await page.locator('header .who').innerText()).toContain('admin');
      await screenshot(page, 'home-admin-first-start');
    });

    it('the link works once: opened again it says so, and the new password signs in', async () => {
      // Another browser: whoever copies the link from the console's scroll-back later.
      const page = await newPage('first start link, again');
      const answer = await page.goto(link);
      expect(answer?.status()).toBe(401);
      expectFailedPage(page, '401 GET /login');
      expect(await page.getByRole('alert').innerText()).toMatch(/used already or has expired/);
      await screenshot(page, 'login-link-used');

      await signIn(page, server.url, 'owner@example.com', PASSWORD);
      await landsOn(page, '/');
      expect(await textOf(page)).toContain('Owner@Example.com');
    });
  });

  describe('the form, sign-out and the links per role [embedded]', () => {
    let env: TestEnv;

    /** A user made through the API by the harness admin key; → its set-password link. */
    async function createUser(email: string, role: string): Promise<string> {
      const r = await env.request('POST', '/api/v1/users', {
        body: { email, role, name: `${role[0]!.toUpperCase()}${role.slice(1)} Person` },
      });
      expect(r.status, r.text).toBe(201);
      return r.body.setPasswordUrl as string;
    }

    beforeAll(async () => {
      env = await startTestEnv('embedded', { env: { SALESOPS_PASSWORD_COST: PASSWORD_COST } });
    });
    afterAll(() => env?.close());

    it('an executive sets a password with the link, signs out, is refused a wrong password, signs in', async () => {
      const link = await createUser('exec@example.com', 'executive');
      const page = await newPage('executive');
      await page.goto(link);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
        'Choose your password',
      );
      await screenshot(page, 'set-password');
      await page.getByLabel('New password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Set password and sign in' }).click();
      await landsOn(page, '/');
      expect(await textOf(page)).toContain('exec@example.com');

      // Sign out: back to the sign-in page, and / no longer opens.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await landsOn(page, '/login');
      await screenshot(page, 'login');
      await page.goto(`${env.baseUrl}/`);
      expect(new URL(page.url()).pathname).toBe('/login');

      // A wrong password: the form again, the problem in an alert, the email kept.
      await signIn(page, env.baseUrl, 'exec@example.com', 'not the password at all');
      expect(await page.getByRole('alert').innerText()).toMatch(/email or password/i);
      expectFailedPage(page, '401 POST /login');
      expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('exec@example.com');
      await screenshot(page, 'login-error');

      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await landsOn(page, '/');
      const text = await textOf(page);
      expect(text).toContain('exec@example.com');
      expect(text).toMatch(/Role executive/);
      await screenshot(page, 'home-executive');

      // An executive reads the reports; users, keys and the audit log are for others.
      const links = await homeLinks(page);
      expect(links.data).toContain('Sales report');
      expect(links.data).toContain('Data freshness');
      expect(links.data).not.toContain('Users');
      expect(links.data).not.toContain('Audit log');
      expect(links.data).not.toContain('Customers');
      expect(links.tools).toEqual(['Dashboards', 'SQL console', 'Your account', 'API reference']);
      const reports = await page.getByRole('link', { name: 'Sales report' }).getAttribute('href');
      expect(reports).toMatch(/^\/api\/v1\/reports\//);

      // The same page on a phone.
      const phone = await newPage('executive, phone', { width: 390, height: 844 });
      await phone.goto(`${env.baseUrl}/login`);
      await screenshot(phone, 'login-phone');
      await signIn(phone, env.baseUrl, 'exec@example.com', PASSWORD);
      await landsOn(phone, '/');
      await screenshot(phone, 'home-executive-phone');
    });

    it('an admin sees Users among the links, and what an executive cannot reach', async () => {
      const link = await createUser('admin2@example.com', 'admin');
      const token = new URL(link).searchParams.get('token');
      const set = await env.request('POST', '/set-password', {
        key: null,
        body: { token, password: PASSWORD },
      });
      expect(set.status, set.text).toBe(200);

      const page = await newPage('admin');
      await signIn(page, env.baseUrl, 'admin2@example.com', PASSWORD);
      await landsOn(page, '/');
      await screenshot(page, 'home-admin');
      const links = await homeLinks(page);
      expect(links.data).toEqual(
        expect.arrayContaining(['Users', 'Sales report', 'Customers', 'Audit log']),
      );

      // And the link works in the browser session: the cookie reads the users list.
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      expect(await page.locator('body').innerText()).toContain('admin2@example.com');
    });

    it('the watcher sees a CSP violation when there is one, so "none" above means none', async () => {
      // The app's pages have nothing to violate the policy: a made-up page on the app's origin,
      // under the app's own policy, with an inline style and script, shows the watcher works.
      const policy = (await fetch(`${env.baseUrl}/login`)).headers.get('content-security-policy')!;
      const page = await newPage('CSP probe');
      await page.route(`${env.baseUrl}/csp-probe`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          headers: { 'content-security-policy': policy },
          body: '<p style="color: red">styled</p><script>document.title = "ran"</script>',
        }),
      );
      await page.goto(`${env.baseUrl}/csp-probe`);
      const { watch } = watched.get(page)!;
      await expect.poll(() => watch().cspViolations.length).toBe(2);
      expect(watch().cspViolations.join('\n')).toMatch(/style-src-attr[^]*script-src-elem/);
      expect(watch().consoleErrors.join('\n')).toMatch(/Executing inline script violates/);
      expect(await page.title()).toBe('');
      watched.delete(page);
    });
  });
});
