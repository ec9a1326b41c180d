/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the receiver checks
 * `webhook-signature: v1,<base64 HMAC-SHA256>` over `${webhook-id}.${webhook-timestamp}.${body}`
 * with the bytes of its `whsec_…` secret, and rejects old timestamps (replays). docs/events.md
 * ("Verifying a signature") has the receiver's side; test/webhooks-delivery.test.ts runs that
 * snippet against real deliveries.
 */
import { createHmac } from 'node:crypto';
import { signingKey } from './secret.ts';

/** The three headers of a signed delivery. */
export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** `webhook-id` of an event: the same on every attempt and redelivery, so receivers can dedupe. */
export function webhookMessageId(eventId: number): string {
  return `evt_${eventId}`;
}

/**
 * Sign `body` at `timestamp` (unix seconds) with each of `secrets` — the current one, and after a
 * rotation the one before it — as a space-separated list, which receivers check for any match.
 */
export function signDelivery(
  secrets: string | readonly string[],
  messageId: string,
  timestamp: number,
  body: string,
): SignatureHeaders {
  const signatures = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => {
    const mac = createHmac('sha256', signingKey(secret))
      .update(`${messageId}.${timestamp}.${body}`, 'utf8')
      .digest('base64');
    return `v1,${mac}`;
  });
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  };
}
