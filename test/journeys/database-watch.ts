/**
 * What the sweep watches besides the status: text only a database writes, and a fingerprint of
 * the operational database read beside the running server, so a refused request that wrote
 * anything is caught.
 */
import fs from 'node:fs';
import pg from 'pg';
import type { Installation, Server } from './support.ts';

/**
 * Text only a database produces. An answer to a bad request that contains it leaks internals:
 * constraint names, SQLSTATEs, PostgreSQL and DuckDB messages.
 */
export const DATABASE_TEXT: readonly RegExp[] = [
  /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_(?:key|fkey|pkey|check|excl|idx)\b/,
  /"constraint"\s*:/,
  /"(?:code|sqlState|sqlstate)"\s*:\s*"[0-9A-Z]{5}"/,
  /\(\s*\d{2}[0-9A-Z]{3}\s*\)/,
  /SQLSTATE/i,
  /violates/i,
  /Key \(/,
  /syntax error/i,
  /invalid byte sequence/i,
  /invalid input syntax/i,
  /value too long for type/i,
  /out of range for type/i,
  /date field value out of range/i,
  /must round to an absolute value/i,
  /precision \d+, scale \d+/i,
  /relation "[^"]+" does not exist/i,
  /\b(?:Binder|Catalog|Conversion|Parser|Invalid Input|Out of Range|Constraint) Error\b/,
  /DuckDB/i,
];

/** The first database-text pattern `text` matches, if any. */
export function databaseText(text: string): string | undefined {
  for (const re of DATABASE_TEXT) {
    const m = re.exec(text);
    if (m) return m[0];
  }
  return undefined;
}

/**
 * Ports a process listens on (Linux /proc): the embedded database's socket server listens on a
 * random loopback port inside the server process, and a fingerprint needs to reach it.
 */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const file = `/proc/${pid}/net/${table}`;
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':').at(-1)!, 16));
    }
  }
  return ports;
}

/** A read-only look at the server's operational database, for "nothing was written" checks. */
export interface Fingerprinter {
  /** count(*) and max(updated_at) of every table of the public schema but job_runs, as one string. */
  take(): Promise<string>;
  /**
   * The server's job runs as one string (how many, the newest, how many open): when it moves between two
   * fingerprints, a job ran meanwhile and may have written (a refresh cycle's segment run, its
   * events), so a difference is not the request's alone.
   */
  jobs(): Promise<string>;
  /** Resolves once no job run is queued or running (or after `timeoutMs`). */
  quiet(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connect beside the running server: PostgreSQL directly; the embedded database through the
 * socket its server process serves (the port that is not the HTTP one).
 */
export async function fingerprinter(inst: Installation, server: Server): Promise<Fingerprinter> {
  let url = inst.databaseUrl;
  if (!url) {
    const http = Number(new URL(server.url).port);
    const port = listeningPorts(server.pid).find((p) => p !== http);
    if (!port) throw new Error(`no database socket found in server process ${server.pid}`);
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ table_name: string; stamped: boolean }>(
    `SELECT t.table_name, EXISTS (SELECT 1 FROM information_schema.columns c
              WHERE c.table_schema = 'public' AND c.table_name = t.table_name
                AND c.column_name = 'updated_at') AS stamped
       FROM information_schema.tables t
      WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        -- The server's own job runtime records its runs (a schedule slot, a refresh cycle)
        -- whenever they come due, so a request that wrote nothing may still see it change.
        AND t.table_name <> 'job_runs'
      ORDER BY t.table_name`,
  );
  // The outbox is published in the background (api/events/hub.ts): numbering an earlier write's
  // events moves their updated_at after the fact. A request that records an event adds a row,
  // so for `events` the count is what tells. Likewise the dispatcher moves each webhook's fan-out
  // cursor (and updated_at) as events are published.
  const stamped = (r: { table_name: string; stamped: boolean }) =>
    r.stamped && r.table_name !== 'events' && r.table_name !== 'webhooks';
  const query = rows
    .map(
      (r) =>
        `SELECT '${r.table_name}' AS t, count(*)::text AS n, ` +
        `${stamped(r) ? 'max(updated_at)::text' : 'NULL::text'} AS u FROM "${r.table_name}"`,
    )
    .join(' UNION ALL ');
  return {
    async take() {
      const r = await c.query<{ t: string; n: string; u: string | null }>(query);
      return r.rows.map((x) => `${x.t}=${x.n}@${x.u ?? ''}`).join(' ');
    },
    async jobs() {
      const r = await c.query<{ j: string }>(
        `SELECT count(*) || '@' || coalesce(max(id)::text, '') || '@' ||
                count(*) FILTER (WHERE status IN ('queued', 'running')) AS j FROM job_runs`,
      );
      return r.rows[0]!.j;
    },
    async quiet(timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const r = await c.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM job_runs WHERE status IN ('queued', 'running')`,
        );
        if (r.rows[0]!.n === '0') return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => c.end(),
  };
}

/** The tables whose figures differ between two fingerprints. */
export function fingerprintDiff(before: string, after: string): string[] {
  const a = new Set(before.split(' '));
  return after.split(' ').filter((x) => !a.has(x));
}
