/**
 * Journeys: each kind of user walks their path through the real CLI and the HTTP API of a real
 * `salesops start`, on embedded PGlite and on PostgreSQL. The steps run in order and share one
 * installation, as the people would share one system: the data team adds a model with the CLI
 * before the server starts, the admin starts the server (which brings the warehouse up to date
 * before it serves, so the reports answer at once) and hands out keys, staff sell, a manager
 * approves and reads the team report, an analyst exports a CSV, an executive reads sales by
 * category, and an analyst answers a question in SQL and shares it with the executive.
 *
 * One story on purpose: the people share one installation, and each test file pays for its own
 * (demo, ingest, build and start: about a minute per database). Its later steps live beside it
 * by concern — the sellers in sellers.ts, the readers in readers.ts — and run here, in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  DEMO_ORDERS,
  client,
  createInstallation,
  databaseKinds,
  items,
  show,
  type Client,
  type Installation,
  type Server,
} from './support.ts';
import { readerJourneys, type Journey } from './readers.ts';
import { segmentJourneys } from './segments.ts';
import { sellerJourneys } from './sellers.ts';

const MODEL = 'mart_journey_orders_by_status';
const MODEL_SQL = `-- @materialized table
-- @description Orders per status: the data team's first model.
-- @test unique status
SELECT status, count(*) AS orders
FROM {{ ref('stg_orders') }}
GROUP BY status
`;
// The same model after a careless edit: the column does not exist.
const BROKEN_SQL = MODEL_SQL.replace('count(*) AS orders', 'count(*) AS orders, no_such_column');

/** Rows of the new model, read straight from the warehouse file (no server holds it yet). */
async function readModel(inst: Installation): Promise<{ status: string; orders: number }[]> {
  const db = await DuckDBInstance.create(path.join(inst.dataDir, 'warehouse.duckdb'), {
    access_mode: 'READ_ONLY',
  });
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(`SELECT status, orders::INTEGER AS orders FROM marts.${MODEL}`);
    return r.getRowObjectsJson() as { status: string; orders: number }[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

for (const kind of databaseKinds()) {
  describe(`journeys on ${kind}`, () => {
    let inst: Installation;
    let server: Server | undefined;
    let admin: Client;
    let staff: Client;
    let manager: Client;
    let analyst: Client;
    let executive: Client;
    const keys: Record<string, string> = {};
    // The story's state as the steps in sellers.ts and readers.ts read it, when they run.
    const journey: Journey = {
      get inst() {
        return inst;
      },
      get server() {
        return server;
      },
      get admin() {
        return admin;
      },
      get staff() {
        return staff;
      },
      get manager() {
        return manager;
      },
      get analyst() {
        return analyst;
      },
      get executive() {
        return executive;
      },
      keys,
      model: MODEL,
    };

    beforeAll(async () => {
      inst = await createInstallation(kind);
    });
    afterAll(async () => {
      await server?.stop();
      await inst?.close();
    });

    describe('the admin installs salesops', () => {
      it('loads a small demo with the CLI', async () => {
        const r = await inst.cli(['demo', '--orders', String(DEMO_ORDERS)]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`loaded ${DEMO_ORDERS} orders`));
      });
    });

    describe('a data team, before the server starts', () => {
      let builtRows: { status: string; orders: number }[] = [];

      it('runs the ingest job: the tables are copied, then every model is built', async () => {
        const r = await inst.cli(['jobs', 'run', 'ingest']);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(/run #1 committed/);
        expect(r.stdout).toMatch(/^job run #1 \(ingest\) succeeded/m);
        expect(r.stdout).toMatch(/^build done: (\d+) of \1 models ok/m);
        expect(r.stdout).toMatch(/^job run #2 \(build\) succeeded/m);
      });

      it('adds a model file and builds it with +name, upstream first', async () => {
        const project = inst.projectCopy();
        fs.writeFileSync(path.join(project, 'models', 'marts', `${MODEL}.sql`), MODEL_SQL);
        const r = await inst.cli(['models', 'build', `+${MODEL}`], project);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        const lines = r.stdout.split('\n');
        const upstream = lines.findIndex((l) => /^ok\s+stg_orders\b/.test(l));
        const mine = lines.findIndex((l) => new RegExp(`^ok\\s+${MODEL}\\b`).test(l));
        expect(upstream, r.stdout).toBeGreaterThanOrEqual(0);
        expect(mine, r.stdout).toBeGreaterThan(upstream);
        builtRows = await readModel(inst);
        expect(builtRows.reduce((n, x) => n + x.orders, 0)).toBe(DEMO_ORDERS);
      });

      it('breaks it, sees the error naming the model, and the old table stays readable', async () => {
        const project = inst.projectCopy();
        fs.writeFileSync(path.join(project, 'models', 'marts', `${MODEL}.sql`), BROKEN_SQL);
        const r = await inst.cli(['models', 'build', `+${MODEL}`], project);
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stdout).toMatch(new RegExp(`^FAIL\\s+${MODEL}\\b`, 'm'));
        expect(r.stdout).toMatch(/no_such_column/);
        expect(r.stdout).toMatch(/Failed: \d+ ok, 1 failed/);
        expect(r.stderr).not.toMatch(/^\s+at /m); // a build error is a line, not a stack trace
        expect(await readModel(inst)).toEqual(builtRows);
      });
    });

    describe('the admin starts the server and hands out keys', () => {
      it('starts it on the loaded folder and is shown the first admin key once', async () => {
        server = await inst.start(['--demo-orders', String(DEMO_ORDERS)]);
        expect(server.stdout).not.toMatch(/Demo loaded/);
        expect(server.adminKey).toMatch(API_KEY);
        admin = client(server, server.adminKey);
        expect(server.stdout).toMatch(/Warehouse up to date in [\d.]+s/);
        expect((await admin.get('/health')).body).toMatchObject({ status: 'ok' });
        // The reports answer with data before anyone has typed another command.
        const sales = await admin.get('/reports/sales?groupBy=year');
        expect(sales.status, show(sales)).toBe(200);
        expect(sales.body.rows.length).toBeGreaterThan(0);
        expect((await admin.get('/me')).body).toMatchObject({ role: 'admin' });
      });

      it('creates keys for Tom (staff, North), Eva (North manager) and the executive', async () => {
        const north = (await admin.get('/teams/1')).body;
        expect(north).toMatchObject({ name: 'North', managerRepId: expect.any(Number) });
        const reps = items(await admin.get('/reps?teamId=1&limit=100'));
        const tom = reps.find((r) => r.id !== north.managerRepId);
        for (const [who, role, repId] of [
          ['staff', 'staff', tom.id],
          ['manager', 'manager', north.managerRepId],
          ['executive', 'executive', null],
        ] as const) {
          const r = await admin.post('/api-keys', { name: `journey ${who}`, role, repId });
          expect(r.status, show(r)).toBe(201);
          keys[who] = r.body.key;
        }
        staff = client(server!, keys.staff);
        manager = client(server!, keys.manager);
        executive = client(server!, keys.executive);
        expect((await staff.get('/me')).body).toMatchObject({ role: 'staff', repId: tom.id });
      });

      it('creates the analyst key with the CLI beside the running server', async () => {
        const args = ['keys', 'create', '--role', 'analyst', '--name', 'journey'];
        if (kind === 'embedded') {
          // The embedded database belongs to the server process: without a key the CLI says in
          // one line how to hand the command over, with no trace.
          const refused = await inst.cli(args);
          expect(refused.code).toBe(1);
          expect(refused.stderr.trimEnd().split('\n')).toEqual([
            expect.stringContaining(`held by "salesops start"`),
          ]);
          expect(refused.stderr).toContain(server!.url);
          expect(refused.stderr).toContain('--key <key>');
        }
        // With the admin key the embedded CLI hands the command to the server; with DATABASE_URL
        // it shares the database with the server. Either way the key works at once.
        const r = await inst.cli([...args, '--key', server!.adminKey!]);
        expect(r.code, r.stderr).toBe(0);
        keys.analyst = r.stdout.trimEnd().split('\n').at(-1)!;
        expect(keys.analyst).toMatch(API_KEY);
        analyst = client(server!, keys.analyst);
        expect((await analyst.get('/me')).body).toMatchObject({ role: 'analyst' });
      });
    });

    describe('people sign in with a browser', () => {
      /** What a browser does: send the cookie it holds, not follow redirects on its own here. */
      const browse = async (
        path: string,
        opts: { cookie?: string; form?: Record<string, string> } = {},
      ) => {
        const res = await fetch(server!.url + path, {
          method: opts.form ? 'POST' : 'GET',
          redirect: 'manual',
          headers: {
            ...(opts.cookie ? { cookie: opts.cookie } : {}),
            ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: opts.form ? new URLSearchParams(opts.form).toString() : undefined,
        });
        const set = res.headers.getSetCookie().find((c) => c.startsWith('salesops_session='));
        return {
          status: res.status,
          location: res.headers.get('location'),
          cookie: set?.split(';')[0],
          text: await res.text(),
        };
      };
      const csrfOf = (html: string) => /name="csrf-token" content="([^"]+)"/.exec(html)![1]!;

      it('the admin opens the first-start link, sets an email and password, and is home', async () => {
        const link = /^\s+(http:\/\/\S+\/login\?token=\S+)$/m.exec(server!.stdout)?.[1];
        expect(link, server!.stdout).toBeDefined();
        const path = new URL(link!).pathname + new URL(link!).search;
        const opened = await browse(path);
        expect(opened.status).toBe(303);
        expect(opened.location).toBe('/account');
        const account = await browse('/account', { cookie: opened.cookie });
        expect(account.text).toContain('Set your email and password');
        const saved = await browse('/account/password', {
          cookie: opened.cookie,
          form: {
            _csrf: csrfOf(account.text),
            email: 'admin@journey.example',
            password: 'ledger tulip morning 5',
          },
        });
        expect(saved.status, saved.text).toBe(303);
        const home = await browse('/', { cookie: saved.cookie });
        expect(home.text).toContain('admin@journey.example');
        expect(home.text).toContain('href="/api/v1/users"');
        // The link worked once.
        expect((await browse(path)).status).toBe(401);
      });

      it('the admin adds Eva (North manager) with the CLI beside the server; she sets her password and sees her team', async () => {
        const north = (await admin.get('/teams/1')).body;
        const eva = (await admin.get(`/reps/${north.managerRepId}`)).body;
        const r = await inst.cli([
          'users',
          'create',
          '--email',
          'eva@journey.example',
          '--role',
          'manager',
          '--rep',
          eva.code,
          '--key',
          server!.adminKey!,
        ]);
        expect(r.code, r.stderr).toBe(0);
        const link = new URL(r.stdout.trimEnd().split('\n').at(-1)!);
        expect(link.origin).toBe(server!.url);
        const token = link.searchParams.get('token')!;
        const page = await browse(`/set-password?token=${token}`);
        expect(page.text).toContain('Choose your password');
        const set = await browse('/set-password', {
          form: { token, password: 'eva sees the north 2' },
        });
        expect(set.status, set.text).toBe(303);
        const home = await browse('/', { cookie: set.cookie });
        expect(home.text).toContain('manager');
        expect(home.text).toContain(eva.name);
        expect(home.text).not.toContain('href="/api/v1/users"');
        // Her session reads the team's orders as her rep-linked key would, and no further.
        const mine = await fetch(`${server!.url}/api/v1/orders?limit=5`, {
          headers: { cookie: set.cookie! },
        });
        expect(mine.status).toBe(200);
        const out = await browse('/logout', {
          cookie: set.cookie,
          form: { _csrf: csrfOf(home.text) },
        });
        expect(out.location).toBe('/login');
        expect((await browse('/', { cookie: set.cookie })).location).toBe('/login?next=%2F');
      });
    });

    sellerJourneys(kind, journey);
    readerJourneys(journey);
    segmentJourneys(journey);
  });
}
