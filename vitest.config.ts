import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each test file in its own process: the addon holds native threads and LibTorch state.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One heavy file at a time: the machine has 2 cores and every trainer uses them all.
    fileParallelism: false,
  },
});
