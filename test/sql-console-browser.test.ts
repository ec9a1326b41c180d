/**
 * The SQL console as its people meet it, in headless Chromium (issue #15, "Done when"): an analyst
 * signs in, types a query with the editor's completion of a table name, runs it with Ctrl+Enter,
 * sees the rows — 10,000 of them in a table that keeps only the rows in view in the page — charts
 * them, downloads the CSV, is shown where a bad query goes wrong, and saves one query privately
 * and one shared; an executive then sees only the shared one, cannot type SQL, and runs it. All
 * under the strict CSP with no console errors. Screenshots go to .tmp/screenshots/sql-*.png.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, screenshot } from './support/browser.ts';
import { expectNoProblems, openSignedIn, type SignedInPage } from './support/browser-pages.ts';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import { signInAs, type Session } from './support/sessions.ts';
import { withConnection } from './support/raw-tables.ts';

const chromium = inject('chromiumAvailable');

describe.skipIf(!chromium)('the SQL console in headless Chromium [embedded]', () => {
  let env: TestEnv;
  let browser: Browser;
  let session: SignedInPage;
  let page: Page;

  async function open(s: Session): Promise<void> {
    await session?.context.close();
    session = await openSignedIn(browser, env.baseUrl, s.cookie);
    page = session.page;
    await page.goto(`${env.baseUrl}/sql`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, {
      timeout: 30_000,
    });
  }

  /** Run what the editor holds with the keyboard, and wait for the answer. */
  async function runWithKeys(): Promise<string> {
    await page.evaluate(() => (document.body.dataset.state = ''));
    await page.locator('.cm-content').press('Control+Enter');
    await page.waitForFunction(() => /done|failed/.test(document.body.dataset.state ?? ''));
    return page.locator('#status').innerText();
  }

  const noProblems = (expected: RegExp[] = []) => expectNoProblems(session, expected);

  beforeAll(async () => {
    env = await startTestEnv('embedded', { jobs: true, env: { SALESOPS_SCHEDULER: 'off' } });
    await withConnection(env.warehouse, async (c) => {
      await c.run(`CREATE SCHEMA IF NOT EXISTS marts;
        CREATE TABLE marts.console_numbers AS
          SELECT range AS n, CAST(range * 1.25 AS DECIMAL(18,2)) AS amount,
                 CASE WHEN range % 7 = 0 THEN NULL ELSE 'row ' || range END AS label,
                 DATE '2026-01-01' + CAST(range % 365 AS INTEGER) AS day
          FROM range(12000);`);
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await session?.context.close();
    await browser?.close();
    await env?.close();
  });

  it('an analyst completes a table name, runs with Ctrl+Enter, scrolls 10,000 rows, charts and downloads them', async () => {
    await open(await signInAs(env, 'analyst'));
    // The sidebar lists the table, with its columns and types.
    const table = page.locator('details[data-relation="marts.console_numbers"]');
    await expect.poll(() => table.count()).toBe(1);
    await table.locator('summary').click();
    expect(await table.locator('li').allInnerTexts()).toContain('amount\nDECIMAL(18,2)');

    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.type('SELECT * FROM marts.console_num');
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'console_numbers' });
    await option.waitFor({ timeout: 10_000 });
    // CodeMirror takes no Enter for a list shown less than 75 ms ago (its interactionDelay, so a
    // list popping up under a typist's Enter does not pick for them): wait past it.
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await page.keyboard.type(' ORDER BY n');
    expect(await editor.innerText()).toBe('SELECT * FROM marts.console_numbers ORDER BY n');

    // 12,000 rows, capped at the server's 10,000 and saying so.
    const status = await runWithKeys();
    expect(status).toMatch(/^The first 10,000 rows \(more were there/);
    const grid = page.locator('#result-table table.grid');
    expect(await grid.getAttribute('aria-rowcount')).toBe('10001');
    expect(await grid.locator('thead th').allInnerTexts()).toEqual([
      '#',
      'n\nBIGINT',
      'amount\nDECIMAL(18,2)',
      'label\nVARCHAR',
      'day\nDATE',
    ]);
    const firstRow = await grid
      .locator('tbody tr:not(.spacer)')
      .first()
      .locator('td')
      .allInnerTexts();
    expect(firstRow).toEqual(['1', '0', '0.00', 'NULL', '2026-01-01']);
    // Only the rows in view (and a margin) are in the page, however many the result has.
    const drawn = await grid.locator('tbody tr:not(.spacer)').count();
    expect(drawn).toBeGreaterThan(20);
    expect(drawn).toBeLessThan(150);
    await screenshot(page, 'sql-console-rows');
    // Scrolled to the end, the last row is there and still only a window of rows is drawn.
    await page.locator('#result-table').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect
      .poll(() => grid.locator('tbody tr:not(.spacer)').last().locator('td').first().innerText())
      .toBe('10000');
    expect(await grid.locator('tbody tr:not(.spacer)').count()).toBeLessThan(150);

    // A chart of the result: x day, y amount, bars summed per day.
    await page.getByRole('tab', { name: 'Chart' }).click();
    await page.selectOption('#chart-x', 'day');
    await page.selectOption('#chart-y', 'amount');
    await expect.poll(() => page.locator('#chart svg .role-mark path').count()).toBeGreaterThan(0);
    await screenshot(page, 'sql-console-chart');

    // The CSV download: the same 10,000 rows, exact decimals, NULL as empty.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^query-\d{8}-\d{4}\.csv$/);
    const csv = fs
      .readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split(/\r?\n/);
    expect(csv).toHaveLength(10_001);
    expect(csv[0]).toBe('n,amount,label,day');
    expect(csv[1]).toBe('0,0.00,,2026-01-01');
    expect(csv[10_000]).toBe('9999,12498.75,row 9999,2026-05-25');
    // The other formats: the same rows as JSON, an Arrow stream, a Parquet file.
    const saved = async (name: string) => {
      const [d] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name, exact: true }).click(),
      ]);
      return fs.readFileSync((await d.path())!);
    };
    const json = JSON.parse((await saved('JSON')).toString('utf8'));
    expect(json).toMatchObject({ rowCount: 10_000, truncated: true });
    expect(json.rows[9_999]).toEqual(['9999', '12498.75', 'row 9999', '2026-05-25']);
    // An Arrow IPC stream opens with a continuation marker; a Parquet file with its magic bytes.
    expect((await saved('Arrow')).readUInt32LE(0)).toBe(0xffffffff);
    expect((await saved('Parquet')).subarray(0, 4).toString('latin1')).toBe('PAR1');
    noProblems();
  });

  it('shows where a bad query goes wrong, and saves queries privately and shared', async () => {
    await open(await signInAs(env, 'analyst', { email: 'ana.console@example.com' }));
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.type('SELECT n,\nnope FROM marts.console_numbers');
    const status = await runWithKeys();
    expect(status).toMatch(/^sql \(line 2, column 1\): Binder Error: .*nope/);
    expect(await page.locator('#result-table .problem').innerText()).toContain('LINE 2');
    await screenshot(page, 'sql-console-error');

    // Fixed, saved privately.
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('SELECT count(*) AS numbers FROM marts.console_numbers');
    expect(await runWithKeys()).toBe(
      '1 row · ' + (await page.locator('#status').innerText()).split(' · ')[1],
    );
    await page.getByRole('button', { name: 'Save…' }).click();
    await page.getByLabel('Name').fill('How many numbers');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('#query-title').innerText()).toBe('How many numbers');
    expect(new URL(page.url()).searchParams.get('saved')).toMatch(/^\d+$/);

    // A second, shared.
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('SELECT sum(amount) AS total FROM marts.console_numbers');
    await page.getByRole('button', { name: 'Save…' }).click();
    await page.getByLabel('Name').fill('Total amount');
    await page.getByLabel('Shared: every analyst').check();
    await page.getByRole('button', { name: 'Save as new' }).click();
    await expect.poll(() => page.locator('#query-title').innerText()).toBe('Total amount');

    await page.getByRole('tab', { name: 'Saved' }).click();
    const saved = page.locator('#saved-list .item .title');
    await expect
      .poll(() => saved.allInnerTexts())
      .toEqual(['How many numbers', 'Total amountshared']);
    await page.getByRole('tab', { name: 'History' }).click();
    await expect.poll(() => page.locator('#history-list li').count()).toBe(2);
    expect(await page.locator('#history-list li').last().innerText()).toContain('failed (400)');
    await screenshot(page, 'sql-console-saved');
    noProblems([/400 POST .*\/api\/v1\/sql$/, /status of 400/]);
  });

  it('an executive sees only the shared queries, cannot write SQL, and runs one', async () => {
    await open(await signInAs(env, 'executive'));
    const items = page.locator('#saved-list .item .title');
    await expect.poll(() => items.allInnerTexts()).toEqual(['Total amount']);
    expect(await page.locator('#run').isDisabled()).toBe(true);
    await page.locator('#saved-list .item').click();
    const editor = page.locator('.cm-content');
    expect(await editor.getAttribute('contenteditable')).toBe('false');
    await editor.click();
    await page.keyboard.type('DROP TABLE x');
    expect(await editor.innerText()).toBe('SELECT sum(amount) AS total FROM marts.console_numbers');
    await page.getByRole('button', { name: /^Run/ }).click();
    await page.waitForFunction(() => document.body.dataset.state === 'done');
    expect(await page.locator('#result-table tbody tr:not(.spacer) td').allInnerTexts()).toEqual([
      '1',
      '89992500.00',
    ]);
    await screenshot(page, 'sql-console-executive');
    noProblems();
  });
});
