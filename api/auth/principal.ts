/** The caller of a request, resolved from its API key or its browser session. */
import type { Role } from '../../db/schema.ts';

export interface Principal {
  /** The API key the request came with; null for a browser session. */
  keyId: number | null;
  /** The user: the one signed in, or the one the key belongs to; null for a machine key. */
  userId: number | null;
  /** The browser session, when the request was authenticated by its cookie. */
  sessionId: number | null;
  name: string;
  role: Role;
  /** The sales rep the key or user belongs to, when it does (scopes staff/manager data). */
  repId: number | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
      /** The CSRF token of the request's session (pages put it in a meta tag and forms). */
      csrfToken?: string;
      /** A session cookie came but its session is over: the 401 says so. */
      sessionEnded?: boolean;
    }
  }
}
