import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import {
  attachLocalKafka,
  type KafkaVersion,
  type LocalKafka,
  type StartOptions,
  startLocalKafka,
} from '../../src/rig/index.js';

const shared = new Map<KafkaVersion, LocalKafka>();

/** The single-broker cluster of this version that globalSetup started for the whole run. */
export function sharedCluster(version: KafkaVersion): LocalKafka {
  let k = shared.get(version);
  if (!k) {
    const descriptor = inject(version === '0.8.2.2' ? 'kafka082' : 'kafka081');
    if (!descriptor) {
      throw new Error(
        `no shared Kafka ${version} cluster: run with the vitest "integration" project (globalSetup)`,
      );
    }
    k = attachLocalKafka(descriptor);
    shared.set(version, k);
  }
  return k;
}

/**
 * A cluster of this test file's own (e.g. 3 brokers to kill and restart), started in beforeAll
 * and stopped in afterAll. Read `.current` inside tests. When a test of the file fails, the
 * cluster's directory (the brokers' and ZooKeeper's logs) is kept and its path printed: a fault
 * test that fails once in many runs is explained by those logs or not at all.
 */
export function ownCluster(opts: StartOptions): { readonly current: LocalKafka } {
  let k: LocalKafka | undefined;
  let failed = false;
  beforeAll(async () => {
    k = await startLocalKafka(opts);
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    if (!k) return;
    await k.stop({ keepData: failed });
    if (failed) console.error(`a test failed: cluster ${k.clusterId}'s logs kept in ${k.descriptor().dir}`);
  });
  return {
    get current(): LocalKafka {
      if (!k) throw new Error('ownCluster is only available inside tests (after beforeAll)');
      return k;
    },
  };
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
