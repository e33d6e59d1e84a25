import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { type DecodeMessageSetOptions, verifyMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet, type MessageToEncode } from '../../../src/protocol/message-set-encode.js';
import { configureWasmVerify, wasmVerifyAvailable } from '../../../src/protocol/wasm-verify.js';
import { fixCrc, rawEntry } from '../message-set/helpers.js';

// Differential tests: verifyMessageSet with the wasm walk must give exactly what the plain JS scan
// (the walk switched off) gives, summary or error, on valid, broken and hostile sets.

const DEFAULT_WINDOW = 1024 * 1024;
const params = { seed: 0x08_0b_0e, numRuns: 300 };

function outcome(buf: Buffer, options: DecodeMessageSetOptions | undefined, wasm: boolean): unknown {
  configureWasmVerify({ enabled: wasm });
  try {
    return { ok: verifyMessageSet(buf, options) };
  } catch (e) {
    // Anything but CorruptError (RangeError, a wasm trap...) fails the test by escaping.
    if (!(e instanceof CorruptError)) throw e;
    const { reason, message, position, field, offset, topic, partition } = e;
    return { err: { reason, message, position, field, offset, topic, partition } };
  } finally {
    configureWasmVerify({ enabled: true });
  }
}

/** Asserts both paths agree and returns the outcome for further checks. */
function same(buf: Buffer, options?: DecodeMessageSetOptions): unknown {
  const reference = outcome(buf, options, false);
  expect(outcome(buf, options, true)).toEqual(reference);
  return reference;
}

/** A small deterministic PRNG, so set shapes are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(n: number, r: () => number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/** Messages shaped like real traffic: null/empty/short keys, null/empty/100-byte/large values. */
function messages(n: number, seed: number, large = 0.02): MessageToEncode[] {
  const r = rng(seed);
  const out: MessageToEncode[] = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    const key = k < 0.6 ? null : k < 0.7 ? Buffer.alloc(0) : bytes(1 + ((r() * 30) | 0), r);
    const v = r();
    const value =
      v < 0.05
        ? null
        : v < 0.1
          ? Buffer.alloc(0)
          : v < 1 - large
            ? bytes(100, r)
            : bytes(300 + ((r() * 3000) | 0), r);
    out.push({ key, value });
  }
  return out;
}

const fetchOffsets = (base: bigint, n: number): (bigint | undefined)[] => [
  undefined,
  base,
  base + BigInt(n >> 1),
  base + BigInt(n) + 5n,
  base - 1n,
  0n,
  -1n,
  2n ** 63n,
  -(2n ** 64n),
];

beforeAll(() => {
  // Otherwise every comparison below would compare the JS scan with itself.
  expect(wasmVerifyAvailable()).toBe(true);
});

afterEach(() => {
  configureWasmVerify({ enabled: true, windowBytes: DEFAULT_WINDOW });
});

describe('verifyMessageSet: wasm walk vs JS scan', () => {
  it('agrees on real-shaped sets of many sizes and fetch offsets, CRC on and off', () => {
    for (const n of [0, 1, 2, 3, 17, 250, 2000]) {
      const base = 1_000_000n;
      const set = encodeMessageSet(messages(n, n + 1), { baseOffset: base });
      for (const fetchOffset of fetchOffsets(base, n)) {
        for (const verifyCrc of [true, false]) {
          const r = same(set, { fetchOffset, verifyCrc, topic: 't', partition: 3 }) as { ok?: unknown };
          expect(r.ok).toBeDefined();
        }
      }
    }
  });

  it('counts and resumes like the JS scan on a realistic 1 MiB set', () => {
    const set = encodeMessageSet(
      Array.from({ length: 8322 }, (_, i) => ({ key: null, value: Buffer.alloc(100, i) })),
      { baseOffset: 5n },
    );
    const r = same(set, { fetchOffset: 105n }) as { ok: { count: number; nextOffset: bigint } };
    expect(r.ok.count).toBe(8322 - 100);
    expect(r.ok.nextOffset).toBe(5n + 8322n);
  });

  it('agrees on every truncation of a small mixed set (plain, large, compressed, null fields)', () => {
    const set = Buffer.concat([
      encodeMessageSet(messages(4, 7, 0.3), { baseOffset: 10n }),
      encodeMessageSet(messages(3, 8), { baseOffset: 14n, codec: Codec.Gzip }),
      rawEntry({ offset: 17n, key: Buffer.alloc(0), value: null }),
      rawEntry({ offset: 18n, value: Buffer.alloc(600, 1) }),
      encodeMessageSet(messages(3, 9), { baseOffset: 19n }),
    ]);
    for (let cut = 0; cut <= set.length; cut++) {
      for (const fetchOffset of [undefined, 12n, 16n]) same(set.subarray(0, cut), { fetchOffset });
    }
  });

  it('agrees on sets with flipped bytes, bad lengths, magic, CRCs and codecs (fixed seed)', () => {
    const base = encodeMessageSet(messages(40, 11, 0.1), { baseOffset: 100n });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.boolean(),
        fc.option(fc.bigInt({ min: 90n, max: 150n }), { nil: undefined }),
        (edits, cut, refix, fetchOffset) => {
          const buf = Buffer.from(base);
          for (const [at, byte] of edits) buf[at % buf.length] = byte;
          if (refix) refixAll(buf);
          same(buf, { fetchOffset });
          same(buf.subarray(0, cut % (buf.length + 1)), { fetchOffset });
        },
      ),
      params,
    );
  });

  it('agrees on targeted field damage at every entry of a set', () => {
    const list = messages(30, 12, 0.1).map((m, i) => encodeMessageSet([m], { baseOffset: BigInt(i) }));
    const starts: number[] = [];
    let next = 0;
    for (const e of list) {
      starts.push(next);
      next += e.length;
    }
    const set = Buffer.concat(list);
    const setByte = (b: Buffer, at: number, v: number) => {
      b[at] = v;
    };
    const flip = (b: Buffer, at: number, mask: number) => {
      b[at] = b[at]! ^ mask;
    };
    const damage: [string, (b: Buffer, at: number) => void][] = [
      ['size below minimum', (b, at) => b.writeInt32BE(13, at + 8)],
      ['size negative', (b, at) => b.writeInt32BE(-5, at + 8)],
      ['size too large', (b, at) => b.writeInt32BE(0x7fffffff, at + 8)],
      ['size one short', (b, at) => b.writeInt32BE(b.readInt32BE(at + 8) - 1, at + 8)],
      ['size one long', (b, at) => b.writeInt32BE(b.readInt32BE(at + 8) + 1, at + 8)],
      ['magic 1', (b, at) => setByte(b, at + 16, 1)],
      ['codec 5', (b, at) => setByte(b, at + 17, 5)],
      ['codec gzip on plain bytes', (b, at) => setByte(b, at + 17, 1)],
      ['high attribute bits', (b, at) => setByte(b, at + 17, 0xf8)],
      ['key length -2', (b, at) => b.writeInt32BE(-2, at + 18)],
      ['key length huge', (b, at) => b.writeInt32BE(0x7ffffff0, at + 18)],
      ['key length 0', (b, at) => b.writeInt32BE(0, at + 18)],
      ['crc', (b, at) => flip(b, at + 12, 0x80)],
      ['last byte', (b, at) => flip(b, at + 11 + b.readInt32BE(at + 8), 1)],
    ];
    for (const [name, hit] of damage) {
      for (const at of starts) {
        for (const refix of [false, true]) {
          const buf = Buffer.from(set);
          hit(buf, at);
          if (refix && buf.readInt32BE(at + 8) >= 14 && at + 12 + buf.readInt32BE(at + 8) <= buf.length)
            fixCrc(buf, at);
          const r = same(buf, { fetchOffset: 3n }) as { err?: unknown; ok?: unknown };
          expect(r.err ?? r.ok, name).toBeDefined();
        }
      }
    }
  });

  it('agrees when compressed wrappers sit between plain entries, and inside them errors keep positions', () => {
    const parts: Buffer[] = [];
    let offset = 0n;
    for (let i = 0; i < 12; i++) {
      const n = 1 + (i % 4);
      const codec = [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4][i % 4]!;
      parts.push(encodeMessageSet(messages(n, 20 + i), { baseOffset: offset, codec }));
      offset += BigInt(n);
    }
    const set = Buffer.concat(parts);
    for (const fetchOffset of [undefined, 0n, 7n, 13n, offset]) same(set, { fetchOffset });
    // Damage inside the gzip body of the second part, CRC fixed so the decompressor sees it.
    const at = parts[0]!.length;
    const bad = Buffer.from(set);
    bad[at + 40] = bad[at + 40]! ^ 0xff;
    fixCrc(bad, at);
    expect((same(bad) as { err?: { position: number } }).err?.position).toBe(at + 12);
  });

  it('agrees on offsets above 2^53, near the int64 limits and negative', () => {
    // Rising, as offsets in a set must (a set going back stops both walks at the same entry).
    const values = [
      -(2n ** 63n),
      -(2n ** 32n),
      -1n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 53n - 2n,
      2n ** 53n + 7n,
      2n ** 62n,
      2n ** 63n - 3n,
    ];
    const entries = values.map((offset, i) => rawEntry({ offset, value: Buffer.alloc(50 + i, i) }));
    const set = Buffer.concat(entries);
    for (const fetchOffset of [
      undefined,
      ...values,
      ...values.map((v) => v + 1n),
      2n ** 63n,
      -(2n ** 63n) - 1n,
    ]) {
      expect((same(set, { fetchOffset }) as { ok?: unknown }).ok).toBeDefined();
    }
  });

  it('agrees across window slides: small windows, entries larger than the window, cut headers', () => {
    const set = Buffer.concat([
      encodeMessageSet(messages(300, 31, 0.05), { baseOffset: 0n }),
      encodeMessageSet(messages(5, 32), { baseOffset: 300n, codec: Codec.Snappy }),
      encodeMessageSet(messages(200, 33, 0.05), { baseOffset: 305n }),
    ]);
    for (const windowBytes of [64, 100, 131, 256, 1000, 4099, 65536]) {
      configureWasmVerify({ windowBytes });
      for (const fetchOffset of [undefined, 150n, 400n]) same(set, { fetchOffset });
      same(set.subarray(0, set.length - 7));
      const bad = Buffer.from(set);
      bad[bad.length - 30] = bad[bad.length - 30]! ^ 1;
      expect((same(bad) as { err?: { reason: string } }).err?.reason).toBe('bad-crc');
    }
  });

  it('agrees on a set several times the default window', () => {
    const set = encodeMessageSet(messages(30_000, 41, 0.01), { baseOffset: 9n });
    expect(set.length).toBeGreaterThan(3 * DEFAULT_WINDOW);
    same(set, { fetchOffset: 20_000n });
    same(set.subarray(0, set.length - 50));
    const bad = Buffer.from(set);
    bad[bad.length - 200] = bad[bad.length - 200]! ^ 4;
    same(bad);
  });

  it('agrees on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => void same(Buffer.from(b))),
      params,
    );
  });
});

/** Re-computes the CRC of every complete entry, so damage past the CRC reaches the other checks. */
function refixAll(buf: Buffer): void {
  let at = 0;
  while (buf.length - at >= 12) {
    const size = buf.readInt32BE(at + 8);
    if (size < 14 || at + 12 + size > buf.length) return;
    fixCrc(buf, at);
    at += 12 + size;
  }
}

describe.each([
  ['wasm walk', true],
  ['JS scan (fallback, as without WebAssembly)', false],
])('verifyMessageSet with the %s', (_name, wasm) => {
  const run = (buf: Buffer, options?: DecodeMessageSetOptions) => {
    configureWasmVerify({ enabled: wasm });
    return verifyMessageSet(buf, options);
  };

  it('counts messages at or above the fetch offset and reports where to resume', () => {
    const set = encodeMessageSet(messages(500, 51), { baseOffset: 1000n });
    expect(run(set, { fetchOffset: 1200n })).toEqual({
      partialTail: false,
      nextOffset: 1500n,
      firstEntrySize: undefined,
      validBytes: set.length,
      count: 300,
    });
  });

  it('reports a partial tail and the first entry size of a set that holds none complete', () => {
    const set = encodeMessageSet(messages(20, 52), { baseOffset: 0n });
    const r = run(set.subarray(0, set.length - 3));
    expect(r.partialTail).toBe(true);
    expect(r.nextOffset).toBe(19n);
    expect(r.count).toBe(19);
    const one = rawEntry({ value: Buffer.alloc(100) });
    expect(run(one.subarray(0, 40))).toMatchObject({
      partialTail: true,
      firstEntrySize: one.length,
      count: 0,
    });
  });

  it('throws the bad CRC with its position and offset', () => {
    const list = Array.from({ length: 50 }, (_, i) =>
      rawEntry({ offset: BigInt(i), value: Buffer.alloc(90, i) }),
    );
    const set = Buffer.concat(list);
    const at = list[0]!.length * 37;
    set[at + 30] = set[at + 30]! ^ 1;
    let caught: unknown;
    try {
      run(set, { topic: 't', partition: 1 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CorruptError);
    expect(caught).toMatchObject({
      reason: 'bad-crc',
      position: at + 12,
      offset: 37n,
      topic: 't',
      partition: 1,
    });
  });
});
