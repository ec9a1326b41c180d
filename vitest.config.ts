import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '.tmp/**'],
    globalSetup: ['./test/support/global-setup.ts'],
    // Fixed zone so business dates never drift with the machine's.
    env: { TZ: 'UTC', LOG_LEVEL: 'silent' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest.json' },
    pool: 'forks',
    maxWorkers: 2,
  },
});
