/**
 * Python's psycopg 3 over the wire, run as a real Python program (test/support/psycopg-client.py):
 * it signs in with the key user and an API key, runs parameterised queries as psycopg does by
 * default — outside autocommit, so behind a BEGIN; a Decimal and a str sent as text, an int
 * and a date in binary — gets the DECIMAL back exact as a Decimal, and is refused a DROP with
 * 42501. Skipped, saying so, without Debian's python3-psycopg; CI=true requires it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withConnection } from './support/raw-tables.ts';
import { runPsycopgClient } from './support/psycopg.ts';
import { startWireEnv } from './support/sqlwire.ts';

const psycopg = inject('psycopgAvailable');

describe.skipIf(!psycopg)('psycopg 3 over the wire', () => {
  let w: Awaited<ReturnType<typeof startWireEnv>>;

  beforeAll(async () => {
    // One kind is enough: psycopg talks to the wire layer, which is the same over both.
    w = await startWireEnv('embedded');
    await withConnection(w.env.warehouse, (c) =>
      c.run(`CREATE SCHEMA IF NOT EXISTS marts;
        CREATE TABLE marts.py_values (id INTEGER, amount DECIMAL(18,2), day DATE);
        INSERT INTO marts.py_values VALUES
          (1, 1234567.89, '2026-03-01'), (2, 0.01, '2026-03-02'), (3, 0.10, '2026-03-03');`),
    );
  });
  afterAll(async () => {
    await w?.close();
  });

  it('runs parameterised queries, gets decimals exact, and is refused a write', async () => {
    const r = await runPsycopgClient(w.wire, w.env.keys.analyst);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows).toEqual([
      [1, '1234567.89', 'Decimal', '2026-03-01'],
      [3, '0.10', 'Decimal', '2026-03-03'],
    ]);
    expect(out.echo).toEqual(['12345678901234567890.0123456789', 'Decimal']);
    expect(out.transaction).toBe('INTRANS');
    expect(out.refused).toEqual({
      sqlstate: '42501',
      message: expect.stringMatching(/DROP writes/),
    });
    expect(out.after).toBe(3);
  });
});
