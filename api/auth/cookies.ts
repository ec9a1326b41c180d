/**
 * The session cookie: its name, how it is set and cleared, and reading it from a request. Parsed
 * by hand: one cookie of ours, a dozen lines, where cookie-parser would sign and decode cookies we
 * do not have.
 */
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'salesops_session';

/** The value of cookie `name` in the request, or undefined. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value && /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * HttpOnly (no script reads it), SameSite=Lax (another site's forms and fetches do not carry it;
 * a link from another site still lands signed in), Path=/, Secure when the request came over HTTPS
 * (req.secure follows X-Forwarded-Proto when SALESOPS_TRUST_PROXY is on). No Max-Age: the server
 * decides expiry (idle and absolute), the browser forgets it when it closes.
 */
export function setSessionCookie(req: Request, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: req.secure,
  });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: req.secure,
  });
}
