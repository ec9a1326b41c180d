/**
 * The words at the top of a scheduled report's image: what it is, which days, for whom, and how
 * fresh the figures are — so someone who gets only the picture knows what they are looking at.
 * Filters read as names (team North, rep Ana), not the ids the URL carries.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ReportHeading } from './report-compose.ts';
import type { ReportDefinition, ReportFilters } from './report-catalog.ts';
import { rangeText, type ReportPeriod } from './report-period.ts';

const PERIOD_WORDS: Record<ReportPeriod, string> = {
  yesterday: 'Yesterday',
  'last-7-days': 'Last 7 days',
  'last-week': 'Last week',
  'last-month': 'Last month',
  'last-quarter': 'Last quarter',
  'last-12-months': 'Last 12 months',
};

/** The filters other than the dates, by name: "Team North · Rep Ana (R-ANA) · Country FR". */
export async function filterWords(db: Kysely<DB>, filters: ReportFilters): Promise<string | null> {
  const parts: string[] = [];
  if (filters.team !== undefined) {
    const t = await db
      .selectFrom('teams')
      .select('name')
      .where('id', '=', filters.team)
      .executeTakeFirst();
    parts.push(`Team ${t?.name ?? filters.team}`);
  }
  if (filters.rep !== undefined) {
    const r = await db
      .selectFrom('sales_reps')
      .select('name')
      .where('code', '=', filters.rep)
      .executeTakeFirst();
    parts.push(r ? `Rep ${r.name} (${filters.rep})` : `Rep ${filters.rep}`);
  }
  if (filters.category !== undefined) {
    const c = await db
      .selectFrom('product_categories')
      .select('name')
      .where('id', '=', filters.category)
      .executeTakeFirst();
    parts.push(`Category ${c?.name ?? filters.category}`);
  }
  if (filters.country !== undefined) parts.push(`Country ${filters.country}`);
  return parts.length ? parts.join(' · ') : null;
}

/** "8 Jun 2026, 07:45 CEST" in `timeZone`. */
export function instantText(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(at);
}

/** The heading of `report` drawn at `drawnAt` over data built at `dataAsOf`. */
export function reportHeading(o: {
  report: ReportDefinition;
  filters: ReportFilters;
  filterWords: string | null;
  dataAsOf: Date | null;
  drawnAt: Date;
  timeZone: string;
  link: string;
}): ReportHeading {
  const range = rangeText(o.filters.from, o.filters.to);
  const period = o.report.period ? `${PERIOD_WORDS[o.report.period]}: ${range}` : range;
  const data = o.dataAsOf
    ? `Data as of ${instantText(o.dataAsOf, o.timeZone)} (the last warehouse build)`
    : 'The warehouse has not been built yet';
  return {
    title: o.report.title,
    subtitle: `${o.report.dashboard.title} · ${period}`,
    filters: o.filterWords,
    dataTime: `${data} · drawn ${instantText(o.drawnAt, o.timeZone)}`,
    link: o.link,
  };
}
