/**
 * `salesops import DIR`: historical CSV files → operational tables, in one transaction.
 *
 * 1. Each file is read as a stream, every cell checked in Node (types, required, repeats of the
 *    key) and the good rows COPYed into an UNLOGGED staging table — COPY runs before the
 *    transaction, because on PGlite it goes through /dev/blob in-process and must not overlap an
 *    open socket transaction (on PostgreSQL it streams through pg-copy-streams).
 * 2. One transaction then checks references in SQL (unknown customer, team, sku…) and upserts
 *    file by file in dependency order. Any bad row rolls everything back unless --skip-bad-rows,
 *    which leaves bad rows out and imports the rest.
 * 3. Staging tables are dropped whatever happened.
 *
 * The rows go in by the thousand without passing the API, so they get no event each: the
 * transaction records one `import.completed` with the counts per file (docs/events.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { recordEvents } from '../../api/events/outbox.ts';
import { advanceOrderNumbers } from '../../db/order-numbers.ts';
import type { OperationalDb } from '../../db/operational.ts';
import { csvField, readCsv } from './csv.ts';
import {
  dropLines,
  referenceProblems,
  upsertFile,
  type PhaseTimer,
  type UpsertCounts,
} from './load.ts';
import { FILES, type FileSpec } from './files.ts';
import { checkCell, sqlType } from './specs.ts';

/** A row that was not imported, and why. */
export interface BadRow {
  file: string;
  line: number;
  reason: string;
}

/** What happened to one file. */
export interface FileReport extends UpsertCounts {
  file: string;
  rows: number;
  bad: number;
}

/** The outcome of a run: committed is false when bad rows stopped it. */
export interface ImportReport {
  files: FileReport[];
  badRows: BadRow[];
  committed: boolean;
  seconds: number;
}

/** Raised for problems with the run as a whole (no such folder, no files, broken CSV). */
export class ImportError extends Error {
  override name = 'ImportError';
}

class BadRowsFound extends Error {}

const ROWS_PER_CHUNK = 5_000;

/** Import the known CSV files found in `dir`. */
export async function importDirectory(
  ops: OperationalDb,
  dir: string,
  opts: {
    skipBadRows?: boolean;
    progress?: (line: string) => void;
    /** Told how long each step took (ms), e.g. 'orders: upsert'; the bench prints them. */
    onPhase?: (phase: string, ms: number) => void;
  } = {},
): Promise<ImportReport> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const onPhase = opts.onPhase ?? (() => {});
  const time: PhaseTimer = async (phase, run) => {
    const t = performance.now();
    try {
      return await run();
    } finally {
      onPhase(phase, performance.now() - t);
    }
  };
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new ImportError(`${dir} is not a folder`);
  const present = FILES.filter((f) => fs.existsSync(path.join(dir, f.file)));
  if (present.length === 0)
    throw new ImportError(
      `no importable files in ${dir} (expected ${FILES.map((f) => f.file).join(', ')})`,
    );

  const run = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const staged: { spec: FileSpec; stage: string; report: FileReport }[] = [];
  const badRows: BadRow[] = [];
  try {
    for (const spec of present) {
      const stage = `import_${run}_${spec.name}`;
      const report = await stageFile(
        ops,
        path.join(dir, spec.file),
        spec,
        stage,
        badRows,
        progress,
        onPhase,
      );
      if (report) staged.push({ spec, stage, report });
    }
    progress(`loading ${staged.length} file(s) in one transaction…`);
    const linesStage = staged.find((s) => s.spec.name === 'order_lines')?.stage;
    let committed = true;
    let commitStarted = 0;
    try {
      await ops.db.transaction().execute(async (trx) => {
        // Numbering a million lines (a window sort) and summing 200k orders' totals spill to
        // disk with the default 4 MB; this is one session's, for this transaction only.
        await sql`SET LOCAL work_mem = '128MB'`.execute(trx);
        for (const { spec, stage, report } of staged) {
          const problems = await referenceProblems(trx, spec, stage, time);
          for (const [line, reason] of problems) badRows.push({ file: spec.file, line, reason });
          report.bad += problems.size;
          await dropLines(trx, stage, [...problems.keys()]);
          Object.assign(report, await upsertFile(trx, spec, stage, time, linesStage));
          progress(
            `${spec.file}: ${report.inserted} inserted, ${report.updated} updated, ${report.bad} bad (${secondsSince(started)} s)`,
          );
        }
        if (badRows.length > 0 && !opts.skipBadRows) throw new BadRowsFound();
        // Imported numbers may match the API's SO-000123 pattern: move its sequence past them
        // in this transaction, or the next order created through the API collides.
        if (staged.some((s) => s.spec.name === 'orders'))
          await time('orders: number sequence', () => advanceOrderNumbers(trx));
        await recordEvents(trx, [importCompleted(run, staged, badRows.length)]);
        commitStarted = performance.now();
      });
      onPhase('commit', performance.now() - commitStarted);
    } catch (e) {
      if (!(e instanceof BadRowsFound)) throw e;
      committed = false;
    }
    badRows.sort(
      (a, b) =>
        FILES.findIndex((f) => f.file === a.file) - FILES.findIndex((f) => f.file === b.file) ||
        a.line - b.line,
    );
    return {
      files: staged.map((s) => (committed ? s.report : { ...s.report, inserted: 0, updated: 0 })),
      badRows,
      committed,
      seconds: Number(secondsSince(started)),
    };
  } finally {
    for (const { stage } of staged)
      await sql`DROP TABLE IF EXISTS ${sql.table(stage)}`.execute(ops.db);
  }
}

/** The one event of a committed import: what each file brought (no rows, no principal). */
function importCompleted(run: string, staged: { report: FileReport }[], badRows: number) {
  return {
    type: 'import.completed',
    entity: { type: 'import', id: run },
    payload: {
      files: staged.map(({ report: r }) => ({
        file: r.file,
        rows: r.rows,
        inserted: r.inserted,
        updated: r.updated,
        bad: r.bad,
      })),
      badRowsSkipped: badRows,
    },
  };
}

function secondsSince(t: number): string {
  return ((Date.now() - t) / 1000).toFixed(1);
}

/** Check and COPY one file into `stage`; undefined when the header itself is unusable. */
async function stageFile(
  ops: OperationalDb,
  file: string,
  spec: FileSpec,
  stage: string,
  badRows: BadRow[],
  progress: (line: string) => void,
  onPhase: (phase: string, ms: number) => void,
): Promise<FileReport | undefined> {
  const stagingStarted = performance.now();
  const records = readCsv(file);
  const header = await records.next();
  const names = header.done ? [] : header.value.cells.map((c: string) => c.trim());
  const missing = spec.columns.filter((c) => !names.includes(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    badRows.push({ file: spec.file, line: 1, reason: `missing column(s): ${missing.join(', ')}` });
    return undefined;
  }
  const extra = names.filter((n) => !spec.columns.some((c) => c.name === n));
  if (extra.length) progress(`${spec.file}: ignoring column(s) ${extra.join(', ')}`);
  const index = spec.columns.map((c) => names.indexOf(c.name));
  const keyIndex = spec.key.map((k) => spec.columns.findIndex((c) => c.name === k));

  await sql`DROP TABLE IF EXISTS ${sql.table(stage)}`.execute(ops.db);
  await sql`CREATE UNLOGGED TABLE ${sql.table(stage)} (line integer NOT NULL, ${sql.join(
    spec.columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(sqlType(c.type))}`),
  )})`.execute(ops.db);

  const report: FileReport = { file: spec.file, rows: 0, bad: 0, inserted: 0, updated: 0 };
  const seen = new Map<string, number>();
  let checkMs = 0; // Node time reading and checking, apart from the COPY it feeds
  async function* chunks(): AsyncGenerator<string> {
    let out: string[] = [];
    let t = performance.now();
    try {
      for await (const rec of records) {
        report.rows++;
        if (report.rows % 100_000 === 0)
          progress(`${spec.file}: ${report.rows.toLocaleString('en')} rows read`);
        const reason = checkRow(
          rec.cells,
          names.length,
          index,
          spec,
          keyIndex,
          seen,
          rec.line,
          out,
        );
        if (reason) {
          report.bad++;
          badRows.push({ file: spec.file, line: rec.line, reason });
        }
        if (out.length >= ROWS_PER_CHUNK) {
          const text = out.join('');
          out = [];
          checkMs += performance.now() - t;
          yield text;
          t = performance.now();
        }
      }
    } catch (e) {
      throw new ImportError(`${spec.file}: ${(e as Error).message}`);
    }
    const text = out.join('');
    checkMs += performance.now() - t;
    if (text) yield text;
  }
  await ops.copyFromCsv(stage, ['line', ...spec.columns.map((c) => c.name)], chunks());
  const copied = performance.now();
  onPhase(`${spec.name}: read+check CSV in Node`, checkMs);
  onPhase(`${spec.name}: COPY into staging (wall minus Node)`, copied - stagingStarted - checkMs);
  await sql`ANALYZE ${sql.table(stage)}`.execute(ops.db); // fresh statistics for the join plans
  onPhase(`${spec.name}: ANALYZE staging`, performance.now() - copied);
  progress(
    `${spec.file}: ${report.rows.toLocaleString('en')} rows checked and staged, ${report.bad} bad`,
  );
  return report;
}

/** Check one record; pushes its COPY line to `out` and returns null, or returns the reason. */
function checkRow(
  cells: string[],
  width: number,
  index: number[],
  spec: FileSpec,
  keyIndex: number[],
  seen: Map<string, number>,
  line: number,
  out: string[],
): string | null {
  if (cells.length !== width) return `expected ${width} cells, found ${cells.length}`;
  const values: (string | null)[] = [];
  for (let i = 0; i < spec.columns.length; i++) {
    const col = spec.columns[i]!;
    const raw = cells[index[i]!]!.trim();
    if (raw === '') {
      if (col.required) return `${col.name} is required`;
      values.push(null);
      continue;
    }
    const r = checkCell(col.type, raw);
    if ('error' in r) return `${col.name}: ${r.error}`;
    values.push(r.ok);
  }
  if (keyIndex.length > 0) {
    const key = keyIndex.map((k) => values[k]).join('\u0000');
    const first = seen.get(key);
    if (first !== undefined) return `${spec.key.join('+')} ${key} repeats line ${first}`;
    seen.set(key, line);
  }
  out.push(`${line},${values.map(csvField).join(',')}\n`);
  return null;
}
