/**
 * `salesops start`: migrate, load demo data on an empty database, make the first admin key,
 * open the warehouse, bring it up to date (ingest → build) so the first report has data, then
 * serve the API and run the scheduler (and, as a later issue adds them, the dashboards) until
 * SIGINT/SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './api/app.ts';
import { countKeys, createApiKey } from './api/auth/service.ts';
import { countUsers, createFirstAdmin, SIGN_IN_LINK_MINUTES } from './api/users/service.ts';
import type { AppContext } from './context.ts';
import type { Config } from './config.ts';
import { advertiseFolderUrl, releaseFolderLock } from './db/folder-lock.ts';
import { createLogger } from './logger.ts';
import { checkSchedules, startBackground, type Background } from './jobs/start.ts';
import { loadDemo, DEFAULT_DEMO_ORDERS } from './db/demo/index.ts';
import { isEmptyForDemo } from './db/demo/empty.ts';
import { demoProgressPrinter } from './db/demo/progress.ts';
import { CliError, openMigratedDb, openWarehouseOrExplain } from './runtime.ts';
import { DashboardFileError, loadDashboards } from './dashboards/catalog.ts';
import { bindDashboardQueries } from './dashboards/bind-check.ts';
import { loadReports, ReportFileError } from './dashboards/report-catalog.ts';
import { startWireServer, type WireServer } from './sqlwire/server.ts';

export interface StartOptions {
  demo: boolean;
  /** Size of the demo loaded into an empty database (default DEFAULT_DEMO_ORDERS). */
  demoOrders?: number;
  /** Where user-facing lines go (stdout); logs go through pino. */
  print: (line: string) => void;
}

/** A started server, for tests and for shutdown. */
export interface RunningServer {
  url: string;
  adminKey?: string;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(new CliError(`PORT ${port} is already in use on ${host}; set PORT to a free port.`));
      else if (e.code === 'EACCES')
        reject(new CliError(`PORT ${port} needs privileges on ${host}; use a port above 1023.`));
      else reject(e);
    });
    server.listen(port, host, () => resolve());
  });
}

export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  checkSchedules(config);
  // Before anything opens: a broken dashboard or reports file stops start-up with one line naming
  // the file and the field, rather than a server whose dashboard answers 500.
  let dashboards;
  let reports;
  try {
    dashboards = await loadDashboards();
    // The scheduled reports name dashboards and their filters: checked against them, now.
    reports = loadReports(dashboards);
  } catch (e) {
    if (e instanceof DashboardFileError || e instanceof ReportFileError)
      throw new CliError(e.message);
    throw e;
  }
  const logger = createLogger(config);
  const ops = await openMigratedDb(config, 'start');
  let warehouse;
  try {
    warehouse = await openWarehouseOrExplain(config, 'start');
  } catch (e) {
    await ops.close();
    throw e;
  }

  // The load is one transaction: a start interrupted during it leaves the database empty, so
  // this start loads the demo again rather than serving half of one.
  if (options.demo && (await isEmptyForDemo(ops.db))) {
    const orders = options.demoOrders ?? DEFAULT_DEMO_ORDERS;
    options.print(
      `Empty database: loading the demo data set (${orders} orders over two years; --no-demo skips it)…`,
    );
    const t0 = Date.now();
    let summary;
    try {
      summary = await loadDemo(ops, { orders, seed: 1, onProgress: demoProgressPrinter() });
    } catch (e) {
      warehouse.close();
      await ops.close();
      throw e;
    }
    options.print(
      `Demo loaded in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${summary.customers} customers, ${summary.products} products, ` +
        `${summary.orders} orders, ${summary.orderLines} order lines (${summary.from} … ${summary.to}).`,
    );
  }

  let adminKey: string | undefined;
  if ((await countKeys(ops.db)) === 0) {
    adminKey = (await createApiKey(ops.db, { name: 'first admin', role: 'admin' })).key;
    // Shown as soon as it exists: a start stopped later (during the refresh, or on a port in
    // use) must not leave a key nobody ever saw. It also comes before the URL lines, so whoever
    // waits for the URL (a person, a script, the CLI test) has it already.
    options.print(
      'First start: an admin API key was created. Store it now, it is not shown again:',
    );
    options.print(`  ${adminKey}`);
  }
  // The person at the console signs in with a one-time link (printed with the URL, which is
  // known once the server listens) and sets an email and password there.
  let signInPath: string | undefined;
  if ((await countUsers(ops.db)) === 0)
    signInPath = (await createFirstAdmin(ops.db, new Date())).path;

  const base: AppContext = { config, ops, warehouse, logger, dashboards, reports };
  let background: Background | undefined;
  let wire: WireServer | undefined;
  const server = http.createServer();
  try {
    background = await startBackground(base);
    // The first cycle runs before the URL is printed, so the first report a new user opens has
    // data. A server that runs no scheduler serves no reports, and an empty database has none.
    if (config.scheduler && !(await isEmptyForDemo(ops.db))) {
      await firstRefresh(background, options.print);
    }
    // On the marts as the refresh left them: a column a dashboard file misspells is said now,
    // in the loader's words, not first to whoever opens the panel. Unlike a file the loader
    // refuses it does not stop the start: whether a query binds depends on the marts, which the
    // next build may change, and one panel answering 422 should not take the API down.
    for (const problem of await bindDashboardQueries(dashboards, warehouse))
      options.print(`${problem} (its panel answers 422 until the file is fixed)`);
    server.on('request', createApp(background.ctx));
    await listen(server, config.port, config.host);
    // The PostgreSQL wire door (SALESOPS_SQL_PORT), beside the HTTP server: same warehouse.
    wire = await startWireServer(background.ctx);
    await background.startSchedules();
  } catch (e) {
    await wire?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await background?.close();
    warehouse.close();
    await ops.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  // The warehouse holds the data folder in both modes: advertise the URL so CLI commands run
  // meanwhile (doctor, ingest, keys) can point at or hand work to this server.
  advertiseFolderUrl(config.dataDir, url);

  if (signInPath) {
    options.print(
      `First start: open this link within ${SIGN_IN_LINK_MINUTES} minutes to sign in as the first admin ` +
        'and set your email and password (it works once):',
    );
    options.print(`  ${config.publicUrl ?? url}${signInPath}`);
  }
  options.print(`salesops is running at ${url} (${ops.description}; warehouse ${warehouse.path})`);
  options.print(
    `  API:      ${url}/api/v1  ·  OpenAPI: ${url}/api/v1/openapi.json  ·  health: ${url}/health`,
  );
  options.print(`  Sign in:  ${url}/login`);
  if (wire)
    options.print(
      `  SQL:      psql -h ${wire.host} -p ${wire.port} -U key  (password: an analyst or admin API key; or -U <email> and your password)`,
    );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Jobs first: their abort stops an ingest or build within seconds, leaving the warehouse
      // as its last commit did; requests in flight finish meanwhile.
      await background!.close();
      await wire?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      warehouse.close();
      await ops.close();
      releaseFolderLock(config.dataDir);
    })());
  return { url, adminKey, close };
}

/** The start's ingest → build → segment, with the same progress lines a manual run prints. */
async function firstRefresh(background: Background, print: (line: string) => void): Promise<void> {
  print('Bringing the warehouse up to date (ingest → build → segment)…');
  const t0 = Date.now();
  background.runtime.setSay(print);
  try {
    const { ingest, build, segment } = await background.runtime.refresh('start');
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    const failed = [ingest, build, segment].find((r) => r && r.status === 'failed');
    if (failed) {
      print(
        `Warehouse refresh failed in ${secs}s (${failed.job}: ${failed.error}); reports may be ` +
          'missing until a later cycle succeeds (see salesops jobs history).',
      );
    } else {
      const models =
        build?.status === 'succeeded' ? `, ${build.modelsBuilt ?? 0} models built` : '';
      print(`Warehouse up to date in ${secs}s${models}.`);
    }
  } finally {
    background.runtime.setSay(() => {});
  }
}
