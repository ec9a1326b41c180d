/**
 * GroupCommit (api/webhooks/group-commit.ts): a lone item is written at once; items added while
 * a write runs go together in the next one, each answered with its own result; a failed write
 * fails its own batch only.
 */
import { expect, it } from 'vitest';
import { GroupCommit } from '../api/webhooks/group-commit.ts';

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

it('writes a lone item at once, and the items added during a write together after it', async () => {
  const batches: number[][] = [];
  const first = gate();
  const gc = new GroupCommit<number, string>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await first.opened;
    return items.map((n) => `done ${n}`);
  });
  const a = gc.add(1);
  expect(batches).toEqual([[1]]);
  const rest = [gc.add(2), gc.add(3), gc.add(4)];
  expect(batches).toEqual([[1]]);
  first.open();
  expect(await a).toBe('done 1');
  expect(await Promise.all(rest)).toEqual(['done 2', 'done 3', 'done 4']);
  expect(batches).toEqual([[1], [2, 3, 4]]);
});

it('a failed write rejects its own batch, and the next batch is still written', async () => {
  const first = gate();
  let calls = 0;
  const gc = new GroupCommit<number, number>(async (items) => {
    if (++calls === 1) {
      await first.opened;
      throw new Error('the database went away');
    }
    return items.map((n) => n * 10);
  });
  const failed = gc.add(1);
  const later = gc.add(2);
  first.open();
  await expect(failed).rejects.toThrow('the database went away');
  expect(await later).toBe(20);
});
