import { describe, expect, it } from 'vitest';
import { FrameSizeError } from '../../../src/simple-consumer/errors.js';
import { FrameDecoder } from '../../../src/simple-consumer/frame-decoder.js';

const address = { host: 'h', port: 1 };

function frameOf(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Deterministic pseudo-random read sizes, as a socket would deliver them. */
function* sizes(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    yield 1 + (x % 9000);
  }
}

/** Plays `stream` through readTarget()/wrote() the way a socket with `onread` does. */
function play(stream: Buffer, seed: number, foreignEvery = 0): { frames: Buffer[]; direct: number } {
  const d = new FrameDecoder(1 << 20, address);
  const frames: Buffer[] = [];
  let at = 0;
  let reads = 0;
  let direct = 0;
  const gen = sizes(seed);
  while (at < stream.length) {
    reads++;
    const foreign = foreignEvery > 0 && reads % foreignEvery === 0;
    const target = foreign ? Buffer.alloc(3000) : d.readTarget();
    const n = Math.min(gen.next().value as number, target.length, stream.length - at);
    stream.copy(target, 0, at, at + n);
    // The scratch buffer is the only 64 KiB ArrayBuffer (no frame above has that size).
    const scratch = !foreign && target.buffer.byteLength === 64 * 1024;
    if (!foreign && !scratch) direct++;
    d.wrote(n, target, (f) => frames.push(f));
    // Whatever the decoder handed out must not change when a read buffer is reused.
    if (foreign || scratch) target.fill(0xee, 0, n);
    at += n;
  }
  return { frames, direct };
}

describe('FrameDecoder: reads straight into the frame', () => {
  const bodies = [5, 100, 70_000, 4, 300_000, 17, 9000, 65_535, 6].map((len, i) => Buffer.alloc(len, i + 1));
  const stream = Buffer.concat(bodies.map(frameOf));

  for (const seed of [1, 7, 42]) {
    it(`splits a stream read in arbitrary pieces into the same frames, none a view of a read buffer (seed ${seed})`, () => {
      const { frames, direct } = play(stream, seed);
      expect(frames.map((f) => f.length)).toEqual(bodies.map((b) => b.length));
      for (const [i, f] of frames.entries()) expect(f.equals(bodies[i]!)).toBe(true);
      // The large frames were mostly filled in place, not through the scratch buffer.
      expect(direct).toBeGreaterThan(10);
    });
  }

  it('accepts bytes read into a buffer it did not hand out', () => {
    const { frames } = play(stream, 3, 3);
    expect(frames.length).toBe(bodies.length);
    for (const [i, f] of frames.entries()) expect(f.equals(bodies[i]!)).toBe(true);
  });

  it('still refuses an oversized frame before allocating it', () => {
    const d = new FrameDecoder(1000, address);
    const target = d.readTarget();
    target.writeInt32BE(5000, 0);
    target.writeInt32BE(1, 4);
    expect(() => d.wrote(8, target, () => undefined)).toThrow(FrameSizeError);
  });
});
