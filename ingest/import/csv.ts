/**
 * Streaming CSV for the import: a reader (RFC 4180: quoted fields may hold commas, quotes and
 * newlines) that yields records with the line each starts on, and a writer for COPY (FORMAT csv).
 */
import fs from 'node:fs';

/** One record: the physical line it starts on (header = 1) and its cells ('' = empty). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Records of a UTF-8 file, streamed; a BOM is dropped. Throws on an unterminated quote. */
export async function* readCsv(path: string): AsyncGenerator<CsvRecord> {
  const stream = fs.createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let cells: string[] = [];
  let cell = '';
  let inQuotes = false;
  let afterQuote = false; // a quote seen inside quotes: closes, unless another quote follows
  let line = 1;
  let startLine = 1;
  let pending = false; // something read since the last record ended
  let first = true;
  for await (const raw of stream) {
    let text = raw as string;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let i = 0;
    const n = text.length;
    while (i < n) {
      if (inQuotes) {
        if (afterQuote) {
          afterQuote = false;
          if (text[i] === '"') {
            cell += '"';
            i++;
            continue;
          }
          inQuotes = false;
          continue; // re-read this char outside quotes
        }
        const q = text.indexOf('"', i);
        if (q === -1) {
          const chunk = text.slice(i);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          cell += chunk;
          i = n;
        } else {
          const chunk = text.slice(i, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          cell += chunk;
          afterQuote = true;
          i = q + 1;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 44 /* , */) {
        cells.push(cell);
        cell = '';
        pending = true;
        i++;
      } else if (c === 10 /* \n */ || c === 13 /* \r */) {
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        if (pending || cell !== '') {
          cells.push(cell);
          yield { line: startLine, cells };
        }
        cells = [];
        cell = '';
        pending = false;
        i++;
        line++;
        startLine = line;
      } else if (c === 34 /* " */ && cell === '') {
        inQuotes = true;
        pending = true;
        i++;
      } else {
        // Plain run up to the next delimiter.
        let j = i;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 44 || d === 10 || d === 13) break;
          j++;
        }
        cell += text.slice(i, j);
        pending = true;
        i = j;
      }
    }
  }
  if (inQuotes && !afterQuote) throw new Error(`line ${startLine}: a quoted field is never closed`);
  if (pending || cell !== '') {
    cells.push(cell);
    yield { line: startLine, cells };
  }
}

const NEEDS_QUOTES = /[",\n\r]/;

/** One COPY csv field: null → empty (NULL), text quoted when needed. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  if (value === '' || NEEDS_QUOTES.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}
