/** Sending a page: every page answer goes out through here. */
import type { Response } from 'express';

/** A whole HTML page. Pages show who is signed in and may carry a one-time token: never cached. */
export function sendPage(res: Response, body: string, status = 200): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(body);
}
