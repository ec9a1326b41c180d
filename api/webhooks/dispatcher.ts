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
import { CoalescedRuns } from '../events/coalesced-runs.ts';
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
import { readInputs, type DeliveryInputs } from './event-body.ts';
import { GroupCommit } from './group-commit.ts';
import { recordSuccesses, type Answered } from './record-batch.ts';
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
  /** Deliveries in flight at once (default 32: bench/webhook-drain.ts, docs/events.md). */
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
  readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly runs = new CoalescedRuns(
    () => this.pass(),
    (err) => this.log.warn({ err }, 'a webhook dispatch pass failed; retrying'),
    () => this.closed,
  );
  /** Set by a wake-up: the next pass publishes and fans out before it picks. */
  private fanOutDue = false;
  /**
   * Set by the poll and at start: the pass publishes first. Not by the hub's wake-ups — the hub
   * has just published — where publishing again only queued behind the hub's own turn on the
   * counter's lock, for every batch of events written.
   */
  private publishDue = false;
  /** Successes are recorded together (record-batch.ts), a batch per transaction. */
  private readonly successes = new GroupCommit<Answered, void>(async (answered) => {
    await recordSuccesses(this.db, answered);
    return answered.map(() => undefined);
  });
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
    this.concurrency = options.concurrency ?? 32;
  }

  /** Begin polling, and make a first pass. */
  start(): void {
    this.tick();
    this.publishDue = true;
    void this.wake();
  }

  /**
   * Look for work now (fan out new events, pick what is due); runs never overlap, and a wake-up
   * during one runs another after it.
   */
  wake(): Promise<void> {
    this.fanOutDue = true;
    return this.run();
  }

  /**
   * Pick only: a delivery finished, so a slot is free and the next event of its entity may be
   * due. Publishing and fanning out wait for the hub's wake-up or the poll: run after every
   * delivery, they were most of the dispatcher's database work.
   */
  private refill(): Promise<void> {
    return this.run();
  }

  private run(): Promise<void> {
    return this.runs.request();
  }

  private async pass(): Promise<void> {
    if (this.publishDue) {
      this.publishDue = false;
      await publishAll(this.db);
    }
    if (this.fanOutDue) {
      this.fanOutDue = false;
      await fanOutAll(this.db);
    }
    while (!this.closed && this.inFlight.size < this.concurrency) {
      const picked = await pickDue(this.db, this.concurrency - this.inFlight.size, this.leaseMs);
      if (picked.length === 0) return;
      const inputs = await readInputs(this.db, picked);
      for (const p of picked) {
        const task: Promise<void> = this.deliver(p, inputs)
          .catch((err) => this.log.warn({ err, delivery: p.id }, 'a webhook delivery failed'))
          .finally(() => {
            this.inFlight.delete(task);
            void this.refill();
          });
        this.inFlight.add(task);
      }
    }
  }

  /** Send one picked delivery and record what came of it. */
  private async deliver(p: PickedDelivery, inputs: DeliveryInputs): Promise<void> {
    await this.options.onStep?.('picked', p.id);
    const attemptAt = new Date();
    const { result, final } = await this.attempt(p, inputs);
    await this.options.onStep?.('sent', p.id);
    if (result.ok) {
      await this.successes.add({ picked: p, attemptAt, result });
      return;
    }
    const outcome = await recordOutcome(this.db, p, attemptAt, result, this.options, final);
    if (outcome.nextAttemptAt) this.wakeAt(outcome.nextAttemptAt);
    if (outcome.disabled)
      this.log.warn({ webhook: p.webhookId }, 'a webhook kept failing and was disabled');
  }

  /** The HTTP attempt, or the reason none could be made (as a failed result). */
  private async attempt(
    p: PickedDelivery,
    inputs: DeliveryInputs,
  ): Promise<{ result: SendResult; final: boolean }> {
    const failed = (error: string, final = false) => ({
      result: { ok: false, statusCode: null, latencyMs: 0, response: null, error },
      final,
    });
    const webhook = inputs.webhooks.get(p.webhookId);
    const event = inputs.events.get(p.eventId);
    if (!webhook) return failed('the webhook no longer exists', true);
    if (!event) return failed('the event was removed by retention before it was delivered', true);
    let secrets: string[];
    try {
      const key = (this.key ??= this.options.key());
      secrets = [webhook.secret_encrypted, webhook.previous_secret_encrypted]
        .filter((s): s is string => s !== null)
        .map((s) => decryptSecret(key, s));
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
      secrets,
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
      this.publishDue = true;
      void this.wake().finally(() => this.tick());
    }, this.pollMs);
    this.poll.unref();
  }

  /** Stop: no new picks; the deliveries in flight finish (each within the timeout). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.poll);
    clearTimeout(this.retryTimer);
    await this.runs.settled();
    await Promise.all([...this.inFlight]);
  }
}

/** The request body of an event: the same bytes on every attempt. */
function bodyOf(event: EventDto): string {
  return JSON.stringify(event);
}
