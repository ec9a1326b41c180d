/**
 * Parsing a Server-Sent Events stream (no EventSource in Node), for the tests' stream clients
 * (sse.ts) and bench/events.ts.
 */

/** One message: its fields, or a comment line (`: heartbeat`). */
export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/**
 * Parse complete blocks from `buffer` (WHATWG HTML §9.2.6: lines `field: value`, one space after
 * the colon dropped, `:` starting a comment, a blank line ending the block); returns them and
 * the unfinished rest.
 */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const msg: SseMessage = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        msg.comment = line.slice(1).trim();
        continue;
      }
      const at = line.indexOf(':');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      if (field === 'data') msg.data = msg.data === undefined ? value : `${msg.data}\n${value}`;
      else if (field === 'id' || field === 'event') msg[field] = value;
    }
    messages.push(msg);
  }
  return { messages, rest };
}
