import type { TestProject } from 'vitest/node';
import { type LocalKafka, type LocalKafkaDescriptor, startLocalKafka } from '../../src/rig/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafka082: LocalKafkaDescriptor;
    kafka081: LocalKafkaDescriptor;
  }
}

const SHARED = { '0.8.2.2': 'kafka082', '0.8.1.1': 'kafka081' } as const;
type SharedVersion = keyof typeof SHARED;

/**
 * Which shared clusters to start: both unless KAFKA08_SHARED_VERSIONS lists some (possibly none,
 * as `npm run test:compat` does: its test file starts each version it checks itself).
 */
function sharedVersions(): SharedVersion[] {
  const env = process.env.KAFKA08_SHARED_VERSIONS;
  if (env === undefined) return Object.keys(SHARED) as SharedVersion[];
  const listed = env.split(',').filter((v) => v !== '');
  for (const v of listed)
    if (!(v in SHARED))
      throw new Error(`KAFKA08_SHARED_VERSIONS: ${v} is not one of ${Object.keys(SHARED).join(', ')}`);
  return listed as SharedVersion[];
}

/**
 * One single-broker cluster per Kafka 0.8 version for the whole integration run. A failure to
 * start fails the run loudly; the JVMs die with this process even if teardown never runs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const versions = sharedVersions();
  const results = await Promise.allSettled(versions.map((version) => startLocalKafka({ version })));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((k) => k.stop()));
    throw failure.reason;
  }
  versions.forEach((version, i) => {
    project.provide(SHARED[version], (started[i] as LocalKafka).descriptor());
  });
  return async () => {
    await Promise.all(started.map((k) => k.stop()));
  };
}
