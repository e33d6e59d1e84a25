import { defineConfig } from 'vitest/config';

// Two projects so the codec's unit tests run in seconds without JVMs, while `npm test`
// runs both: the integration project starts real ZooKeeper + Kafka once in globalSetup.
// Two cores: running several JVM-heavy files at once only makes each one slower.
export default defineConfig({
  test: {
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-brokers.ts', 'test/setup/global-postgres.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
