/**
 * A webhook URL as events, the audit log and alerts keep it (api/webhooks/logged-url.ts): the
 * origin, and for anything more a fingerprint that changes with the URL but does not tell it.
 */
import { expect, it } from 'vitest';
import { loggedUrl } from '../api/webhooks/logged-url.ts';

it('keeps the origin, and hides a path or query behind a fingerprint', () => {
  expect(loggedUrl('https://example.com')).toBe('https://example.com');
  expect(loggedUrl('https://example.com/')).toBe('https://example.com');
  const slack = loggedUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET');
  expect(slack).toMatch(/^https:\/\/hooks\.slack\.com\/… \(sha256 [0-9a-f]{8}\)$/);
  expect(slack).not.toContain('XXXXSECRET');
  const query = loggedUrl('https://example.com/?token=abc123');
  expect(query).not.toContain('abc123');
  // Another token, another fingerprint: a changed URL shows as changed.
  expect(loggedUrl('https://hooks.slack.com/services/T000/B000/OTHER')).not.toBe(slack);
  expect(loggedUrl('not a url')).toMatch(/^\(sha256 [0-9a-f]{8}\)$/);
});
