/**
 * `report`: one scheduled report of dashboards/reports.yaml drawn to one PNG, stored in
 * report_snapshots, and announced by a `report.ready` event in the same transaction — the
 * webhook dispatcher delivers it to every webhook subscribed to report.ready; this job calls no
 * webhook itself. The event carries the links (the image, the live dashboard), never the bytes:
 * the outbox reaches the warehouse like any table.
 *
 * Its schedules: the runtime gives a job one timer per schedule, and this job declares one
 * schedule per report (`schedules`), each with that report's cron and zone and `{report: name}`
 * as the run's params. So there is one job — one run history (GET /jobs/report/runs), one
 * place to ask for a run by hand (POST /jobs/report/run {"report": name}) — and every report
 * keeps its own cron, rather than one job per report generated from the file (a list of jobs
 * that changes with a YAML file, each with its own SALESOPS_JOB_…_CRON name) or one cron firing
 * every report at once.
 *
 * A database job: it writes PostgreSQL, so a scheduled slot runs once across the instances on
 * one database (its slot key is per report), under an advisory lock per report. It reads the
 * warehouse in the warehouse's turn, behind any ingest or build, so the figures are one build's
 * and the image says which; drawing happens after the turn, so an ingest does not wait for it.
 */
import type { Kysely } from 'kysely';
import { nowOf, type AppContext } from '../context.ts';
import { dashboardFilterValues } from '../api/dashboards/service.ts';
import { dashboardPageUrl, snapshotImageUrl } from '../api/report-snapshots/links.ts';
import { storeSnapshot } from '../api/report-snapshots/repository.ts';
import type { DB } from '../db/schema.ts';
import type { ReportDefinition, ReportFilters } from '../dashboards/report-catalog.ts';
import { drawReport, readPanels, type DrawnReport } from '../dashboards/report-draw.ts';
import { filterWords, reportHeading } from '../dashboards/report-heading.ts';
import { dayIn, periodRange } from '../dashboards/report-period.ts';
import { JobFailure } from './errors.ts';
import { readFreshness } from './freshness.ts';
import type { JobDefinition } from './types.ts';

/** The report a run was asked for; the API checked the name (api/jobs/params.ts). */
function reportOf(app: AppContext, params: Readonly<Record<string, unknown>>): ReportDefinition {
  const name = String(params.report ?? '');
  const report = app.reports?.get(name);
  if (!report) throw new Error(`there is no report named "${name}" in dashboards/reports.yaml`);
  return report;
}

/** The filters of this run: the file's, with the period's dates for the day it runs. */
export function runFilters(report: ReportDefinition, now: Date, timeZone: string): ReportFilters {
  if (!report.period) return report.filters;
  return { ...report.filters, ...periodRange(report.period, dayIn(now, timeZone)) };
}

/** The newest build's end, from the warehouse's own run log: the time of the data. */
async function dataAsOf(app: AppContext): Promise<Date | null> {
  if (!app.warehouse) return null;
  const last = (await readFreshness(app.warehouse)).lastBuild;
  return last ? new Date(last.at) : null;
}

/** The event payload's filters: the values as the dashboard's URL takes them. */
function filterRecord(filters: ReportFilters): Record<string, string | number> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<
    string,
    string | number
  >;
}

async function store(
  db: Kysely<DB>,
  app: AppContext,
  report: ReportDefinition,
  filters: ReportFilters,
  image: { png: Buffer; width: number; height: number },
  asOf: Date | null,
  runId: number,
) {
  const record = filterRecord(filters);
  const dashboardUrl = dashboardPageUrl(app.config, report.dashboard.id, filters);
  return storeSnapshot(
    db,
    {
      report: report.name,
      title: report.title,
      dashboard: report.dashboard.id,
      filters: record,
      png: image.png,
      width: image.width,
      height: image.height,
      dataAsOf: asOf,
      jobRunId: runId,
    },
    (stored) => ({
      type: 'report.ready',
      entity: { type: 'report', id: report.name },
      payload: {
        report: report.name,
        title: report.title,
        dashboard: report.dashboard.id,
        filters: record,
        snapshotId: stored.id,
        imageUrl: snapshotImageUrl(app.config, stored.id),
        dashboardUrl,
        generatedAt: stored.createdAt.toISOString(),
        dataAsOf: asOf?.toISOString() ?? null,
        width: image.width,
        height: image.height,
        bytes: image.png.length,
      },
    }),
  );
}

/** A report drawn now: the image, and what it was drawn from. */
export interface ReportDrawing {
  filters: ReportFilters;
  asOf: Date | null;
  drawn: DrawnReport;
}

/**
 * Draw `report` as of `drawnAt`: its filters for that day, each panel read inside `turn` (the
 * warehouse's turn, in a job), then drawn and composed. Throws JobFailure when no panel could be
 * read at all — a page of error cards is not worth sending anyone.
 */
export async function drawReportNow(
  app: AppContext,
  report: ReportDefinition,
  drawnAt: Date,
  turn: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<ReportDrawing> {
  const timeZone = report.timezone ?? app.config.jobsTimezone;
  const filters = runFilters(report, drawnAt, timeZone);
  // A rep code that no longer resolves fails the run here, naming it (400's words).
  const values = await dashboardFilterValues(app, report.dashboard, filters);
  const { read, asOf } = await turn(async () => ({
    read: await readPanels(app, report, values),
    asOf: await dataAsOf(app),
  }));
  const failed = read.filter((r) => 'problem' in r);
  if (failed.length === read.length) {
    const first = failed[0] as { problem: string } | undefined;
    throw new JobFailure(`no panel of ${report.name} could be read: ${first?.problem ?? ''}`, {
      detail: { report: report.name, filters: filterRecord(filters) },
    });
  }
  const heading = reportHeading({
    report,
    filters,
    filterWords: await filterWords(app.ops.db, filters),
    dataAsOf: asOf,
    drawnAt,
    timeZone,
    link: dashboardPageUrl(app.config, report.dashboard.id, filters),
  });
  return { filters, asOf, drawn: await drawReport(read, filters, heading) };
}

export const reportJob: JobDefinition = {
  name: 'report',
  description:
    'draw a scheduled report (dashboards/reports.yaml) to one PNG and announce it with a report.ready event',
  defaultSchedule: null,
  schedules: {
    from: 'dashboards/reports.yaml',
    entries: (app) =>
      [...(app.reports?.values() ?? [])].map((r) => ({
        name: r.name,
        cron: r.cron,
        ...(r.timezone ? { timezone: r.timezone } : {}),
        params: { report: r.name },
      })),
  },
  lockKey: (params) => `report:${String(params.report)}`,
  resource: 'database',
  // It posts to every subscribed webhook, for the whole company: an admin's call.
  managersMayRun: false,
  async run(ctx) {
    const { app } = ctx;
    const report = reportOf(app, ctx.params);
    ctx.progress({ report: report.name });
    const { filters, asOf, drawn } = await drawReportNow(
      app,
      report,
      nowOf(app),
      ctx.warehouseTurn,
    );
    const stored = await store(app.ops.db, app, report, filters, drawn, asOf, ctx.runId);
    ctx.say(
      `report ${report.name}: snapshot #${stored.id}, ${drawn.width}×${drawn.height} px, ` +
        `${Math.round(drawn.png.length / 1024)} kB`,
    );
    return {
      rows: 1,
      detail: {
        report: report.name,
        snapshotId: stored.id,
        imageUrl: snapshotImageUrl(app.config, stored.id),
        filters: filterRecord(filters),
        width: drawn.width,
        height: drawn.height,
        bytes: drawn.png.length,
        panels: drawn.panels,
      },
    };
  },
};
