/**
 * Cancel requests. Each connection is given a process id and a secret (BackendKeyData) when it
 * starts; a client that wants its running query stopped opens a second connection and sends the
 * two (CancelRequest). The query then stops as one past its time limit does (interrupt, 57014).
 * A wrong pair does nothing, and the asker is told nothing either way, as PostgreSQL does.
 */
import { randomInt } from 'node:crypto';

export class CancelRegistry {
  private nextId = 1;
  private readonly live = new Map<number, { secret: number; cancel: () => void }>();

  /** Register a connection's cancel; its id and secret for BackendKeyData, and a release. */
  register(cancel: () => void): { processId: number; secretKey: number; release: () => void } {
    const processId = this.nextId++;
    // A signed 32-bit secret, as the message carries it.
    const secretKey = randomInt(-(2 ** 31), 2 ** 31 - 1);
    this.live.set(processId, { secret: secretKey, cancel });
    return { processId, secretKey, release: () => this.live.delete(processId) };
  }

  /** A CancelRequest: stop that connection's query when the secret matches. */
  cancel(processId: number, secretKey: number): void {
    const entry = this.live.get(processId);
    if (entry && entry.secret === secretKey) entry.cancel();
  }
}
