/**
 * A webhook receiver for the benchmarks: answers 204 and tells the parent when each event
 * arrived. It runs in a worker thread, as a real one runs elsewhere: in the app's thread its
 * answers waited behind the app's own work, and the dispatcher's throughput measured that.
 */
import { Worker } from 'node:worker_threads';

const CODE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const event = JSON.parse(body);
    parentPort.postMessage({ at: Date.now(), id: event.id, occurredAt: event.occurredAt });
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/** One arrival: when, which event, and when the event happened. */
export interface Arrival {
  at: number;
  id: number;
  occurredAt: string;
}

export interface ReceiverWorker {
  url: string;
  terminate(): Promise<number>;
}

/** Start a receiver; `onArrival` is called for every request it answered. */
export async function startReceiverWorker(
  onArrival: (a: Arrival) => void,
): Promise<ReceiverWorker> {
  const worker = new Worker(CODE, { eval: true });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  worker.on('message', onArrival);
  return { url: `http://127.0.0.1:${port}/hook`, terminate: () => worker.terminate() };
}
