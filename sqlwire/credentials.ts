/**
 * Who a wire client is. PostgreSQL clients send a user name and a password; here the user is a
 * person's email or the word `key`, and the password is that person's password or an API key:
 *  - `key` + an API key: the key's principal, exactly as `Authorization: Bearer` resolves it
 *    (a revoked key, or one of a disabled user, is refused);
 *  - email + password: the sign-in page's check (api/sessions/attempts.ts) — counted toward the
 *    same lockout, each failure in the audit log, a success audited as a sign-in (method `sql`)
 *    but with no session: the connection is the session;
 *  - email + an API key of that person's: the key, counted like a password (a key of someone
 *    else's is a wrong password).
 * A key is told from a password by its shape (`so_<8 hex>_…`); a password of that shape is
 * tried as a key only, which is no loss to anyone's security.
 */
import type { Principal } from '../api/auth/principal.ts';
import { hashKey } from '../api/auth/keys.ts';
import { findActiveKeyByHash } from '../api/auth/repository.ts';
import { recordAudit } from '../api/audit/audit.ts';
import { AppError } from '../api/errors.ts';
import { checkSignIn, markSignedIn, signInRefused } from '../api/sessions/attempts.ts';
import { nowOf, type AppContext } from '../context.ts';

const KEY_SHAPE = /^so_[0-9a-f]{8}_\S+$/;

/** The user name that means "the password is an API key". */
export const KEY_USER = 'key';

async function keyPrincipal(ctx: AppContext, key: string): Promise<Principal | undefined> {
  const row = await findActiveKeyByHash(ctx.ops.db, hashKey(key));
  return (
    row && {
      keyId: row.id,
      userId: row.user_id,
      sessionId: null,
      name: row.name,
      role: row.role,
      repId: row.rep_id,
    }
  );
}

/** The principal of `user` / `password`, or 401 (audited; a person's failures counted). */
export async function authenticate(
  ctx: AppContext,
  user: string,
  password: string,
): Promise<Principal> {
  const db = ctx.ops.db;
  const isKey = KEY_SHAPE.test(password);
  if (user === KEY_USER) {
    const principal = isKey ? await keyPrincipal(ctx, password) : undefined;
    if (principal) return principal;
    await recordAudit(db, {
      principal: null,
      entity: 'api_key',
      entityId: 'unknown',
      action: 'sign_in_failed',
      after: { door: 'sql' },
    });
    throw new AppError('unauthorized', 'unknown or revoked API key');
  }
  const now = nowOf(ctx);
  const key = isKey ? await keyPrincipal(ctx, password) : undefined;
  const checked = await checkSignIn(
    db,
    ctx.config,
    now,
    user,
    isKey ? { keyUserId: key?.userId ?? null } : { password },
  );
  const u = await db.transaction().execute(async (trx) => {
    const row = await markSignedIn(trx, now, checked.userId, {
      verifiedHash: checked.verifiedHash,
      unlocked: true,
    });
    if (!row) return undefined;
    const principal: Principal = key ?? {
      keyId: null,
      userId: row.id,
      sessionId: null,
      name: row.name || row.email || `user ${row.id}`,
      role: row.role,
      repId: row.rep_id,
    };
    await recordAudit(trx, {
      principal,
      entity: 'user',
      entityId: row.id,
      action: 'sign_in',
      after: { method: isKey ? 'sql_key' : 'sql' },
    });
    return principal;
  });
  if (!u) throw signInRefused(); // disabled, locked or a new password meanwhile
  return u;
}
