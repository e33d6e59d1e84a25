import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../../src/protocol/errors.js';
import { type FetchBatch, FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { within } from '../../helpers/within.js';
import { key } from './fetch-engine-fake-cluster.js';
import { engineHarness } from './fetch-engine-harness.js';

// A real collector run is the only honest way to prove nothing still references a batch.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { cluster, keep } = engineHarness();

/** WeakRefs are only cleared after the job that created or dereferenced them has ended. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
}

describe('FetchEngine: memory', () => {
  it('does not keep batches (and the frames under them) reachable once handed out', async () => {
    const c = await cluster(1);
    c.addPartition('m', 0, 0);
    const value = Buffer.alloc(200, 0x61);
    c.append(
      'm',
      0,
      Array.from({ length: 400 }, () => value),
    );
    // About 4 messages per fetch: ~100 batches, far more than any small fixed slack.
    const e = new FetchEngine(c.metadata(), {
      maxWaitMs: 20,
      fetchSizeBytes: 1000,
      catchUpFetchBytes: 1000,
      socketTimeoutMs: 1000,
    });
    keep(e);
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

  it('hands out batches whose visitor, count and messages agree', async () => {
    const c = await cluster(1);
    c.addPartition('v', 0, 0);
    c.append('v', 0, ['a', 'b', 'c']);
    c.append('v', 0, ['d', 'e'], 2);
    const e = new FetchEngine(c.metadata(), { maxWaitMs: 20, socketTimeoutMs: 1000 });
    keep(e);
    e.assign([{ topic: 'v', partition: 0, offset: 1n }]);
    const visited: string[] = [];
    const listed: string[] = [];
    while (visited.length < 4) {
      const b = await e.next();
      b.forEachMessage((offset, _k, v) => visited.push(`${offset}:${v?.toString()}`));
      for (const m of b.messages) listed.push(`${m.offset}:${m.value?.toString()}`);
      expect(b.count).toBe(b.messages.length);
    }
    expect(visited).toEqual(['1:b', '2:c', '3:d', '4:e']);
    expect(listed).toEqual(visited);
  });

  it('a set found corrupt at hand-out stops its partition and drops what was prefetched behind it', async () => {
    const c = await cluster(1);
    c.addPartition('x', 0, 0);
    c.append('x', 0, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    const entry = c.logs.get(key('x', 0))!.entries[2]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    // One message per fetch: sets 3.. are prefetched before set 2 is handed out.
    const e = new FetchEngine(c.metadata(), {
      maxWaitMs: 20,
      socketTimeoutMs: 1000,
      fetchSizeBytes: 40,
      catchUpFetchBytes: 40,
    });
    keep(e);
    e.assign([{ topic: 'x', partition: 0, offset: 0n }]);
    const got: string[] = [];
    let error: unknown;
    while (error === undefined) {
      try {
        const b = await e.next();
        for (const m of b.messages) got.push(m.value!.toString());
      } catch (err) {
        error = err;
      }
    }
    expect(got).toEqual(['m0', 'm1']);
    expect(error).toBeInstanceOf(CorruptError);
    expect((error as CorruptError).offset).toBe(2n);
    expect(e.position('x', 0)).toBe(2n);
    // Nothing further of the stopped partition arrives: its only partition failed, so next()
    // raises the same error again ...
    await expect(within(e.next(), 3000, 'next() after its only partition failed')).rejects.toBe(error);
    expect(e.position('x', 0)).toBe(2n);
    // ... until it is sought past the bad message.
    e.seek('x', 0, 3n);
    const after = await e.next();
    expect(after.messages[0]?.value?.toString()).toBe('m3');
  });
});
