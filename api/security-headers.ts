/**
 * Security headers on every answer, set once here for every page that comes (sign-in now,
 * dashboards and the SQL console later). The Content-Security-Policy allows only the app's own
 * script files, plus an inline block carrying this answer's nonce (the dashboard page's import map,
 * which must be inline: browsers load no import map from a file), and no `unsafe-eval` (the
 * dashboards use vega's CSP-safe interpreter); styles come from
 * the app's own files or a `<style nonce>` whose nonce is fresh per answer (`res.locals.cspNonce`),
 * as vega-embed and CodeMirror inject theirs. No page may be framed (clickjacking), and no URL
 * leaves for another site as a Referer: a sign-in or set-password link carries its token in the
 * query.
 */
import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';

export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        `style-src 'self' 'nonce-${nonce}'`,
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // `same-origin`, not `no-referrer`: under no-referrer a browser sends `Origin: null` with the
    // page's own form POSTs (Fetch spec, "serializing a request origin"), which the cross-site
    // check must refuse, so nobody could sign in from /login (seen in test/sign-in-browser.test.ts).
    // A URL still never leaves as a Referer for another site.
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    next();
  };
}
