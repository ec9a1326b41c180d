/**
 * What pgjdbc (42.7, the driver DBeaver ships) and DBeaver's PostgreSQL plugin send when they
 * connect, replayed message by message without Java: the StartupMessage parameters of
 * ConnectionFactoryImpl.getParametersForStartup, runInitialQueries' `SET application_name` as a
 * simple query (SetupQueryRunner), then each of DBeaver's connect-time statements the way
 * pgjdbc sends a PreparedStatement (Parse, Bind, Describe portal, Execute, Sync; `?` as `$1`
 * with a varchar type). The texts are copied from their sources: pgjdbc
 * core/v3/ConnectionFactoryImpl.java and jdbc/PgConnection.java; DBeaver
 * ext/postgresql/model/PostgreDataSource.java, PostgreDatabase.java,
 * PostgreExecutionContext.java and PostgreUtils.java. A real JVM is not run here.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBoth } from './support/harness.ts';
import { withConnection } from './support/raw-tables.ts';
import { startWireEnv } from './support/sqlwire.ts';
import { RawWireClient, serialize, transcript } from './support/wire-raw.ts';

/** A PreparedStatement's executeQuery, as pgjdbc's extended protocol sends it the first time. */
function prepared(text: string, values: string[] = []): Buffer[] {
  return [
    serialize.parse({ text, types: values.map(() => 1043 /* varchar: setString */) }),
    serialize.bind({ values }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ];
}

describeBoth('pgjdbc and DBeaver connecting, replayed', (kind) => {
  let w: Awaited<ReturnType<typeof startWireEnv>>;
  let jdbc: RawWireClient;
  const run = async (text: string, values: string[] = []) =>
    transcript(await jdbc.talk(...prepared(text, values)));

  beforeAll(async () => {
    w = await startWireEnv(kind);
    await withConnection(w.env.warehouse, (c) => c.run('CREATE SCHEMA IF NOT EXISTS marts'));
    jdbc = await RawWireClient.connect(w.wire, 'key', w.env.keys.analyst, {
      client_encoding: 'UTF8',
      DateStyle: 'ISO',
      TimeZone: 'Europe/Berlin',
    });
  });
  afterAll(async () => {
    jdbc?.close();
    await w?.close();
  });

  it('signs in with what pgjdbc checks: UTF8, DateStyle ISO, a version past 12', () => {
    const signIn = transcript(jdbc.signIn);
    expect(signIn).toContain('status client_encoding=UTF8');
    expect(signIn).toContain('status DateStyle=ISO, MDY');
    expect(signIn).toContain('status standard_conforming_strings=on');
    expect(signIn).toContain('status integer_datetimes=on');
    expect(signIn).toContain('status server_version=15.0 (salesops, DuckDB warehouse)');
  });

  it("runs pgjdbc's initial query and isolation question", async () => {
    // runInitialQueries, with DBeaver's ApplicationName, as a simple query.
    expect(
      transcript(
        await jdbc.talk(serialize.query("SET application_name = 'DBeaver 24.2.3 - Main'")),
      ),
    ).toEqual(['status application_name=DBeaver 24.2.3 - Main', 'complete SET', 'ready I']);
    // Connection.getTransactionIsolation(), which DBeaver reads on connect.
    expect(await run('SHOW TRANSACTION ISOLATION LEVEL')).toEqual([
      'parseComplete',
      'bindComplete',
      'columns transaction_isolation',
      'row ["read committed"]',
      'complete SHOW',
      'ready I',
    ]);
    // setAutoCommit(false) then a query: pgjdbc prepends BEGIN in the same batch.
    expect(
      transcript(
        await jdbc.talk(
          serialize.parse({ text: 'BEGIN' }),
          serialize.bind({}),
          serialize.execute({}),
          ...prepared('SELECT 1 AS one').slice(0, -1),
          serialize.sync(),
        ),
      ),
    ).toEqual([
      'parseComplete',
      'bindComplete',
      'complete BEGIN',
      'parseComplete',
      'bindComplete',
      'columns one',
      'row ["1"]',
      'complete SELECT 1',
      'ready T',
    ]);
    expect(await run('COMMIT')).toEqual([
      'parseComplete',
      'bindComplete',
      'noData',
      'complete COMMIT',
      'ready I',
    ]);
  });

  it("answers DBeaver's connect-time queries", async () => {
    // PostgreDataSource.initialize
    expect(await run('SELECT version()')).toContain(
      'row ["PostgreSQL 15.0 (salesops, DuckDB warehouse)"]',
    );
    // PostgreExecutionContext.refreshDefaults
    expect(await run('SELECT current_schema(),session_user')).toEqual([
      'parseComplete',
      'bindComplete',
      'columns current_schema,session_user',
      'row [null,"key"]',
      'complete SELECT 1',
      'ready I',
    ]);
    expect(await run('SHOW search_path')).toContain('row [""]');
    // PostgreDataSource.loadAvailableDatabases (activeDatabaseName unknown)
    const database = await run('SELECT current_database()');
    expect(database).toContain('complete SELECT 1');
  });
  it('answers the catalog queries DBeaver sends on connect, as DuckDB has them or rewritten', async () => {
    // PostgreDataSource.initialize: does the catalog have pg_enum, and pg_class.reltype?
    expect(await run('SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1')).toContain(
      'complete SELECT 0',
    );
    expect(await run('SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1')).toContain(
      'complete SELECT 0',
    );
    // PostgreDatabase.readDatabaseInfo, with the database name DBeaver was given.
    const database = await run(
      'SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=$1',
      ['warehouse'],
    );
    expect(database).toContainEqual(expect.stringMatching(/^row \["\d+","\d+","warehouse"/));
    // PostgreDatabase.SchemaCache, all schemas and one by name (DBeaver's filter clause).
    const schemaList =
      'SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n\n' +
      "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass\n";
    const all = await run(`${schemaList} ORDER BY nspname`);
    expect(all[2]).toBe('columns oid,nspname,nspowner,nspacl,description');
    const names = all.filter((l) => l.startsWith('row ')).map((l) => JSON.parse(l.slice(4))[1]);
    expect(names).toEqual(expect.arrayContaining(['marts', 'pg_catalog', 'information_schema']));
    expect(names).not.toContain('meta');
    expect(names).not.toContain('main');
    const one = await run(`${schemaList}WHERE nspname=$1 ORDER BY nspname`, ['marts']);
    expect(one.filter((l) => l.startsWith('row ')).map((l) => JSON.parse(l.slice(4))[1])).toEqual([
      'marts',
    ]);
  });
});
