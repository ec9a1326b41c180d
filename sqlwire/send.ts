/** Writing to the client: bytes out, waiting while the socket's buffer is full. */
import type { Duplex } from 'node:stream';

export class Outbox {
  constructor(private stream: Duplex) {}

  /** Write to `stream` from now on (the TLS socket after the upgrade). */
  use(stream: Duplex): void {
    this.stream = stream;
  }

  /** Queue `bytes`; resolves at once, or once the socket has drained (or closed). */
  send = (bytes: Buffer): Promise<void> => {
    if (this.stream.destroyed) return Promise.resolve();
    if (this.stream.write(bytes)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  };

  /** Queue several messages as one write. */
  sendAll(messages: Buffer[]): Promise<void> {
    return this.send(messages.length === 1 ? messages[0]! : Buffer.concat(messages));
  }

  /** Send the last bytes and close. */
  end(bytes?: Buffer): void {
    if (!this.stream.destroyed) this.stream.end(bytes);
  }
}
