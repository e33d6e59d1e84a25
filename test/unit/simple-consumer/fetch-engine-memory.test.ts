import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type FetchBatch, FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { FakeCluster } from './fetch-engine-fake-cluster.js';

// A real collector run is the only honest way to prove nothing still references a batch.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const clusters: FakeCluster[] = [];
const engines: FetchEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await Promise.all(clusters.splice(0).map((c) => c.stop()));
});

/** WeakRefs are only cleared after the job that created or dereferenced them has ended. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
}

describe('FetchEngine: memory', () => {
  it('does not keep batches (and the frames under them) reachable once handed out', async () => {
    const c = await FakeCluster.start(1);
    clusters.push(c);
    c.addPartition('m', 0, 0);
    const value = Buffer.alloc(200, 0x61);
    c.append(
      'm',
      0,
      Array.from({ length: 400 }, () => value),
    );
    // About 4 messages per fetch: ~100 batches, far more than any small fixed slack.
    const e = new FetchEngine(c.metadata(), { maxWaitMs: 20, fetchSizeBytes: 1000, socketTimeoutMs: 1000 });
    engines.push(e);
    e.assign([{ topic: 'm', partition: 0, offset: 0n }]);
    const refs: WeakRef<FetchBatch>[] = [];
    const frames: WeakRef<ArrayBufferLike>[] = [];
    let n = 0;
    while (n < 400) {
      const b = await e.next();
      n += b.messages.length;
      refs.push(new WeakRef(b));
      const v = b.messages[0]?.value;
      if (v) frames.push(new WeakRef(v.buffer));
    }
    expect(refs.length).toBeGreaterThan(50);
    await collect();
    // The engine may legitimately hold the batch it handed out last; nothing older.
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    expect(alive).toBeLessThanOrEqual(1);
    const framesAlive = new Set(frames.map((r) => r.deref()).filter((x) => x !== undefined)).size;
    expect(framesAlive).toBeLessThanOrEqual(2);
  });
});
