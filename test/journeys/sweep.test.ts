/**
 * The generated sweep: every operation of the registry, as GET /api/v1/openapi.json lists it,
 * called on a real `salesops start` with an empty body, a NUL in each string, an impossible date
 * in each date, a huge number in each number and a method its path does not have. No answer may
 * be a 5xx or carry database text, and a refused request (4xx) must write nothing: the
 * database's fingerprint (count and newest updated_at of every table) is the same after it.
 * An empty body may be valid (confirm, ship, apply): a 2xx to it is allowed. An empty PATCH must
 * answer 200 and, being a no-op, write nothing either.
 *
 * Path params are ids of real demo rows, so each request gets past the lookup to validation.
 * Every variant collects its problems and asserts the list empty, so one run names them all.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ownObservations, undocumented } from '../support/contract.ts';
import {
  databaseText,
  fingerprintDiff,
  fingerprinter,
  type Fingerprinter,
} from './database-watch.ts';
import {
  client,
  databaseKinds,
  installAndStart,
  type Answer,
  type Client,
  type Installation,
  type Server,
} from './support.ts';
import {
  operations,
  probes,
  type Operation,
  type Probe,
  type ProbeKind,
  type RowIds,
} from './sweep-requests.ts';

const rowsOf = (a: Answer): any[] => (Array.isArray(a.body) ? a.body : (a.body?.items ?? []));

/** Ids of real rows for path params and id fields; a few made for the sweep to spend. */
async function realRows(admin: Client): Promise<RowIds> {
  const first = async (p: string, key = 'id') => rowsOf(await admin.get(p))[0]?.[key];
  const order = await first('/orders?limit=1');
  const lines = (await admin.get(`/orders/${order}`)).body?.lines ?? [];
  const rule = await admin.post('/followup-rules', {
    name: 'sweep welcome call',
    trigger: 'customer_created',
    action: { activityType: 'call', subject: 'welcome call' },
  });
  // DELETE /api-keys/{id} really revokes: give it a key nobody needs.
  const spare = await admin.post('/api-keys', { name: 'sweep spare', role: 'analyst' });
  return {
    customers: 1,
    contacts: await first('/customers/1/contacts'),
    products: 1,
    warehouses: 1,
    warehouses2: 2,
    categories: 1,
    'price-lists': 1,
    items: await first('/price-lists/1/items'),
    'reorder-rules': await first('/reorder-rules'),
    alerts: await first('/alerts?limit=1'),
    orders: order,
    lines: lines[0]?.id,
    'order-rules': 'max-discount',
    activities: await first('/activities?limit=1'),
    'followup-rules': rule.body?.id,
    opportunities: await first('/opportunities?limit=1'),
    reps: 1,
    teams: 1,
    quotas: await first('/quotas?limit=1'),
    models: 'mart_sales_daily',
    runs: await first('/ingest/runs?limit=1', 'runId'),
    'api-keys': spare.body?.id,
    saved: (await admin.post('/sql/saved', { name: 'sweep saved', sql: 'SELECT 1 AS x' })).body?.id,
    // A public address (no DNS lookup for an IP), subscribed to an event the sweep never makes.
    webhooks: (
      await admin.post('/webhooks', {
        url: 'https://93.184.215.14/sweep',
        eventTypes: ['report.ready'],
      })
    ).body?.id,
  };
}

/** What is wrong with the answer to `p`, beyond the rules every answer follows. */
function expectation(p: Probe, a: Answer, methodsOfPath: string[]): string | undefined {
  const named = (a.body?.errors ?? []).some((e: { field?: string }) => e.field === p.field);
  switch (p.kind) {
    case 'NUL':
    case 'impossible date':
      if (a.status !== 400 || !named) return `expected 400 naming ${p.field}`;
      return undefined;
    case 'huge number':
      if (p.mayPass) return undefined;
      if (p.where === 'path') return [400, 404].includes(a.status) ? undefined : 'expected 400/404';
      if (![400, 422].includes(a.status) || !named) return `expected 400/422 naming ${p.field}`;
      return undefined;
    case 'wrong method': {
      const allow = (a.headers.get('allow') ?? '').toUpperCase().split(/\s*,\s*/);
      const missing = methodsOfPath.filter((m) => !allow.includes(m));
      if (a.status !== 405 || missing.length)
        return `expected 405 with Allow: ${methodsOfPath.join(', ')}`;
      return undefined;
    }
    case 'empty body':
      if (p.op.method === 'PATCH' && p.op.body && a.status !== 200)
        return 'expected 200: an empty patch changes nothing';
      return undefined;
  }
}

for (const kind of databaseKinds()) {
  describe(`the generated sweep on ${kind}`, () => {
    let inst: Installation;
    let server: Server;
    let admin: Client;
    let fingerprint: Fingerprinter;
    let doc: any;
    let ops: Operation[] = [];
    let ids: RowIds;
    let current: string;

    beforeAll(async () => {
      ({ inst, server } = await installAndStart(kind));
      admin = client(server, server.adminKey);
      fingerprint = await fingerprinter(inst, server);
      doc = (await admin.get('/openapi.json')).body;
      ops = operations(doc);
      ids = await realRows(admin);
      current = await fingerprint.take();
    }, 240_000);

    afterAll(async () => {
      await fingerprint?.close();
      await server?.stop();
      await inst?.close();
    });

    /** Send the probes of `kind`, DELETEs last, and list every problem. */
    async function sweep(variant: ProbeKind): Promise<string[]> {
      const problems: string[] = [];
      const methods = new Map<string, string[]>();
      for (const op of ops) methods.set(op.path, [...(methods.get(op.path) ?? []), op.method]);
      const seenPaths = new Set<string>();
      const ordered = [...ops].sort(
        (a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'),
      );
      for (const op of ordered) {
        // A stream (GET /events/stream) that accepts a probe never ends: only its wrong method
        // is swept here; test/events-stream.test.ts checks its bad input.
        const stream =
          doc.paths[op.path]?.[op.method.toLowerCase()]?.responses?.['200']?.content?.[
            'text/event-stream'
          ] !== undefined;
        for (const p of probes(doc, op, ids, methods.get(op.path)!)) {
          if (p.kind !== variant) continue;
          if (stream && p.kind !== 'wrong method') continue;
          if (p.kind === 'wrong method' && seenPaths.has(op.path)) continue;
          seenPaths.add(op.path);
          // Root operations (sign-in) are not under /api/v1: send them to the root.
          const target = p.url.startsWith('/api/') ? p.url : server.url + p.url;
          const jobsBefore = await fingerprint.jobs();
          let a = await admin.call(p.method, target, p.body);
          let after = await fingerprint.take();
          if (after !== current && (await fingerprint.jobs()) !== jobsBefore) {
            // A background job (a refresh cycle the sweep's own writes started) ran meanwhile
            // and may have written: once the jobs are quiet, send the probe again and judge that.
            await fingerprint.quiet();
            current = await fingerprint.take();
            a = await admin.call(p.method, target, p.body);
            after = await fingerprint.take();
          }
          const label = `${p.method} ${p.url}${p.field ? ` [${p.where} ${p.field}]` : ''}`;
          const said = `${a.status} ${a.text.replace(/\s+/g, ' ').slice(0, 240)}`;
          if (a.status >= 500) problems.push(`${label}: a server error — ${said}`);
          const leak = a.status >= 400 ? databaseText(a.text) : undefined;
          if (leak) problems.push(`${label}: database text "${leak}" — ${said}`);
          const wrong = a.status < 500 ? expectation(p, a, methods.get(op.path)!) : undefined;
          if (wrong) problems.push(`${label}: ${wrong} — ${said}`);
          // An empty patch is a no-op whatever it answers: not a row, not an updated_at, not an
          // audit entry may change.
          const noOp = p.kind === 'empty body' && p.op.method === 'PATCH' && p.op.body;
          // A refused sign-in is recorded on purpose (docs/sign-in.md): the audit row, and the
          // failure count of a known account.
          // So is every query run through POST /sql or a saved run, refused or not: its
          // history row (docs/sql.md), and nothing else.
          const ran =
            /^\/api\/v1\/sql(\/saved\/\{id\}\/run)?$/.test(p.op.path) &&
            fingerprintDiff(current, after).every((x) => x.startsWith('sql_history='));
          const recorded = (p.op.path === '/login' && a.status === 401) || ran;
          if ((a.status >= 400 || noOp) && after !== current && !recorded) {
            const changed = fingerprintDiff(current, after).join(', ');
            const why =
              a.status >= 400 ? `refused with ${a.status}` : `an empty patch (${a.status})`;
            problems.push(`${label}: ${why} but wrote ${changed}`);
          }
          current = after;
        }
      }
      return problems;
    }

    it('reads every route from the registry', () => {
      expect(ops.length).toBeGreaterThan(90);
      // Under /api/v1, or one of the root operations: health and signing in.
      for (const op of ops)
        expect(op.path, op.method).toMatch(
          /^\/(api\/v1\/|health$|login$|logout$|set-password$|account\/password$)/,
        );
      for (const [name, id] of Object.entries(ids)) expect(id, `a real ${name} row`).toBeDefined();
    });

    it('sees a write in the fingerprint, so "nothing written" can fail', async () => {
      const r = await admin.post('/categories', { name: 'sweep: fingerprint check' });
      expect(r.status, r.text).toBe(201);
      const after = await fingerprint.take();
      expect(fingerprintDiff(current, after).join(' ')).toMatch(/product_categories=/);
      current = after;
    });

    it.each<ProbeKind>(['wrong method', 'NUL', 'impossible date', 'huge number', 'empty body'])(
      'every route answers %s without a 5xx, database text or a write',
      async (variant) => {
        const problems = await sweep(variant);
        expect(problems, `${problems.length} problem(s):\n${problems.join('\n')}\n`).toEqual([]);
      },
    );

    // The global teardown checks every answer of the run; this names the sweep's misfits in a
    // test of its own, and proves the journey client records its answers at all.
    it('answers only what the OpenAPI document lists for each operation', () => {
      const seen = ownObservations(inject('observedDir'));
      expect(seen.filter((o) => o.status === 405).length).toBeGreaterThan(0);
      expect(seen.some((o) => o.path.startsWith('/api/v1/price-lists/'))).toBe(true);
      const misfits = undocumented(doc, seen);
      expect(misfits, `${misfits.length} misfit(s):\n${misfits.join('\n')}\n`).toEqual([]);
    });
  });
}
