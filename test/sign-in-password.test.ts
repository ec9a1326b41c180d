/**
 * Password hashing and the password rules, without a server: the production cost (the other
 * suites run at 2^12 for speed; this is the one place the default is exercised), that the cost
 * travels with each hash, and what the rules refuse in words.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from '../api/users/password.ts';
import { isCommonPassword } from '../api/users/common-passwords.ts';

describe('passwords', () => {
  it('hash at the default cost (scrypt N = 2^17, r = 8, p = 1) and verify', async () => {
    const cost = loadConfig({}).passwordCost;
    expect(cost).toBe(17);
    const h = await hashPassword('correct staple horse 1', cost);
    expect(h).toMatch(/^scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword('correct staple horse 1', h)).toBe(true);
    expect(await verifyPassword('correct staple horse 2', h)).toBe(false);
  });

  it('each hash carries its own cost and salt: a cost change keeps old hashes valid', async () => {
    const a = await hashPassword('same words here ok', 10);
    const b = await hashPassword('same words here ok', 12);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same words here ok', a)).toBe(true);
    expect(await verifyPassword('same words here ok', b)).toBe(true);
    expect(await verifyPassword('anything', 'not a hash')).toBe(false);
  });

  it('an unknown email verifies against a decoy at the same cost', async () => {
    const d = await decoyHash(12);
    expect(d).toMatch(/^scrypt\$ln=12,/);
    expect(await decoyHash(12)).toBe(d);
  });

  it('refuses short, common, padded, repetitive and email-like passwords, in words', () => {
    expect(passwordProblem('short one')).toMatch(/at least 12/);
    expect(passwordProblem('qwerty123456')).toMatch(/common/);
    expect(passwordProblem('Password2026!!')).toMatch(/common/);
    expect(passwordProblem('Welcome123456')).toMatch(/common/);
    expect(passwordProblem('abababababab')).toMatch(/too few/);
    expect(passwordProblem('ana.lima-secure-2026', 'ana.lima@example.com')).toMatch(/email/);
    expect(passwordProblem('x'.repeat(2000))).toMatch(/at most/);
    expect(passwordProblem('tangerine harbour 42')).toBeUndefined();
    expect(passwordProblem('åäö ünïcödé wörds')).toBeUndefined();
    expect(isCommonPassword('PASSWORD1234')).toBe(true);
    expect(isCommonPassword('passwordless login flow')).toBe(false);
  });
});
