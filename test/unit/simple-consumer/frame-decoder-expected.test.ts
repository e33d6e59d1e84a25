import { describe, expect, it } from 'vitest';
import { encodeFetchResponseBody, fetchRequest } from '../../../src/protocol/fetch.js';
import { Writer } from '../../../src/protocol/writer.js';
import { FrameDecoder, INITIAL_FRAME_BYTES } from '../../../src/simple-consumer/frame-decoder.js';

// A frame no larger than what its request asked for is allocated whole, so reads land in their
// final place; anything larger still gets memory only as its bytes arrive.

const address = { host: '127.0.0.1', port: 1 };
const MiB = 2 ** 20;

function prefixed(size: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(size);
  return Buffer.concat([head, body]);
}

describe('FrameDecoder: frames the request asked for', () => {
  it('a frame within the expected bytes is read straight into one buffer of its size', () => {
    const d = new FrameDecoder(8 * MiB, address, () => 3 * MiB);
    d.push(prefixed(3 * MiB, Buffer.alloc(10, 1)), () => undefined);
    const target = d.readTarget();
    expect(target.length).toBe(3 * MiB - 10);
    expect(target.buffer.byteLength).toBe(3 * MiB);
  });

  it('a frame over the expected bytes starts small and grows as before', () => {
    const d = new FrameDecoder(8 * MiB, address, () => 3 * MiB - 1);
    d.push(prefixed(3 * MiB, Buffer.alloc(10, 1)), () => undefined);
    expect(d.readTarget().length).toBeLessThanOrEqual(INITIAL_FRAME_BYTES);
  });

  it('assembles the same frames either way', () => {
    const body = Buffer.alloc(MiB + 3);
    for (let i = 0; i < body.length; i++) body[i] = (i * 29) & 0xff;
    const stream = prefixed(body.length, body);
    for (const expected of [0, body.length, 4 * MiB]) {
      const d = new FrameDecoder(8 * MiB, address, () => expected);
      const frames: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const target = d.readTarget();
        const n = Math.min(target.length, 100_000, stream.length - at);
        stream.copy(target, 0, at, at + n);
        d.wrote(n, target, (f) => frames.push(f));
        at += n;
      }
      expect(frames.length).toBe(1);
      expect(frames[0]!.equals(body)).toBe(true);
    }
  });
});

describe('fetchRequest: the bound on its answer', () => {
  it('is exactly the largest answer a v0 broker can give (every set at its MaxBytes)', () => {
    const topics = [
      { topic: 'a', partitions: [{ partition: 0, fetchOffset: 0n, maxBytes: 1000 }] },
      {
        topic: 'ünïcode-topic',
        partitions: [
          { partition: 1, fetchOffset: 5n, maxBytes: 20 },
          { partition: 2, fetchOffset: 9n, maxBytes: 0 },
        ],
      },
    ];
    const bound = fetchRequest({ maxWaitMs: 100, minBytes: 1, topics }).responseBytesBound;
    const w = new Writer(4096);
    w.int32(7, 'correlationId');
    encodeFetchResponseBody(w, {
      topics: topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          errorCode: 0,
          highWatermark: 0n,
          messageSet: Buffer.alloc(p.maxBytes),
        })),
      })),
    });
    expect(bound).toBe(w.toBuffer().length);
  });
});
