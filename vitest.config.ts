import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '.tmp/**'],
    globalSetup: ['./test/support/global-setup.ts'],
    // Fixed zone so business dates never drift with the machine's.
    env: { TZ: 'UTC', LOG_LEVEL: 'silent' },
    // Generous: the suites drive real databases on a 2-core machine that may be busy.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest.json' },
    pool: 'forks',
    maxWorkers: 2,
  },
});
