/** The caller of a request, resolved from its API key. */
import type { Role } from '../../db/schema.ts';

export interface Principal {
  keyId: number;
  name: string;
  role: Role;
  /** The sales rep the key belongs to, when it does (scopes staff/manager data). */
  repId: number | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}
