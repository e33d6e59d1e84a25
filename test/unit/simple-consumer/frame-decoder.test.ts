import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameSizeError, NotKafkaError } from '../../../src/simple-consumer/errors.js';
import { FrameDecoder, sniffForeignProtocol } from '../../../src/simple-consumer/frame-decoder.js';

const address = { host: 'broker', port: 9092 };

function frameOf(correlationId: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeInt32BE(4 + payload.length, 0);
  b.writeInt32BE(correlationId, 4);
  payload.copy(b, 8);
  return b;
}

function collect(decoder: FrameDecoder, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  // Copies, because a frame handed out may be a view into a chunk the caller goes on to reuse.
  for (const c of chunks) decoder.push(c, (f) => out.push(Buffer.from(f)));
  return out;
}

/** Hex, because deep-equality on large Buffers is slow in the assertion library. */
function hex(frames: Buffer[]): string[] {
  return frames.map((f) => f.toString('hex'));
}

/** Three frames of different sizes, one of them empty apart from the correlation id. */
const frames = [
  frameOf(1, Buffer.from('first')),
  frameOf(2, Buffer.alloc(0)),
  frameOf(3, Buffer.alloc(3000, 0xab)),
];
const stream = Buffer.concat(frames);
const expected = hex(frames.map((f) => f.subarray(4)));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FrameDecoder', () => {
  it('splits one chunk holding several frames', () => {
    expect(hex(collect(new FrameDecoder(1 << 20, address), [stream]))).toEqual(expected);
  });

  it('reassembles frames fed one byte at a time', () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    expect(hex(collect(new FrameDecoder(1 << 20, address), chunks))).toEqual(expected);
  });

  it('reassembles frames for every way of cutting the stream in two', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = hex(
        collect(new FrameDecoder(1 << 20, address), [stream.subarray(0, cut), stream.subarray(cut)]),
      );
      expect(got, `cut at ${cut}`).toEqual(expected);
    }
  });

  it('reports what is held back of an incomplete frame', () => {
    const d = new FrameDecoder(1 << 20, address);
    d.push(stream.subarray(0, 2), () => undefined);
    expect(d.pendingBytes).toBe(2);
    expect(d.pendingFrameSize).toBeUndefined();
    d.push(stream.subarray(2, 6), () => undefined);
    expect(d.pendingFrameSize).toBe(9);
    expect(d.pendingBytes).toBe(6);
  });

  it.each([0, 3, -1, -0x80000000])('rejects the frame size %i', (size) => {
    const head = Buffer.alloc(8);
    head.writeInt32BE(size, 0);
    const d = new FrameDecoder(1 << 20, address);
    const err = (() => {
      try {
        d.push(head, () => undefined);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(FrameSizeError);
    expect((err as FrameSizeError).size).toBe(size);
    expect((err as FrameSizeError).host).toBe('broker');
  });

  it('rejects a declared 2 GiB frame over a 1 KiB maximum without allocating it', () => {
    const allocUnsafe = vi.spyOn(Buffer, 'allocUnsafe');
    const alloc = vi.spyOn(Buffer, 'alloc');
    const d = new FrameDecoder(1024, address);
    // Prefix first, then a split one to exercise the path that would allocate the frame buffer.
    for (const chunks of [
      [Buffer.from([0x7f, 0xff, 0xff, 0xff, 0])],
      [Buffer.from([0x7f, 0xff]), Buffer.from([0xff, 0xff])],
    ]) {
      const fresh = new FrameDecoder(1024, address);
      expect(() => collect(fresh, chunks)).toThrow(FrameSizeError);
    }
    expect(() => d.push(Buffer.from([0, 0, 4, 1]), () => undefined)).toThrow(FrameSizeError);
    const big = [...allocUnsafe.mock.calls, ...alloc.mock.calls].filter(
      ([n]) => typeof n === 'number' && n > 1024,
    );
    expect(big).toEqual([]);
  });

  it('accepts a frame of exactly the maximum size', () => {
    const f = frameOf(9, Buffer.alloc(1020));
    expect(collect(new FrameDecoder(1024, address), [f.subarray(0, 10), f.subarray(10)])).toHaveLength(1);
  });

  it.each([
    ['HTTP', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['TLS', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])],
    ['TLS', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])],
    ['SSH', Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')],
  ])('names a %s answer as not Kafka', (protocol, bytes) => {
    const d = new FrameDecoder(100 * 1024 * 1024, address);
    try {
      d.push(bytes, () => undefined);
      expect.unreachable('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(NotKafkaError);
      expect((e as NotKafkaError).protocol).toBe(protocol);
      expect((e as Error).message).toContain('does not look like a Kafka broker');
    }
  });

  it('sniffs the first frame even when its size would be acceptable', () => {
    const d = new FrameDecoder(0x7fffffff, address);
    expect(() => d.push(Buffer.from('HTTP/1.0 200 OK\r\n'), () => undefined)).toThrow(NotKafkaError);
  });

  it('does not sniff later frames whose size happens to look like TLS', () => {
    const size = 0x16030100;
    const d = new FrameDecoder(size, address);
    d.push(frameOf(1, Buffer.alloc(0)), () => undefined);
    d.push(Buffer.from([0x16, 0x03, 0x01, 0x00]), () => undefined);
    expect(d.pendingFrameSize).toBe(size);
  });

  it('recognises nothing in ordinary size prefixes', () => {
    expect(sniffForeignProtocol(Buffer.from([0, 0, 0, 8]))).toBeUndefined();
    expect(sniffForeignProtocol(Buffer.from([0x15, 0x03]))).toBeUndefined();
    expect(sniffForeignProtocol(Buffer.from([0x18, 0x03, 0x03, 0]))).toBeUndefined();
  });

  it('stops at an exception thrown by the frame callback', () => {
    const d = new FrameDecoder(1 << 20, address);
    let calls = 0;
    expect(() =>
      d.push(stream, () => {
        calls++;
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(calls).toBe(1);
  });
});
