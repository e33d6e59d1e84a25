import type { TestProject } from 'vitest/node';
import { type LocalKafka, type LocalKafkaDescriptor, startLocalKafka } from '../../src/rig/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafka082: LocalKafkaDescriptor;
    kafka081: LocalKafkaDescriptor;
  }
}

/**
 * One single-broker cluster per Kafka version for the whole integration run. A failure to start
 * fails the run loudly; the JVMs die with this process even if teardown never runs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const results = await Promise.allSettled([
    startLocalKafka({ version: '0.8.2.2' }),
    startLocalKafka({ version: '0.8.1.1' }),
  ]);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((k) => k.stop()));
    throw failure.reason;
  }
  const [k082, k081] = started as [LocalKafka, LocalKafka];
  project.provide('kafka082', k082.descriptor());
  project.provide('kafka081', k081.descriptor());
  return async () => {
    await Promise.all([k082.stop(), k081.stop()]);
  };
}
