import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/index.js';
import { FetchEngine, type MessageBatch } from '../../../src/simple-consumer/fetch-engine/index.js';
import { FrameDecoder, releaseFrame } from '../../../src/simple-consumer/frame-decoder.js';
import { framePool, POOLED_FRAME_MIN_BYTES } from '../../../src/simple-consumer/frame-pool.js';
import type { FakeCluster } from './fetch-engine-fake-cluster.js';
import { engineHarness } from './fetch-engine-harness.js';

// Released frames lend their memory to the next large frames: no page faults on fresh memory
// per fetch. What must hold: an old view never sees a new frame's bytes, small frames and frames
// nobody released are never pooled, and the pool stays within its bounds.

const address = { host: '127.0.0.1', port: 1 };

function prefixed(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Feeds `body` as one frame in two pushes, so the decoder assembles it in memory of its own. */
function decodeOne(d: FrameDecoder, body: Buffer): Buffer {
  const whole = prefixed(body);
  let frame: Buffer | undefined;
  d.push(whole.subarray(0, 10), (f) => {
    frame = f;
  });
  d.push(whole.subarray(10), (f) => {
    frame = f;
  });
  return frame!;
}

afterEach(() => framePool.clear());

describe('frame pool', () => {
  it('lends a released frame’s memory to the next frame of about its size; the old view stays empty', () => {
    const d = new FrameDecoder(64 << 20, address);
    const a = decodeOne(d, Buffer.alloc(300_000, 0x61));
    const memory = a.buffer.byteLength;
    expect(memory).toBeGreaterThanOrEqual(300_000);
    releaseFrame(a.buffer);
    expect(a.length).toBe(0);
    expect(framePool.pooledBytes).toBe(memory);

    const b = decodeOne(d, Buffer.alloc(290_000, 0x62));
    expect(framePool.pooledBytes).toBe(0);
    expect(b.buffer.byteLength).toBe(memory);
    expect(b.length).toBe(290_000);
    expect(b.every((x) => x === 0x62)).toBe(true);
    // The view of the first frame never aliases the second one's bytes.
    expect(a.length).toBe(0);
  });

  it('never pools small frames, nor frames nobody released', () => {
    const d = new FrameDecoder(64 << 20, address);
    const small = decodeOne(d, Buffer.alloc(POOLED_FRAME_MIN_BYTES - 1000, 1));
    releaseFrame(small.buffer);
    expect(small.length).toBe(0);
    expect(framePool.pooledBytes).toBe(0);
    const kept = decodeOne(d, Buffer.alloc(400_000, 2));
    expect(framePool.pooledBytes).toBe(0);
    const next = decodeOne(d, Buffer.alloc(400_000, 3));
    expect(next.buffer).not.toBe(kept.buffer);
    expect(kept.every((x) => x === 2)).toBe(true);
  });

  it('gives no memory more than twice the frame’s size', () => {
    const d = new FrameDecoder(64 << 20, address);
    const big = decodeOne(d, Buffer.alloc(2_000_000, 1));
    releaseFrame(big.buffer);
    const pooled = framePool.pooledBytes;
    expect(pooled).toBeGreaterThan(0);
    const half = decodeOne(d, Buffer.alloc(900_000, 2));
    expect(half.buffer.byteLength).toBeLessThan(2 * 900_000);
    expect(framePool.pooledBytes).toBe(pooled);
  });

  it('holds at most four buffers and 16 MiB whatever is released', () => {
    const d = new FrameDecoder(64 << 20, address);
    const frames = Array.from({ length: 7 }, (_, i) => decodeOne(d, Buffer.alloc(5_000_000 + i, i)));
    for (const f of frames) releaseFrame(f.buffer);
    expect(framePool.pooledBytes).toBeGreaterThan(0);
    expect(framePool.pooledBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    for (let i = 0; i < 7; i++) decodeOne(d, Buffer.alloc(5_000_000, 9));
    // 5 MB rounds up to 5 MiB: three fit in 16 MiB.
    expect(framePool.lent).toBe(3);
    expect(framePool.pooledBytes).toBe(0);
  });
});

describe('frame pool: the size thresholds, each side', () => {
  const MIB = 1024 * 1024;
  const STEP = 256 * 1024;

  it('keeps memory from POOLED_FRAME_MIN_BYTES to 16 MiB, nothing outside', () => {
    expect(framePool.give(new ArrayBuffer(POOLED_FRAME_MIN_BYTES - 1))).toBe(false);
    expect(framePool.give(new ArrayBuffer(16 * MIB + 1))).toBe(false);
    expect(framePool.pooledBytes).toBe(0);
    expect(framePool.give(new ArrayBuffer(POOLED_FRAME_MIN_BYTES))).toBe(true);
    expect(framePool.pooledBytes).toBe(POOLED_FRAME_MIN_BYTES);
    framePool.clear();
    expect(framePool.give(new ArrayBuffer(16 * MIB))).toBe(true);
    expect(framePool.pooledBytes).toBe(16 * MIB);
  });

  it('lends to frames of POOLED_FRAME_MIN_BYTES and more, memory of at most twice their size', () => {
    framePool.give(new ArrayBuffer(2 * POOLED_FRAME_MIN_BYTES));
    expect(framePool.take(POOLED_FRAME_MIN_BYTES - 1)).toBeUndefined();
    expect(framePool.take(POOLED_FRAME_MIN_BYTES)?.byteLength).toBe(2 * POOLED_FRAME_MIN_BYTES);
    framePool.give(new ArrayBuffer(2 * 300_000 + 1));
    expect(framePool.take(300_000)).toBeUndefined();
    expect(framePool.take(300_001)?.byteLength).toBe(2 * 300_000 + 1);
    // Of several that fit, the smallest.
    framePool.give(new ArrayBuffer(3 * STEP));
    framePool.give(new ArrayBuffer(2 * STEP));
    expect(framePool.take(2 * STEP - 1)?.byteLength).toBe(2 * STEP);
  });

  it('rounds capacities up to 256 KiB steps from POOLED_FRAME_MIN_BYTES on', () => {
    expect(framePool.capacityFor(POOLED_FRAME_MIN_BYTES - 1)).toBe(POOLED_FRAME_MIN_BYTES - 1);
    expect(framePool.capacityFor(POOLED_FRAME_MIN_BYTES)).toBe(POOLED_FRAME_MIN_BYTES);
    expect(framePool.capacityFor(4 * STEP)).toBe(4 * STEP);
    expect(framePool.capacityFor(4 * STEP + 1)).toBe(5 * STEP);
  });
});

describe('FetchEngine: releaseFrames reuses frame memory', () => {
  const { cluster, keep } = engineHarness();

  /** A 300,000-byte value tagged in its first 8 bytes: its answer is large enough to be pooled. */
  const pad = (tag: string): string => tag.padEnd(8, '-') + 'z'.repeat(299_992);

  /** One broker, `topic` partition 0 read from offset 0 by an engine with `releaseFrames`. */
  async function pooledEngine(
    topic: string,
    fetchSizeBytes: number,
  ): Promise<{ c: FakeCluster; e: FetchEngine }> {
    const c = await cluster(1);
    c.addPartition(topic, 0, 0);
    const e = new FetchEngine(c.metadata(), {
      maxWaitMs: 20,
      socketTimeoutMs: 1000,
      releaseFrames: true,
      fetchSizeBytes,
    });
    keep(e);
    e.assign([{ topic, partition: 0, offset: 0n }]);
    return { c, e };
  }

  function values(b: MessageBatch): string[] {
    const out: string[] = [];
    b.forEachMessage((_o, _k, v) => out.push(v === null ? 'null' : v.toString('latin1', 0, 8)));
    return out;
  }

  it('reads every record right while later answers land in the memory of earlier ones', async () => {
    const { c, e } = await pooledEngine('p', 400_000);
    const seen: string[] = [];
    const kept: Buffer[] = [];
    for (let i = 0; i < 6; i++) {
      c.append('p', 0, [pad(`rec${i}`)]);
      const b = await e.next();
      b.forEachMessage((_o, _k, v) => kept.push(v!));
      seen.push(...values(b));
    }
    expect(seen).toEqual(['rec0----', 'rec1----', 'rec2----', 'rec3----', 'rec4----', 'rec5----']);
    // Answers after the first were read into memory a released frame lent them...
    expect(framePool.lent).toBeGreaterThan(0);
    // ...and the views of the records handed out before are empty, never another record's bytes.
    for (const v of kept.slice(0, -1)) expect(v.length).toBe(0);
    expect(kept.at(-1)!.toString('latin1', 0, 8)).toBe('rec5----');
  });

  it.each([
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['lz4', Codec.Lz4],
  ])('reads compressed sets (%s) right in reused memory', async (_name, codec) => {
    const { c, e } = await pooledEngine('z', 700_000);
    const expected: Buffer[] = [];
    const seen: Buffer[] = [];
    for (let i = 0; i < 6; i++) {
      // Incompressible, so each wrapper (and its answer) is large enough to be pooled.
      const pair = [0, 1].map((j) =>
        Buffer.concat([Buffer.from(`r${i}-${j}`.padEnd(8, '-')), randomBytes(150_000)]),
      );
      expected.push(...pair);
      c.append('z', 0, pair, codec);
      const b = await e.next();
      // Copies: the views lapse at the next next().
      b.forEachMessage((_o, _k, v) => seen.push(Buffer.from(v!)));
    }
    expect(seen.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(seen[i]!.equals(expected[i]!)).toBe(true);
    expect(framePool.lent).toBeGreaterThan(0);
  });

  it('a batch walked after the next next() has no records, never a later answer’s bytes', async () => {
    const { c, e } = await pooledEngine('late', 400_000);
    c.append('late', 0, [pad('first')]);
    const first = await e.next();
    for (let i = 0; i < 3; i++) {
      c.append('late', 0, [pad(`next${i}`)]);
      await e.next();
    }
    expect(framePool.lent).toBeGreaterThan(0);
    // Its set is a view of the released (detached) frame: empty, whatever reuses the memory.
    const walked: string[] = [];
    first.forEachMessage((_o, _k, v) => walked.push(v === null ? 'null' : v.toString('latin1', 0, 8)));
    expect(walked).toEqual([]);
  });
});
