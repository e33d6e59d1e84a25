import { describe, expect, it } from 'vitest';
import { FetchEngine, type MessageBatch } from '../../../src/simple-consumer/fetch-engine/index.js';
import { FrameDecoder, releaseFrame } from '../../../src/simple-consumer/frame-decoder.js';
import type { FakeCluster } from './fetch-engine-fake-cluster.js';
import { engineHarness } from './fetch-engine-harness.js';

// With releaseFrames, a response frame's memory is freed at the next() after its last batch was
// handed out, never earlier: a batch in the caller's hands, or one still queued from the same
// frame, keeps every view into the frame intact.

const address = { host: '127.0.0.1', port: 1 };
const { cluster, keep } = engineHarness();

function prefixed(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length);
  return Buffer.concat([head, body]);
}

function firstValue(b: MessageBatch): Buffer {
  let first: Buffer | undefined;
  b.forEachMessage((_o, _k, v) => {
    first ??= v ?? undefined;
  });
  return first!;
}

async function twoPartitions(releaseFrames: boolean): Promise<{ c: FakeCluster; e: FetchEngine }> {
  const c = await cluster(1);
  c.addPartition('f', 0, 0);
  c.addPartition('f', 1, 0);
  // Answers larger than one socket read are assembled in memory of their own; small ones are
  // copies the collector frees young, which releaseFrame leaves alone.
  const pad = 'x'.repeat(40_000);
  c.append('f', 0, [`zero-a${pad}`]);
  c.append('f', 1, [`one-a${pad}`]);
  const e = new FetchEngine(c.metadata(), { maxWaitMs: 20, socketTimeoutMs: 1000, releaseFrames });
  keep(e);
  e.assign([
    { topic: 'f', partition: 0, offset: 0n },
    { topic: 'f', partition: 1, offset: 0n },
  ]);
  return { c, e };
}

describe('releaseFrame', () => {
  it('frees a frame the decoder allocated for itself, and leaves views into a shared chunk alone', () => {
    const d = new FrameDecoder(1 << 20, address);
    const got: Buffer[] = [];
    // Split across two pushes: assembled in memory of its own.
    const whole = prefixed(Buffer.from('assembled'));
    d.push(whole.subarray(0, 6), (f) => got.push(f));
    d.push(whole.subarray(6), (f) => got.push(f));
    // Two frames inside one chunk: zero-copy views sharing the chunk's memory.
    d.push(Buffer.concat([prefixed(Buffer.from('first')), prefixed(Buffer.from('second'))]), (f) =>
      got.push(f),
    );
    expect(got.map(String)).toEqual(['assembled', 'first', 'second']);
    for (const f of got) releaseFrame(f.buffer);
    expect(got[0]!.length).toBe(0);
    expect(got.slice(1).map(String)).toEqual(['first', 'second']);
    // Twice is harmless.
    releaseFrame(got[0]!.buffer);
  });
});

describe('FetchEngine: releaseFrames', () => {
  it('keeps a frame until the next() after its last batch, then frees it', async () => {
    const { c, e } = await twoPartitions(true);
    const first = await e.next();
    const a = firstValue(first);
    expect(a.toString()).toMatch(/-ax+$/);
    const second = await e.next();
    const b = firstValue(second);
    // Both partitions came in one answer: the first batch's frame is the second's.
    expect(b.buffer).toBe(a.buffer);
    expect(a.toString()).toMatch(/-ax+$/);
    expect(b.toString()).toMatch(/-ax+$/);
    c.append('f', 0, ['zero-c']);
    const third = await e.next();
    expect(firstValue(third).toString()).toBe('zero-c');
    expect(a.length).toBe(0);
    expect(b.length).toBe(0);
  });

  it('keeps a batch in hand intact when the rest of its frame is dropped by a seek', async () => {
    const { c, e } = await twoPartitions(true);
    const first = await e.next();
    const a = firstValue(first);
    const other = first.partition === 0 ? 1 : 0;
    // The other partition's queued batch (same frame) is dropped now.
    e.seek('f', other, 5n);
    expect(a.toString()).toMatch(/-ax+$/);
    c.append('f', first.partition, ['more']);
    const next = await e.next();
    expect(firstValue(next).toString()).toBe('more');
    expect(a.length).toBe(0);
  });

  it('leaves frames to the collector by default', async () => {
    const { c, e } = await twoPartitions(false);
    const a = firstValue(await e.next());
    const b = firstValue(await e.next());
    c.append('f', 0, ['zero-c']);
    await e.next();
    expect(a.toString()).toMatch(/-ax+$/);
    expect(b.toString()).toMatch(/-ax+$/);
  });
});
