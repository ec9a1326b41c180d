/**
 * The event catalogue of docs/events.md as data — the table between the event-catalogue markers
 * and the list of write routes that record no event (no-events markers) — so the events suites
 * hold the running app to the page, as access-matrix.ts does for docs/access.md.
 */
import fs from 'node:fs';

/** A route in a catalogue row's "emitted by" cell. */
export interface RouteEmitter {
  /** `POST /api/v1/orders`, as docs/access.md writes it. */
  route: string;
  /** "(when …)": the route records the type only in that case. */
  conditional: boolean;
  /** "instead of `x`": the types this one replaces when its case holds. */
  insteadOf: string[];
}

/** One row of the catalogue. */
export interface CatalogueRow {
  type: string;
  entity: string;
  /** The routes among its emitters (jobs and commands are prose the suites do not call). */
  routes: RouteEmitter[];
  payload: string;
}

const PAGE = new URL('../../docs/events.md', import.meta.url);

function between(text: string, marker: string): string {
  const part = text.split(`<!-- ${marker}:start -->`)[1]?.split(`<!-- ${marker}:end -->`)[0];
  if (!part) throw new Error(`docs/events.md has no ${marker} table`);
  return part;
}

/** The body rows of a Markdown table, as trimmed cells; the header must be `header`. */
function tableRows(table: string, header: string[]): string[][] {
  const lines = table.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  if (cells(lines[0] ?? '').join() !== header.join())
    throw new Error(`docs/events.md table header must be | ${header.join(' | ')} |`);
  return lines.slice(2).map((l) => {
    const row = cells(l);
    if (row.length !== header.length) throw new Error(`bad row in docs/events.md: ${l}`);
    return row;
  });
}

/** Split a cell on `;` outside parentheses. */
function items(cell: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of cell) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ';' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

const ROUTE = /^`((?:GET|POST|PUT|PATCH|DELETE) \/api\/v1\/\S+)`(.*)$/;
const TYPE = /^`([a-z_]+\.[a-z_]+)`$/;

/** Parse the catalogue table; any odd row throws. */
export function readCatalogue(): CatalogueRow[] {
  const page = fs.readFileSync(PAGE, 'utf8');
  return tableRows(between(page, 'event-catalogue'), [
    'type',
    'entity',
    'emitted by',
    'payload',
  ]).map(([type, entity, emittedBy, payload]) => {
    const t = TYPE.exec(type!);
    if (!t) throw new Error(`bad event type cell: ${type}`);
    const routes = items(emittedBy!).flatMap((item): RouteEmitter[] => {
      const m = ROUTE.exec(item);
      if (!m) return [];
      const rest = m[2]!;
      const instead = /instead of ([^)]*)/.exec(rest)?.[1] ?? '';
      return [
        {
          route: m[1]!,
          conditional: /^\s*\(when /.test(rest),
          insteadOf: [...instead.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((x) => x[1]!),
        },
      ];
    });
    return { type: t[1]!, entity: entity!, routes, payload: payload! };
  });
}

/** The write routes docs/events.md says record no event, with the reason. */
export function readNoEventRoutes(): Map<string, string> {
  const page = fs.readFileSync(PAGE, 'utf8');
  return new Map(
    tableRows(between(page, 'no-events'), ['route', 'why no event']).map(([route, why]) => {
      const m = ROUTE.exec(route!);
      if (!m || m[2]) throw new Error(`bad no-event route cell: ${route}`);
      return [m[1]!, why!];
    }),
  );
}

/** What the catalogue says one route records. */
export interface RouteEvents {
  /** The types every valid request records, in catalogue order. */
  always: string[];
  /** The types it records only in a case, with those each replaces. */
  when: { type: string; insteadOf: string[] }[];
}

/** The catalogue by route. */
export function eventsByRoute(rows: readonly CatalogueRow[]): Map<string, RouteEvents> {
  const out = new Map<string, RouteEvents>();
  for (const row of rows) {
    for (const r of row.routes) {
      const e = out.get(r.route) ?? { always: [], when: [] };
      if (r.conditional) e.when.push({ type: row.type, insteadOf: r.insteadOf });
      else e.always.push(row.type);
      out.set(r.route, e);
    }
  }
  return out;
}

/**
 * The types a request records when the cases of `types` hold: the route's unconditional types,
 * less those the cases replace, plus the cases' own — sorted, as the suites compare them.
 */
export function expectedTypes(events: RouteEvents | undefined, cases: readonly string[] = []) {
  const always = events?.always ?? [];
  const conds = cases.map((type) => {
    const c = events?.when.find((w) => w.type === type);
    if (!c) throw new Error(`docs/events.md lists no "(when …)" ${type} for this route`);
    return c;
  });
  const replaced = new Set(conds.flatMap((c) => c.insteadOf));
  return [...new Set([...always.filter((t) => !replaced.has(t)), ...cases])].sort();
}
