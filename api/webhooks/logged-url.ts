/**
 * A webhook URL as everything but GET /webhooks keeps it — events, the audit log, alerts, and so
 * the warehouse: its origin, and for the rest only a short fingerprint. A webhook URL is often a
 * credential by itself (Slack, Discord and Zapier put the token in the path; others in the
 * query), and events and the audit log reach analysts through the warehouse. The fingerprint
 * (the first 8 hex digits of its SHA-256) shows that a URL changed without telling what to.
 */
import { createHash } from 'node:crypto';
import type { WebhookDto } from './schemas.ts';

/** `https://hooks.slack.com/services/T0/B0/xyz` → `https://hooks.slack.com/… (sha256 1a2b3c4d)`. */
export function loggedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `(sha256 ${fingerprint(url)})`;
  }
  const rest = url.slice(parsed.origin.length);
  if (rest === '' || rest === '/') return parsed.origin;
  return `${parsed.origin}/… (sha256 ${fingerprint(url)})`;
}

/** The webhook as events and the audit log keep it. */
export function loggedWebhook(dto: WebhookDto): WebhookDto {
  return { ...dto, url: loggedUrl(dto.url) };
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}
