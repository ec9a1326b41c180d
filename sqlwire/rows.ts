/**
 * A result on its way to the client: its RowDescription, then DataRow messages written straight
 * into one growing buffer and handed to the socket a megabyte at a time, waiting when the socket
 * says its buffer is full — a million rows are not a million socket writes, nor held twice.
 * A cursor remembers how far it got, for an Execute that asks for some rows at a time.
 */
import type { JsonCell } from '../api/sql/cells.ts';
import { valueJsonColumn, vectorJsonColumn } from '../api/sql/json-columns.ts';
import type { SqlResult } from '../api/sql/service.ts';
import type { ColumnDescription } from './backend.ts';
import { cellStyle, cellText, describeColumn, type CellStyle } from './types.ts';

/** Where bytes go: resolves once the socket can take more. */
export type Send = (bytes: Buffer) => Promise<void>;

const FLUSH_BYTES = 1 << 20;

/** A result's rows, read out in order. */
export class ResultCursor {
  readonly columns: ColumnDescription[];
  private readonly cells: JsonCell[][];
  private readonly styles: CellStyle[];
  private next = 0;

  constructor(readonly result: SqlResult) {
    this.columns = result.columns.map((c) => describeColumn(c.name, c.duckType));
    this.styles = this.columns.map((c) => cellStyle(c.typeOid));
    this.cells = result.columns.map(
      (_, i) => vectorJsonColumn(result, i) ?? valueJsonColumn(result, i),
    );
  }

  get done(): boolean {
    return this.next >= this.result.rowCount;
  }

  /** Send up to `max` rows (0: all that are left) as DataRow messages; how many went. */
  async sendRows(send: Send, max: number): Promise<number> {
    const end = max > 0 ? Math.min(this.result.rowCount, this.next + max) : this.result.rowCount;
    const width = this.columns.length;
    let buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
    let at = 0;
    const ensure = (n: number) => {
      if (at + n <= buf.length) return;
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + n));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    };
    const texts = new Array<string | null>(width);
    const start = this.next;
    for (let r = start; r < end; r++) {
      let size = 4 + 2;
      for (let c = 0; c < width; c++) {
        const text = cellText(this.cells[c]![r]!, this.styles[c]!);
        texts[c] = text;
        size += 4 + (text === null ? 0 : Buffer.byteLength(text));
      }
      ensure(size + 1);
      buf[at] = 0x44; // 'D'
      buf.writeInt32BE(size, at + 1);
      buf.writeInt16BE(width, at + 5);
      at += 7;
      for (let c = 0; c < width; c++) {
        const text = texts[c]!;
        if (text === null) {
          buf.writeInt32BE(-1, at);
          at += 4;
        } else {
          const n = buf.write(text, at + 4, 'utf8');
          buf.writeInt32BE(n, at);
          at += 4 + n;
        }
      }
      if (at >= FLUSH_BYTES) {
        await send(buf.subarray(0, at));
        buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
        at = 0;
      }
    }
    if (at) await send(buf.subarray(0, at));
    this.next = end;
    return end - start;
  }
}
