import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the long versions of the fault-injection tests (KAFKA08_FAULTS=full,
// set by the script), which `npm test` runs short. One file at a time: they start JVMs, kill
// processes and time recoveries, and two cores give no room for a second one.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'faults-unit',
          include: ['test/unit/faults/**/*.test.ts'],
          testTimeout: 900_000,
        },
      },
      {
        test: {
          name: 'faults-integration',
          include: ['test/integration/faults-*.test.ts'],
          globalSetup: ['test/setup/global-brokers.ts', 'test/setup/global-postgres.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 3_600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
