/** What the CLI tests expect of a failed command, in one place. */
import { expect } from 'vitest';
import type { Finished } from './cli-process.ts';

/** One plain line on stderr, nothing on stdout, exit 1: what every explained failure looks like. */
export function expectOneLineFailure(f: Finished, pattern: RegExp): void {
  expect(f.code, f.stderr).toBe(1);
  expect(f.stdout).toBe('');
  const lines = f.stderr.trimEnd().split('\n');
  expect(lines, f.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^salesops: /);
  expect(lines[0]).toMatch(pattern);
}
