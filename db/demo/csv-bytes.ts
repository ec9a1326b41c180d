/**
 * CSV writer for the big tables (orders, lines, movements, events), writing ASCII bytes straight
 * into a reused buffer. Building rows as template strings allocated ~10 strings per row and
 * garbage collection took over a third of the run; this writer allocates one string per ~1 MB
 * chunk. Only ASCII may be written (the big tables hold codes, numbers and timestamps).
 */
import { SECONDS_PER_DAY } from './calendar.ts';
import { isoDate } from './csv.ts';

/** Chunk size handed to COPY. */
const CHUNK_BYTES = 1 << 20;
/** Longest row we write, so a row started below CHUNK_BYTES always fits. */
const MAX_ROW_BYTES = 4096;

const COMMA = 44;
const DOT = 46;
const DIGIT0 = 48;

export class CsvBytes {
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES + MAX_ROW_BYTES);
  private pos = 0;
  private chunks: string[] = [];
  /** Bytes in `chunks`. */
  private flushed = 0;
  private readonly dayBytes = new Map<number, Uint8Array>();

  /** An ASCII string as is (the caller guarantees no comma, quote or newline needs quoting). */
  ascii(s: string): this {
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch > 127) throw new Error(`CsvBytes takes ASCII only: ${JSON.stringify(s)}`);
      buf[this.pos++] = ch;
    }
    return this;
  }

  /** A field separator. */
  c(): this {
    this.buf[this.pos++] = COMMA;
    return this;
  }

  /** End of row; hands a chunk out once the buffer is full. */
  nl(): this {
    this.buf[this.pos++] = 10;
    if (this.pos >= CHUNK_BYTES) this.flush();
    return this;
  }

  /** A safe integer, optionally zero-padded to `width` digits. */
  int(n: number, width = 1): this {
    const buf = this.buf;
    if (n < 0) {
      buf[this.pos++] = 45;
      n = -n;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    if (digits < width) digits = width;
    let p = this.pos + digits;
    this.pos = p;
    do {
      buf[--p] = DIGIT0 + (n % 10);
      n = Math.floor(n / 10);
    } while (p > this.pos - digits);
    return this;
  }

  /** Integer cents → 1234.56. */
  cents(n: number): this {
    if (n < 0) {
      this.buf[this.pos++] = 45;
      n = -n;
    }
    const whole = Math.floor(n / 100);
    this.int(whole);
    this.buf[this.pos++] = DOT;
    return this.int(n - whole * 100, 2);
  }

  /** Integer ten-thousandths → 12.3456. */
  tenK(n: number): this {
    if (n < 0) {
      this.buf[this.pos++] = 45;
      n = -n;
    }
    const whole = Math.floor(n / 10_000);
    this.int(whole);
    this.buf[this.pos++] = DOT;
    return this.int(n - whole * 10_000, 4);
  }

  /** Epoch seconds → 2025-01-02T10:11:12Z. */
  ts(sec: number): this {
    const day = Math.floor(sec / SECONDS_PER_DAY);
    let date = this.dayBytes.get(day);
    if (date === undefined) {
      date = Buffer.from(isoDate(day), 'latin1');
      this.dayBytes.set(day, date);
    }
    this.buf.set(date, this.pos);
    this.pos += date.length;
    const s = sec - day * SECONDS_PER_DAY;
    this.buf[this.pos++] = 84; // T
    this.int(Math.floor(s / 3600), 2);
    this.buf[this.pos++] = 58;
    this.int(Math.floor((s % 3600) / 60), 2);
    this.buf[this.pos++] = 58;
    this.int(s % 60, 2);
    this.buf[this.pos++] = 90; // Z
    return this;
  }

  /** A timestamp, or NULL (empty field) for a negative "never happened" marker. */
  optTs(sec: number): this {
    return sec < 0 ? this : this.ts(sec);
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.toString('latin1', 0, this.pos));
    this.flushed += this.pos;
    this.pos = 0;
  }

  /** Bytes written so far, including the unflushed tail. */
  get bytes(): number {
    return this.flushed + this.pos;
  }

  /** Everything written since the last call, as CSV chunks (possibly none). */
  take(): string[] {
    this.flush();
    const chunks = this.chunks;
    this.chunks = [];
    this.flushed = 0;
    return chunks;
  }
}
