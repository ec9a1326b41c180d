/**
 * The scheduled reports: `dashboards/reports.yaml`, beside the dashboards it draws, edited by data
 * teams like a dashboard file. Each report names a dashboard, the filter values to draw it with
 * (checked against the dashboard's filters with the dashboard routes' own rules), optionally a
 * period that sets `from` and `to` at each run and the panels to draw, and the cron it runs on.
 * Loaded and checked at start after the dashboards; any problem is one line naming the file and
 * the field: `dashboards/reports.yaml: reports.0.filters.country: not a filter of dashboard …`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkFilterNames } from '../api/dashboards/service.ts';
import { panelDataQuery, type PanelDataQuery } from '../api/dashboards/schemas.ts';
import { AppError } from '../api/errors.ts';
import { cronProblem } from '../jobs/schedule.ts';
import { isKnownTimezone } from '../time-zones.ts';
import {
  DASHBOARDS_DIR,
  firstIssue,
  REPORTS_FILE,
  shownPath,
  type DashboardCatalog,
} from './catalog.ts';
import { REPORT_PERIODS, type ReportPeriod } from './report-period.ts';
import { FILTER_NAMES, type Dashboard, type LoadedPanel } from './schema.ts';

const ident = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, e.g. executive-weekly');

/** A filter value as YAML gives it: text, or a number (a team or category id). */
const filterValue = z.union([z.string(), z.number()]);

const reportSchema = z.strictObject({
  /** Names the report in the job's params (`{report: name}`), its events and its images. */
  name: ident,
  /** The image's heading and the event's `title`. */
  title: z.string().trim().min(1).max(200),
  description: z.string().optional(),
  /** The id of a dashboard in this folder. */
  dashboard: ident,
  /** Sets `from` and `to` at each run (dashboards/report-period.ts). */
  period: z.enum(REPORT_PERIODS).optional(),
  /** The dashboard's own filters, as its URL takes them (a rep by its code). */
  filters: z.record(z.string(), filterValue).default({}),
  /** The panels drawn, by id (default every panel); drawn in the dashboard's order. */
  panels: z.array(ident).min(1).optional(),
  /** node-cron expression, read in `timezone`. */
  cron: z.string().trim().min(1),
  /** IANA zone of the cron and of the period's days; default SALESOPS_JOBS_TIMEZONE. */
  timezone: z.string().trim().min(1).optional(),
});

const reportsFileSchema = z.strictObject({ reports: z.array(reportSchema).default([]) });

/** The filter values a report draws with, as the dashboard routes parse them. */
export type ReportFilters = Omit<PanelDataQuery, 'format'>;

/** One report as loaded: its dashboard and panels resolved, its filters checked. */
export interface ReportDefinition {
  name: string;
  title: string;
  description?: string;
  dashboard: Dashboard;
  /** The panels drawn, in the dashboard's order. */
  panels: LoadedPanel[];
  period?: ReportPeriod;
  /** Without `from`/`to` when `period` sets them. */
  filters: ReportFilters;
  cron: string;
  timezone?: string;
}

/** Reports by name, in the file's order. */
export type ReportCatalog = ReadonlyMap<string, ReportDefinition>;

/** A reports file that cannot be served; the message is the one line start-up prints. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

/**
 * The filters checked as GET /dashboards/{id}/panels/{panel}/data checks its query: a name the
 * dashboard does not offer (the route's words), then each value (the route's zod schema).
 * Returns the parsed values, or the problem as `field: message` relative to `filters`.
 */
function checkFilters(
  d: Dashboard,
  raw: Record<string, string | number>,
): { ok: true; filters: ReportFilters } | { ok: false; problem: string } {
  const unknown = Object.keys(raw).find((k) => !(FILTER_NAMES as readonly string[]).includes(k));
  if (unknown)
    return {
      ok: false,
      problem: `${unknown}: not a dashboard filter (they are ${FILTER_NAMES.join(', ')})`,
    };
  try {
    checkFilterNames(d, raw);
  } catch (e) {
    const field = e instanceof AppError ? e.extra.errors?.[0] : undefined;
    if (!field) throw e;
    return { ok: false, problem: `${field.field}: ${field.message}` };
  }
  // The route reads text from the URL; a number in YAML is the same value.
  const text = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
  const r = panelDataQuery.safeParse(text);
  if (!r.success) return { ok: false, problem: firstIssue(r.error) };
  const { format: _format, ...filters } = r.data;
  return { ok: true, filters };
}

/** Parse and check the reports file's text against `dashboards`; throws ReportFileError. */
export function parseReports(
  file: string,
  text: string,
  dashboards: DashboardCatalog,
): ReportCatalog {
  const fail = (msg: string) => new ReportFileError(`${shownPath(file)}: ${msg}`);
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw fail(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = reportsFileSchema.safeParse(data ?? {});
  if (!r.success) throw fail(firstIssue(r.error));
  const catalog = new Map<string, ReportDefinition>();
  r.data.reports.forEach((rep, i) => {
    const at = `reports.${i}`;
    if (catalog.has(rep.name)) throw fail(`${at}.name: ${rep.name} twice`);
    const d = dashboards.get(rep.dashboard);
    if (!d)
      throw fail(
        `${at}.dashboard: no dashboard ${rep.dashboard} (there are ${[...dashboards.keys()].join(', ') || 'none'})`,
      );
    const checked = checkFilters(d, rep.filters);
    if (!checked.ok) throw fail(`${at}.filters.${checked.problem}`);
    if (rep.period) {
      const set = (['from', 'to'] as const).find((f) => checked.filters[f] !== undefined);
      if (set) throw fail(`${at}.filters.${set}: the period ${rep.period} sets from and to`);
      if (!d.filters.includes('from') || !d.filters.includes('to'))
        throw fail(`${at}.period: dashboard ${d.id} has no from and to filters to set`);
    }
    const wanted = rep.panels ?? d.panels.map((p) => p.id);
    wanted.forEach((id, j) => {
      if (!d.panels.some((p) => p.id === id))
        throw fail(
          `${at}.panels.${j}: dashboard ${d.id} has no panel ${id} (it has ${d.panels.map((p) => p.id).join(', ')})`,
        );
      if (wanted.indexOf(id) !== j) throw fail(`${at}.panels.${j}: ${id} twice`);
    });
    const problem = cronProblem(rep.cron);
    if (problem)
      throw fail(`${at}.cron: ${JSON.stringify(rep.cron)} is not a cron expression (${problem})`);
    if (rep.timezone !== undefined && !isKnownTimezone(rep.timezone))
      throw fail(
        `${at}.timezone: ${JSON.stringify(rep.timezone)} is not an IANA time zone name such as UTC or Europe/Berlin`,
      );
    catalog.set(rep.name, {
      name: rep.name,
      title: rep.title,
      ...(rep.description ? { description: rep.description } : {}),
      dashboard: d,
      panels: d.panels.filter((p) => wanted.includes(p.id)),
      ...(rep.period ? { period: rep.period } : {}),
      filters: checked.filters,
      cron: rep.cron.replace(/\s+/g, ' '),
      ...(rep.timezone ? { timezone: rep.timezone } : {}),
    });
  });
  return catalog;
}

/**
 * The reports of `dir`/reports.yaml over its dashboards; none when there is no such file (a
 * folder of test dashboards). Throws ReportFileError on a bad file: a server does not start
 * with a report that could never run.
 */
export function loadReports(
  dashboards: DashboardCatalog,
  dir: string = DASHBOARDS_DIR,
): ReportCatalog {
  const file = path.join(dir, REPORTS_FILE);
  if (!fs.existsSync(file)) return new Map();
  return parseReports(file, fs.readFileSync(file, 'utf8'), dashboards);
}
