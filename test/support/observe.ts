/**
 * Records an answer a test received for the run's OpenAPI check (test/support/contract.ts). Shared
 * by the in-process harness and the journeys' HTTP client, so every answer the suite sees —
 * whichever way the server was started — is held against the document.
 */
import { inject } from 'vitest';
import { recordObservation, saveDocument } from './contract.ts';

let documentSaved = false;

/**
 * Note the answer `res` to `method url` (`url` absolute: the server's origin plus the path the
 * request went to, query included). The path recorded is the URL's pathname, the form the
 * document's templates (`/api/v1/customers/{id}`) are matched against.
 */
export async function observeAnswer(method: string, url: string, res: Response): Promise<void> {
  const dir = inject('observedDir');
  if (!dir) return;
  const { origin, pathname } = new URL(url);
  recordObservation(dir, {
    method: method.toUpperCase(),
    path: pathname,
    status: res.status,
    contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim(),
  });
  if (!documentSaved) {
    documentSaved = true;
    saveDocument(dir, await (await fetch(`${origin}/api/v1/openapi.json`)).json());
  }
}
