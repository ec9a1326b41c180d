/**
 * A webhook dispatcher in a process of its own, for the crash tests: it runs until killed, and
 * with `killAt` SIGKILLs itself when its first delivery reaches that step ('picked': leased,
 * nothing sent; 'sent': the receiver answered, nothing recorded) — nothing in the process gets
 * to clean up, as after a power cut or the OOM killer. Started by spawnDispatcherChild; the single
 * argument is a JSON DispatcherChildRequest. Prints "started" once dispatching.
 */
import { pino } from 'pino';
import { loadConfig } from '../../config.ts';
import { WebhookDispatcher } from '../../api/webhooks/dispatcher.ts';
import { loadWebhookKey } from '../../api/webhooks/secret-key.ts';
import { openPostgres } from '../../db/postgres.ts';

/** What the child is asked to do. */
export interface DispatcherChildRequest {
  pgUrl: string;
  /** The data folder whose webhook.key the secrets were encrypted under. */
  dataDir: string;
  timeoutMs: number;
  leaseMs: number;
  concurrency?: number;
  killAt?: 'picked' | 'sent';
}

const request = JSON.parse(process.argv[2] ?? '{}') as DispatcherChildRequest;
const config = loadConfig({ SALESOPS_DATA_DIR: request.dataDir, LOG_LEVEL: 'silent' });
const ops = await openPostgres(request.pgUrl, { max: 4 });
const dispatcher = new WebhookDispatcher(ops.db, pino({ level: 'silent' }), {
  allowPrivate: true,
  key: () => loadWebhookKey(config),
  retryBaseMs: 20,
  retryWindowMs: 60_000,
  disableFailures: 1_000,
  disableAfterMs: 0,
  timeoutMs: request.timeoutMs,
  leaseMs: request.leaseMs,
  concurrency: request.concurrency,
  pollMs: 25,
  onStep: (step) => {
    if (step === request.killAt) process.kill(process.pid, 'SIGKILL');
  },
});
dispatcher.start();
process.stdout.write('started\n');
