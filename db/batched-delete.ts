/**
 * The loop every age-based purge of a busy table runs (webhook deliveries, the hard-delete
 * tombstones): a bounded batch per statement or transaction, so the writers of that table never
 * wait long behind the purge, repeated until a batch comes back short. The events' outbox has its
 * own loop (api/events/retention.ts): it moves a mark before each batch and stops at the first
 * event young enough to keep.
 */

/**
 * Call `deleteBatch(batch)` until it removes fewer than `batch` rows; returns the rows removed.
 * Each call must commit on its own (one statement, or its own transaction).
 */
export async function deleteInBatches(
  batch: number,
  deleteBatch: (limit: number) => Promise<number>,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const n = await deleteBatch(batch);
    removed += n;
    if (n < batch) return removed;
  }
}
