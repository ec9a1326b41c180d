/**
 * A webhook's secret never reaches the warehouse, on both databases: after a webhook is created
 * and its secret rotated, an ingest copies `webhooks` without `secret_encrypted` and the previous
 * secret's two columns (the deny-list's /secret/ pattern, recorded in the run's state), and
 * neither secret's text — nor its encrypted form — appears in any column of any raw table: not in the webhook rows, the audit log, the
 * events' payloads or anywhere else.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runIngest } from '../ingest/run.ts';
import { describeBoth, startTestEnv, type TestEnv } from './support/harness.ts';
import { duckRows } from './ingest-support.ts';

/** A URL that is a credential by itself, as Slack's are: the token is in the path (and query). */
const HOOK_URL = 'https://93.184.215.14/services/T0001/B0001/pathToken123?sig=queryToken456';

describeBoth('webhook secrets and the warehouse', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv(kind);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('an ingest copies webhooks without the secret, and its text is nowhere in the warehouse', async () => {
    const created = await env.request('POST', '/api/v1/webhooks', {
      body: { url: HOOK_URL, eventTypes: ['order.*'], description: 'ERP' },
    });
    expect(created.status, created.text).toBe(201);
    const rotated = await env.request('POST', `/api/v1/webhooks/${created.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const stored = await env.ops.db
      .selectFrom('webhooks')
      .select(['secret_encrypted', 'previous_secret_encrypted'])
      .executeTakeFirstOrThrow();
    // The base64 part of each secret, and the stored ciphertext: none may be in the warehouse.
    const needles = [
      created.body.secret.slice('whsec_'.length),
      rotated.body.secret.slice('whsec_'.length),
      stored.secret_encrypted.slice('v1.'.length, 40),
      // The rotation keeps the first secret signing for a day, encrypted beside the new one.
      stored.previous_secret_encrypted!.slice('v1.'.length, 40),
      // The URL's token, in its path and in its query (events and the audit log keep only the
      // origin and a fingerprint; the column is left out).
      'pathToken123',
      'queryToken456',
    ];

    await runIngest(env.ops, env.warehouse, {
      tempDir: env.config.ingestTempDir,
      safetyLagMs: 0,
    });

    const columns = await duckRows(
      env.warehouse,
      `SELECT table_name, column_name, data_type FROM duckdb_columns()
       WHERE schema_name = 'raw' ORDER BY table_name, column_index`,
    );
    const webhookColumns = columns
      .filter((c) => c.table_name === 'webhooks')
      .map((c) => c.column_name);
    expect(webhookColumns).not.toContain('url');
    expect(webhookColumns).toContain('event_types');
    expect(webhookColumns.filter((c) => /secret/i.test(String(c)))).toEqual([]);
    const [state] = await duckRows(
      env.warehouse,
      `SELECT excluded_columns FROM raw._ingest_state WHERE table_name = 'webhooks'`,
    );
    expect(state!.excluded_columns).toEqual([
      'url',
      'secret_encrypted',
      'previous_secret_encrypted',
      'previous_secret_expires_at',
    ]);
    const [copied] = await duckRows(env.warehouse, 'SELECT description FROM raw.webhooks');
    expect(copied).toEqual({ description: 'ERP' });
    const events = await duckRows(
      env.warehouse,
      `SELECT type FROM raw.events WHERE entity_type = 'webhook' ORDER BY id`,
    );
    expect(events.map((e) => e.type)).toEqual(['webhook.created', 'webhook.secret_rotated']);

    // Every column of every raw table, as text (VARCHAR, JSON, lists and all), searched.
    const tables = [...new Set(columns.map((c) => String(c.table_name)))];
    expect(tables).toEqual(expect.arrayContaining(['webhooks', 'events', 'audit_log']));
    const hits: string[] = [];
    for (const table of tables) {
      const cols = columns.filter((c) => c.table_name === table);
      for (const needle of needles) {
        const where = cols
          .map((c) => `strpos(CAST("${c.column_name}" AS VARCHAR), '${needle}') > 0`)
          .join(' OR ');
        const [n] = await duckRows(
          env.warehouse,
          `SELECT count(*)::INTEGER AS n FROM raw."${table}" WHERE ${where}`,
        );
        if (Number(n!.n) > 0) hits.push(`${table} holds ${needle.slice(0, 6)}…`);
      }
    }
    expect(hits).toEqual([]);
    // The search finds what is there: the URL's origin and fingerprint are in the events.
    const [found] = await duckRows(
      env.warehouse,
      `SELECT count(*)::INTEGER AS n FROM raw.events
       WHERE strpos(CAST(payload AS VARCHAR), 'https://93.184.215.14/… (sha256 ') > 0`,
    );
    expect(found!.n).toBe(2);
  });
});
