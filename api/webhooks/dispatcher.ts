/**
 * The webhook dispatcher: one per server process, started beside the event hub
 * (jobs/start.ts). Woken when the newest event id moves (the hub's subscribe), when a retry
 * falls due, and by a poll (other instances' retries, leases of a dispatcher that died). A pass:
 * publish, fan out new events to deliveries, then keep up to `concurrency` deliveries in
 * flight. All state is in the database (delivery-store.ts), so a crash loses nothing — a
 * delivery in flight keeps its lease until it expires and is then sent again (at least once;
 * receivers dedupe by `webhook-id`) — and instances share the work without sending one attempt
 * twice.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { publishAll } from '../events/publish.ts';
import { resolveTarget, TargetRefusedError } from './address.ts';
import {
  fanOutAll,
  pickDue,
  recordOutcome,
  type OutcomePolicy,
  type PickedDelivery,
} from './delivery-store.ts';
import type { EventDto } from '../events/schemas.ts';
import { readEventForBody } from './event-body.ts';
import { decryptSecret } from './secret.ts';
import { loadWebhookKey } from './secret-key.ts';
import { postDelivery, SEND_TIMEOUT_MS, storableText, type SendResult } from './send.ts';
import { signDelivery, webhookMessageId } from './signature.ts';

/** How the dispatcher runs; `dispatcherOptions` builds the server's from its config. */
export interface DispatcherOptions extends OutcomePolicy {
  allowPrivate: boolean;
  /** The secrets' key, asked for the first time it is needed (it may create the key file). */
  key: () => Buffer;
  /** A receiver's time to answer (default 10 s). */
  timeoutMs?: number;
  /**
   * How long a picked delivery is this dispatcher's (default: twice the timeout + 10 s, 30 s).
   * Past it, another dispatcher sends it again, so it must outlast the address lookup and the
   * request, each bounded by the timeout.
   */
  leaseMs?: number;
  /** Poll for work this often, besides the wake-ups (default 1 s). */
  pollMs?: number;
  /** Deliveries in flight at once (default 8). */
  concurrency?: number;
  /** Test hook, awaited at `picked` (leased, nothing sent) and `sent` (answered, not recorded). */
  onStep?: (step: 'picked' | 'sent', deliveryId: number) => void | Promise<void>;
}

/** The server's dispatcher options. */
export function dispatcherOptions(config: Config): DispatcherOptions {
  return {
    allowPrivate: config.webhookAllowPrivate,
    key: () => loadWebhookKey(config),
    retryBaseMs: config.webhookRetryBaseMs,
    retryWindowMs: config.webhookRetryWindowMs,
    disableFailures: config.webhookDisableFailures,
    disableAfterMs: config.webhookDisableAfterMs,
  };
}

export class WebhookDispatcher {
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private poll: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = Infinity;
  private key: Buffer | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
    this.leaseMs = options.leaseMs ?? 2 * this.timeoutMs + 10_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.concurrency = options.concurrency ?? 8;
  }

  /** Begin polling, and make a first pass. */
  start(): void {
    this.tick();
    void this.wake();
  }

  /** Look for work now; passes never overlap, and a wake-up during one runs another after it. */
  wake(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          if (!this.closed) this.log.warn({ err }, 'a webhook dispatch pass failed; retrying');
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    await publishAll(this.db);
    await fanOutAll(this.db);
    while (!this.closed && this.inFlight.size < this.concurrency) {
      const picked = await pickDue(this.db, this.concurrency - this.inFlight.size, this.leaseMs);
      if (picked.length === 0) return;
      for (const p of picked) {
        const task: Promise<void> = this.deliver(p)
          .catch((err) => this.log.warn({ err, delivery: p.id }, 'a webhook delivery failed'))
          .finally(() => {
            this.inFlight.delete(task);
            void this.wake(); // the next event of its entity may be due now
          });
        this.inFlight.add(task);
      }
    }
  }

  /** Send one picked delivery and record what came of it. */
  private async deliver(p: PickedDelivery): Promise<void> {
    await this.options.onStep?.('picked', p.id);
    const attemptAt = new Date();
    const { result, final } = await this.attempt(p);
    await this.options.onStep?.('sent', p.id);
    const outcome = await recordOutcome(this.db, p, attemptAt, result, this.options, final);
    if (outcome.nextAttemptAt) this.wakeAt(outcome.nextAttemptAt);
    if (outcome.disabled)
      this.log.warn({ webhook: p.webhookId }, 'a webhook kept failing and was disabled');
  }

  /** The HTTP attempt, or the reason none could be made (as a failed result). */
  private async attempt(p: PickedDelivery): Promise<{ result: SendResult; final: boolean }> {
    const failed = (error: string, final = false) => ({
      result: { ok: false, statusCode: null, latencyMs: 0, response: null, error },
      final,
    });
    const [webhook, event] = await Promise.all([
      this.db
        .selectFrom('webhooks')
        .select(['url', 'secret_encrypted'])
        .where('id', '=', p.webhookId)
        .executeTakeFirst(),
      readEventForBody(this.db, p.eventId),
    ]);
    if (!webhook) return failed('the webhook no longer exists', true);
    if (!event) return failed('the event was removed by retention before it was delivered', true);
    let secret: string;
    try {
      this.key ??= this.options.key();
      secret = decryptSecret(this.key, webhook.secret_encrypted);
    } catch (e) {
      return failed(storableText((e as Error).message));
    }
    let target;
    try {
      target = await resolveTarget(new URL(webhook.url), this.options.allowPrivate, this.timeoutMs);
    } catch (e) {
      if (e instanceof TargetRefusedError) return failed(`refused: ${storableText(e.message)}`);
      throw e;
    }
    const body = bodyOf(event);
    const headers = signDelivery(
      secret,
      webhookMessageId(p.eventId),
      Math.floor(Date.now() / 1000),
      body,
    );
    return {
      result: await postDelivery(target, headers, body, this.timeoutMs),
      final: false,
    };
  }

  /** Make sure a pass runs at `at` (a retry falling due), besides the poll. */
  private wakeAt(at: Date): void {
    const when = at.getTime();
    if (this.closed || when >= this.retryAt) return;
    clearTimeout(this.retryTimer);
    this.retryAt = when;
    this.retryTimer = setTimeout(
      () => {
        this.retryAt = Infinity;
        void this.wake();
      },
      Math.max(0, when - Date.now()),
    );
    this.retryTimer.unref();
  }

  private tick(): void {
    if (this.closed) return;
    this.poll = setTimeout(() => {
      void this.wake().finally(() => this.tick());
    }, this.pollMs);
    this.poll.unref();
  }

  /** Stop: no new picks; the deliveries in flight finish (each within the timeout). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.poll);
    clearTimeout(this.retryTimer);
    await this.running;
    await Promise.all([...this.inFlight]);
  }
}

/** The request body of an event: the same bytes on every attempt. */
function bodyOf(event: EventDto): string {
  return JSON.stringify(event);
}
