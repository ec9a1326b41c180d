/**
 * CsvChunkWriter: files cut at row ends only, whatever the slicing, and a longest-row bound that
 * is never below the real longest row (the loader sizes read_csv's max_line_size from it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CsvChunkWriter, type ChunkFile } from './csv-chunks.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** CSV rows as PostgreSQL writes them: quoted when holding a quote, comma or newline. */
function csvRow(fields: string[]): string {
  return fields.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',') + '\n';
}

/** Feed `csv` in slices of `slice` bytes; returns the files written. */
function writeAll(csv: Buffer, target: number, slice: number): ChunkFile[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-chunks-'));
  dirs.push(dir);
  const files: ChunkFile[] = [];
  const writer = new CsvChunkWriter(dir, 't', target, (f) => files.push(f));
  for (let i = 0; i < csv.length; i += slice) writer.write(csv.subarray(i, i + slice));
  writer.finish();
  return files;
}

describe('CsvChunkWriter', () => {
  const rows = [
    ...Array.from({ length: 300 }, (_, i) => csvRow([String(i), `name ${i}`, '12.50'])),
    csvRow(['301', `a long "quoted" note,\nwith newlines\n${'x'.repeat(5000)}\nend`, '1']),
    ...Array.from({ length: 300 }, (_, i) => csvRow([String(400 + i), 'plain', '0'])),
    csvRow(['999', `{"k": "${'y'.repeat(3000)}"}`, '2']),
  ];
  const csv = Buffer.from(rows.join(''));
  const longest = Math.max(...rows.map((r) => Buffer.byteLength(r)));

  for (const slice of [1, 7, 64, 1000, 65536]) {
    it(`cuts at row ends and bounds the longest row (slices of ${slice} bytes)`, () => {
      const files = writeAll(csv, 2048, slice);
      expect(files.length).toBeGreaterThan(3);
      const contents = files.map((f) => fs.readFileSync(f.file));
      expect(Buffer.concat(contents).equals(csv)).toBe(true);
      let wholeRows = 0;
      for (const [i, content] of contents.entries()) {
        const text = content.toString();
        // Every file holds whole rows: it is a concatenation of consecutive input rows.
        let at = 0;
        while (at < text.length) {
          const row = rows[wholeRows++]!;
          expect(text.startsWith(row, at)).toBe(true);
          at += row.length;
        }
        const realLongest = Math.max(
          ...rows.filter((r) => text.includes(r)).map((r) => Buffer.byteLength(r)),
        );
        expect(files[i]!.longestRow).toBeGreaterThanOrEqual(realLongest);
        expect(files[i]!.longestRow).toBeLessThanOrEqual(content.length);
      }
      expect(wholeRows).toBe(rows.length);
      expect(Math.max(...files.map((f) => f.longestRow))).toBeGreaterThanOrEqual(longest);
      // Cut only once full: every file but the last reached the target (no one-row files).
      for (const f of files.slice(0, -1)) expect(f.bytes).toBeGreaterThanOrEqual(2048);
      expect(files.map((f) => f.bytes)).toEqual(contents.map((c) => c.length));
    });
  }

  it('keeps the bound tight for fields with many quoted newlines', () => {
    const noisy = Array.from({ length: 2000 }, (_, i) =>
      csvRow([String(i), Array.from({ length: 30 }, (_, k) => `l${k}`).join('\n'), 'x']),
    );
    const csv = Buffer.from(noisy.join(''));
    const [file] = writeAll(csv, 1 << 24, 4096);
    const longestReal = Math.max(...noisy.map((r) => Buffer.byteLength(r)));
    expect(file!.longestRow).toBeGreaterThanOrEqual(longestReal);
    // Within two slices plus a row, not the whole file.
    expect(file!.longestRow).toBeLessThanOrEqual(2 * 4096 + longestReal);
  });

  it('keeps the bound near the real rows when slices are large and rows short', () => {
    const short = Buffer.from(rows.slice(0, 300).join(''));
    const [file] = writeAll(short, 1 << 20, 65536);
    // One slice: the bound is the span to the slice's last row end, i.e. the file.
    expect(file!.longestRow).toBeLessThanOrEqual(short.length);
    const sliced = writeAll(short, 1 << 20, 100);
    expect(sliced[0]!.longestRow).toBeLessThanOrEqual(200);
  });
});
