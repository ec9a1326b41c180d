/**
 * The report CSV writer on its own: formula injection neutralised in text cells (OWASP: a leading
 * ' and a quoted cell for = + - @ tab CR), numbers left as numbers by the column's type. The same
 * through the HTTP API on ingested data: reports-quota.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { csvColumns, toCsv } from '../api/reports/csv.ts';
import { inventoryRow, money, salesRow, teamRow } from '../api/reports/schemas.ts';

const SALES = csvColumns(salesRow, money);

describe('report CSV writer', () => {
  it('takes the column kinds from the row schema: money is decimal, numbers are numbers', () => {
    expect(SALES).toEqual([
      { name: 'key', kind: 'text' },
      { name: 'code', kind: 'text' },
      { name: 'label', kind: 'text' },
      { name: 'revenue', kind: 'decimal' },
      { name: 'orders', kind: 'number' },
      { name: 'units', kind: 'number' },
    ]);
    const team = Object.fromEntries(csvColumns(teamRow, money).map((c) => [c.name, c.kind]));
    expect(team).toMatchObject({
      teamName: 'text',
      quota: 'decimal', // nullable money
      attainment: 'number',
      averageDealSize: 'decimal',
    });
    const inv = Object.fromEntries(csvColumns(inventoryRow, money).map((c) => [c.name, c.kind]));
    expect(inv).toMatchObject({ sku: 'text', belowReorderPoint: 'number', onHand: 'number' });
  });

  it('neutralises every text cell that a spreadsheet would read as a formula', () => {
    const labels = [
      '=HYPERLINK("http://evil.example","click")',
      '+1+1',
      '-2+3',
      '@SUM(A1:A2)',
      '\t=1',
      '\r=1',
      '-12.50', // a product named like a number is still text
    ];
    const csv = toCsv(
      SALES,
      labels.map((label, i) => ({
        key: i,
        code: null,
        label,
        revenue: '1.00',
        orders: 1,
        units: 1,
      })),
    );
    expect(csv.split('\r\n').slice(1, -1)).toEqual([
      `0,,"'=HYPERLINK(""http://evil.example"",""click"")",1.00,1,1`,
      `1,,"'+1+1",1.00,1,1`,
      `2,,"'-2+3",1.00,1,1`,
      `3,,"'@SUM(A1:A2)",1.00,1,1`,
      `4,,"'\t=1",1.00,1,1`,
      // the CR sits inside a quoted cell, so the CRLF split leaves it in this line
      `5,,"'\r=1",1.00,1,1`,
      `6,,"'-12.50",1.00,1,1`,
    ]);
  });

  it('keeps negative money and numbers as numbers, and plain text as it was', () => {
    const csv = toCsv(SALES, [
      {
        key: 'DE',
        code: 'DE',
        label: 'Müller, "the" shop',
        revenue: '-12.50',
        orders: -1,
        units: -3,
      },
      { key: null, code: '-C1', label: 'a = b', revenue: '0.00', orders: 0, units: 0 },
    ]);
    expect(csv).toBe(
      'key,code,label,revenue,orders,units\r\n' +
        'DE,DE,"Müller, ""the"" shop",-12.50,-1,-3\r\n' +
        // a code is text like a name: one starting with - is neutralised too
        `,"'-C1",a = b,0.00,0,0\r\n`,
    );
  });

  it('treats a decimal column holding something else than a decimal as text', () => {
    const csv = toCsv(SALES, [
      { key: 1, code: 'C-1', label: 'x', revenue: '=1+1', orders: 1, units: 1 },
    ]);
    expect(csv.split('\r\n')[1]).toBe(`1,C-1,x,"'=1+1",1,1`);
  });
});
