/**
 * Cursors (api/pagination.ts): what a list hands out reads back as the same id; anything else —
 * including what decodes to nothing or to text around digits — is refused, never read as 0.
 */
import { expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../api/pagination.ts';

it('reads back every cursor a list hands out', () => {
  for (const id of [0, 1, 42, 2 ** 31, Number.MAX_SAFE_INTEGER])
    expect(decodeCursor(encodeCursor(id))).toBe(id);
  expect(decodeCursor(undefined)).toBeUndefined();
});

it('refuses a cursor that is not one it handed out, with a 400', () => {
  const space = Buffer.from(' 1 ').toString('base64url');
  const minus = Buffer.from('-3').toString('base64url');
  const big = Buffer.from('9007199254740993').toString('base64url');
  for (const bad of ['!!', '@', space, minus, big, 'not-a-cursor']) {
    expect(() => decodeCursor(bad), bad).toThrow(expect.objectContaining({ status: 400 }));
  }
});
