/**
 * The scheduled reports' file (dashboards/reports.yaml) as the loader reads it — the shipped one
 * loads, each problem is one line naming the file and the field, filters are checked with the
 * dashboard routes' own rules — and the periods a report may name, computed by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, loadDashboards, type DashboardCatalog } from '../dashboards/catalog.ts';
import {
  loadReports,
  parseReports,
  ReportFileError,
  type ReportCatalog,
} from '../dashboards/report-catalog.ts';
import { dayIn, periodRange, rangeText } from '../dashboards/report-period.ts';
import { EXECUTIVE_WEEKLY_PANELS } from './support/built-in-reports.ts';
import { tempDir } from './support/harness.ts';

let dashboards: DashboardCatalog;
beforeAll(async () => {
  dashboards = await loadDashboards(DASHBOARDS_DIR);
});

const FILE = path.join(DASHBOARDS_DIR, 'reports.yaml');

/** One report of `fields` (YAML lines, two-space indented under the list item). */
const oneReport = (fields: string) => `reports:\n  - name: r\n    title: R\n${fields}\n`;

function loadError(text: string): string {
  try {
    parseReports(FILE, text, dashboards);
  } catch (e) {
    expect(e).toBeInstanceOf(ReportFileError);
    return (e as Error).message;
  }
  throw new Error('the file loaded');
}

describe('the reports file', () => {
  it('ships the Monday 08:00 executive summary of last week', () => {
    const reports: ReportCatalog = loadReports(dashboards);
    const weekly = reports.get('executive-weekly')!;
    expect(weekly).toMatchObject({
      title: 'Executive summary — last week',
      period: 'last-week',
      filters: {},
      cron: '0 8 * * 1',
    });
    expect(weekly.dashboard.id).toBe('executive');
    // In the dashboard's order; the monthly chart is left out (one week is one or two months).
    expect(weekly.panels.map((p) => p.id)).toEqual(EXECUTIVE_WEEKLY_PANELS);
  });

  it('is not read as a dashboard, and a folder without one has no reports', async () => {
    expect(dashboards.has('reports')).toBe(false);
    const dir = tempDir('salesops-reports-');
    try {
      expect(loadReports(dashboards, dir).size).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the values as the dashboard route parses them', () => {
    const r = parseReports(
      FILE,
      oneReport(
        "    dashboard: executive\n    filters: { from: '2026-01-01', to: '2026-01-31', team: 2, country: fr, rep: R-ANA }\n    cron: '0 8 1 * *'\n    timezone: Europe/Berlin",
      ),
      dashboards,
    ).get('r')!;
    expect(r.filters).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
      team: 2,
      country: 'FR',
      rep: 'R-ANA',
    });
    expect(r.panels.length).toBe(dashboards.get('executive')!.panels.length);
    expect(r.timezone).toBe('Europe/Berlin');
  });

  it('names the file and the field of the first problem, in one line', () => {
    const cases: [string, string][] = [
      ["    dashboard: nope\n    cron: '0 8 * * 1'", 'reports.0.dashboard: no dashboard nope'],
      [
        "    dashboard: data-health\n    filters: { team: 1 }\n    cron: '0 8 * * 1'",
        'reports.0.filters.team: not a filter of dashboard data-health (it has none)',
      ],
      [
        "    dashboard: executive\n    filters: { region: north }\n    cron: '0 8 * * 1'",
        'reports.0.filters.region: not a dashboard filter (they are from, to, team, rep, category, country)',
      ],
      [
        "    dashboard: executive\n    filters: { country: XX }\n    cron: '0 8 * * 1'",
        'reports.0.filters.country: not an ISO 3166 country code',
      ],
      [
        "    dashboard: executive\n    filters: { from: '2026-02-30' }\n    cron: '0 8 * * 1'",
        'reports.0.filters.from: not a date that exists',
      ],
      [
        "    dashboard: executive\n    filters: { from: '2026-02-01', to: '2026-01-01' }\n    cron: '0 8 * * 1'",
        'reports.0.filters.to: from is after to',
      ],
      [
        "    dashboard: executive\n    period: last-week\n    filters: { from: '2026-01-01' }\n    cron: '0 8 * * 1'",
        'reports.0.filters.from: the period last-week sets from and to',
      ],
      [
        "    dashboard: data-health\n    period: last-week\n    cron: '0 8 * * 1'",
        'reports.0.period: dashboard data-health has no from and to filters to set',
      ],
      [
        "    dashboard: executive\n    period: fortnight\n    cron: '0 8 * * 1'",
        'reports.0.period:',
      ],
      [
        "    dashboard: executive\n    panels: [revenue, nope]\n    cron: '0 8 * * 1'",
        'reports.0.panels.1: dashboard executive has no panel nope',
      ],
      [
        "    dashboard: executive\n    cron: '0 8 * *'",
        'reports.0.cron: "0 8 * *" is not a cron expression',
      ],
      [
        "    dashboard: executive\n    cron: '0 8 * * 1'\n    timezone: Mars/Olympus",
        'reports.0.timezone: "Mars/Olympus" is not an IANA time zone name',
      ],
      ['    dashboard: executive', 'reports.0.cron: required'],
      [
        "    dashboard: executive\n    cron: '0 8 * * 1'\n    crom: '0 9 * * 1'",
        'reports.0: Unrecognized key: "crom"',
      ],
    ];
    for (const [fields, message] of cases) {
      const line = loadError(oneReport(fields));
      expect(line, fields).toContain(`dashboards/reports.yaml: ${message}`);
      expect(line, fields).not.toContain('\n');
    }
    expect(
      loadError(
        `reports:\n  - { name: r, title: R, dashboard: executive, cron: '0 8 * * 1' }\n  - { name: r, title: S, dashboard: executive, cron: '0 9 * * 1' }\n`,
      ),
    ).toContain('reports.1.name: r twice');
    expect(loadError('reports: [\n')).toMatch(/reports\.yaml: not valid YAML: /);
  });
});

describe('report periods', () => {
  it('are whole days already ended, counted from the run day', () => {
    // Monday 8 June 2026
    expect(periodRange('yesterday', '2026-06-08')).toEqual({
      from: '2026-06-07',
      to: '2026-06-07',
    });
    expect(periodRange('last-7-days', '2026-06-08')).toEqual({
      from: '2026-06-01',
      to: '2026-06-07',
    });
    expect(periodRange('last-week', '2026-06-08')).toEqual({
      from: '2026-06-01',
      to: '2026-06-07',
    });
    // On Sunday the week is not over: last week is the one before.
    expect(periodRange('last-week', '2026-06-07')).toEqual({
      from: '2026-05-25',
      to: '2026-05-31',
    });
    expect(periodRange('last-week', '2026-01-01')).toEqual({
      from: '2025-12-22',
      to: '2025-12-28',
    });
    expect(periodRange('last-month', '2026-01-15')).toEqual({
      from: '2025-12-01',
      to: '2025-12-31',
    });
    expect(periodRange('last-month', '2024-03-31')).toEqual({
      from: '2024-02-01',
      to: '2024-02-29',
    });
    expect(periodRange('last-quarter', '2026-05-10')).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
    });
    expect(periodRange('last-quarter', '2026-02-01')).toEqual({
      from: '2025-10-01',
      to: '2025-12-31',
    });
    expect(periodRange('last-12-months', '2026-06-08')).toEqual({
      from: '2025-06-01',
      to: '2026-05-31',
    });
    expect(periodRange('yesterday', '2026-03-01')).toEqual({
      from: '2026-02-28',
      to: '2026-02-28',
    });
  });

  it("take the run's day in the report's time zone", () => {
    const lateSunday = new Date('2026-06-07T22:30:00Z');
    expect(dayIn(lateSunday, 'UTC')).toBe('2026-06-07');
    expect(dayIn(lateSunday, 'Europe/Berlin')).toBe('2026-06-08');
    expect(dayIn(lateSunday, 'America/New_York')).toBe('2026-06-07');
  });

  it('read as a person writes a range', () => {
    expect(rangeText('2026-06-01', '2026-06-07')).toBe('1 – 7 Jun 2026');
    expect(rangeText('2026-05-25', '2026-06-07')).toBe('25 May – 7 Jun 2026');
    expect(rangeText('2025-12-29', '2026-01-04')).toBe('29 Dec 2025 – 4 Jan 2026');
    expect(rangeText('2026-03-03', '2026-03-03')).toBe('3 Mar 2026');
    expect(rangeText(undefined, undefined)).toBe('all dates');
  });
});
