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

/** Sign `body` for `secret` at `timestamp` (unix seconds). */
export function signDelivery(
  secret: string,
  messageId: string,
  timestamp: number,
  body: string,
): SignatureHeaders {
  const mac = createHmac('sha256', signingKey(secret))
    .update(`${messageId}.${timestamp}.${body}`, 'utf8')
    .digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${mac}`,
  };
}
