import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/ledger-file.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: more workers than that only adds contention to the timing-sensitive tests.
    maxWorkers: 2,
  },
});
