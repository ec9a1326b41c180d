/**
 * The text of Server-Sent Events (WHATWG HTML §9.2): one message per event, blocks separated by
 * a blank line. Pure, so the wire format is tested without a server.
 */
import type { EventDto } from './schemas.ts';

/**
 * An event: `id` (the browser's EventSource sends it back as Last-Event-ID when it reconnects),
 * `event` (its type, for addEventListener), `data` (the event as JSON — JSON.stringify escapes
 * every newline, so it is always one data line).
 */
export function eventMessage(event: EventDto): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A comment line: clients ignore it; proxies see traffic on a quiet connection. */
export function commentMessage(text: string): string {
  return `: ${text.replace(/\n/g, ' ')}\n\n`;
}

/** Why a stream ended itself. */
export type CutoffReason = 'slow-consumer' | 'pruned' | 'signed-out' | 'shutting-down' | 'error';

/** The data of the final `cutoff` message. */
export interface Cutoff {
  reason: CutoffReason;
  /** The last event this stream sent (or the id it resumed after): where to resume. */
  lastEventId: number;
  detail: string;
}

/**
 * The final message. It has no `id:` line, so a browser keeps the last event's id and resumes
 * from exactly there.
 */
export function cutoffMessage(cutoff: Cutoff): string {
  return `event: cutoff\ndata: ${JSON.stringify(cutoff)}\n\n`;
}
