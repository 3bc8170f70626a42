import { defineConfig } from 'vitest/config';

// Tests that start real `bxg serve` processes and time them (the 20 s start-up acceptance)
// run after everything else, alone, so other test files do not compete for the two cores.
const PROCESS_TESTS = ['test/cli/serve.test.ts', 'test/db/embedded-lock-process.test.ts'];
// The fault-scenario suite (kill -9, database outages) has its own config: `npm run test:faults`.
const FAULTS = ['test/faults/**'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallel workers modest so WASM start-up and PGlite don't thrash.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...PROCESS_TESTS, ...FAULTS], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'processes', include: PROCESS_TESTS, exclude: FAULTS, sequence: { groupOrder: 1 } } },
    ],
  },
});
