import { defineConfig } from 'vitest/config';

// The fault-scenario suite (`npm run test:faults`): real `bxg serve` processes killed with
// SIGKILL under signed write load, and PostgreSQL outages and hung connections simulated by a
// TCP proxy. Not part of `npm test`; .ci/run runs it after the two test passes. One file at a
// time: the scenarios time things, and two cores are all there is.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
