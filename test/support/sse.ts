/**
 * A Server-Sent Events client for tests, parsing the stream itself (no EventSource in Node):
 * `openStream` reads with fetch as fast as the data comes; `openStalledStream` takes nothing
 * until told to, as a consumer that stopped reading would.
 */
import http from 'node:http';
import { expect } from 'vitest';
import type { TestEnv } from './harness.ts';
import { observeAnswer } from './observe.ts';

export { parseSse, type SseMessage } from './sse-parse.ts';
import { parseSse, type SseMessage } from './sse-parse.ts';

/** The events (not comments) of `messages` with their data parsed. */
export function eventsOf(
  messages: readonly SseMessage[],
): { id: number; type: string; data: any }[] {
  return messages
    .filter((m) => m.event !== undefined && m.event !== 'cutoff')
    .map((m) => ({ id: Number(m.id), type: m.event!, data: JSON.parse(m.data!) }));
}

export interface StreamOptions {
  key?: string;
  headers?: Record<string, string>;
}

/** An open stream: messages so far, waiting for more, closing it. */
export interface OpenStream {
  status: number;
  headers: Headers;
  /** Every message received so far, in order. */
  messages: SseMessage[];
  /** Resolves with the first message (from the start) that `pred` accepts. */
  waitFor(
    pred: (m: SseMessage, all: SseMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<SseMessage>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Disconnect (as a client that goes away). */
  close(): void;
}

/** Open `path` (e.g. /api/v1/events/stream?after=3) with a key as a reading client. */
export async function openStream(
  env: TestEnv,
  path: string,
  opts: StreamOptions = {},
): Promise<OpenStream> {
  const abort = new AbortController();
  const url = env.baseUrl + path;
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${opts.key ?? env.keys.admin}`, ...opts.headers },
    signal: abort.signal,
  });
  await observeAnswer('GET', url, res);
  const messages: SseMessage[] = [];
  const listeners = new Set<() => void>();
  let finished = false;
  const ended = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const parsed = parseSse(buffer);
        buffer = parsed.rest;
        if (parsed.messages.length) {
          messages.push(...parsed.messages);
          for (const l of listeners) l();
        }
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    } finally {
      finished = true;
      for (const l of listeners) l();
    }
  })();
  ended.catch(() => {});
  return {
    status: res.status,
    headers: res.headers,
    messages,
    ended,
    close: () => abort.abort(),
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => pred(m, messages));
          if (found) return done(() => resolve(found));
          if (finished) return done(() => reject(new Error('the stream ended first')));
        };
        const done = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`no such message within ${timeoutMs} ms (${messages.length} seen)`)),
            ),
          timeoutMs,
        );
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * Open a stream and read nothing: Node's HTTP client stops reading the socket once its small
 * buffer is full, so the server's writes back up as behind a stuck consumer. `readAll` then
 * reads everything the server sent, to the end.
 */
export async function openStalledStream(
  env: TestEnv,
  path: string,
  opts: StreamOptions = {},
): Promise<{ status: number; readAll(): Promise<SseMessage[]>; destroy(): void }> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(env.baseUrl + path, {
      headers: { authorization: `Bearer ${opts.key ?? env.keys.admin}`, ...opts.headers },
    });
    req.on('response', resolve);
    req.on('error', reject);
  });
  res.pause();
  expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
  return {
    status: res.statusCode ?? 0,
    destroy: () => res.destroy(),
    readAll: () =>
      new Promise((resolve, reject) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(parseSse(text).messages));
        res.on('error', reject);
        res.resume();
      }),
  };
}
