import { afterEach, describe, expect, it } from 'vitest';
import { Codec, compress } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import {
  type DecodeMessageSetOptions,
  decodeMessageSet,
  expandMessageSet,
  forEachMessage,
  verifyMessageSet,
} from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { outlineMessageSet } from '../../../src/protocol/message-set-outline.js';
import { configureWasmVerify } from '../../../src/protocol/wasm-verify.js';
import { rawEntry } from './helpers.js';

// Offsets within a set must rise (Kafka's log append refuses anything else). A broker that lies
// (or a flipped byte in the offset field, which no CRC covers) must not move a consumer's
// position backwards: every walk refuses such a set with a typed error naming the offset.

const CONTEXT = { topic: 'orders', partition: 4 };

function plain(offsets: bigint[]): Buffer {
  return Buffer.concat(offsets.map((offset, i) => rawEntry({ offset, value: Buffer.alloc(40 + i, i) })));
}

/** A wrapper at `offset` holding plain messages at `inner` offsets, compressed with `codec`. */
function wrapper(offset: bigint, inner: bigint[], codec: 1 | 2 | 3 = Codec.Gzip): Buffer {
  return rawEntry({ offset, attributes: codec, value: compress(codec, plain(inner)) });
}

type Walk = (set: Buffer, options: DecodeMessageSetOptions) => unknown;

/** Every way the library walks a set: each must judge a set alike. */
const WALKS: [string, Walk][] = [
  ['decodeMessageSet', (s, o) => decodeMessageSet(s, o)],
  ['forEachMessage', (s, o) => forEachMessage(s, () => undefined, o)],
  ['verifyMessageSet (wasm)', (s, o) => verifyMessageSet(s, o)],
  [
    'verifyMessageSet (JS scan)',
    (s, o) => {
      configureWasmVerify({ enabled: false });
      return verifyMessageSet(s, o);
    },
  ],
  ['expandMessageSet', (s, o) => expandMessageSet(s, o)],
];

afterEach(() => configureWasmVerify({ enabled: true, windowBytes: 1024 * 1024 }));

function refusal(walk: Walk, set: Buffer, options: DecodeMessageSetOptions = {}): CorruptError {
  let caught: unknown;
  try {
    walk(set, { ...CONTEXT, ...options });
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CorruptError);
  return caught as CorruptError;
}

describe('offsets within a set must rise', () => {
  describe.each(WALKS)('%s', (_name, walk) => {
    it('refuses a plain entry that goes back, at the start, middle and end of a set', () => {
      for (const offsets of [
        [17n, 72n, 19n, 20n],
        [5n, 4n],
        [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 3n],
      ]) {
        const err = refusal(walk, plain(offsets));
        const bad = offsets.findIndex((o, i) => i > 0 && o <= offsets[i - 1]!);
        expect(err).toMatchObject({ reason: 'bad-offset', offset: offsets[bad], ...CONTEXT });
        expect(err.message).toContain(`does not follow ${offsets[bad - 1]}`);
      }
    });

    it('compares whole int64s: rising across the word and sign boundaries passes, a wrap fails', () => {
      const rising = [
        -(2n ** 63n),
        -(2n ** 32n),
        -1n,
        0n,
        2n ** 32n - 1n,
        2n ** 32n,
        2n ** 53n + 1n,
        2n ** 63n - 1n,
      ];
      expect(() => walk(plain(rising), {})).not.toThrow();
      expect(refusal(walk, plain([2n ** 63n - 1n, -(2n ** 63n)])).offset).toBe(-(2n ** 63n));
      expect(refusal(walk, plain([2n ** 32n, 2n ** 32n - 1n])).offset).toBe(2n ** 32n - 1n);
    });

    it('refuses a repeated offset, and a step back in the high word', () => {
      expect(refusal(walk, plain([8n, 9n, 9n, 10n])).offset).toBe(9n);
      expect(refusal(walk, plain([2n ** 32n + 5n, 2n ** 32n - 1n])).offset).toBe(2n ** 32n - 1n);
      expect(refusal(walk, plain([-1n, -(2n ** 40n)])).offset).toBe(-(2n ** 40n));
    });

    it('refuses inner messages that go back, or start at or below the entry before the wrapper', () => {
      expect(refusal(walk, wrapper(12n, [10n, 12n, 11n])).offset).toBe(11n);
      const afterPlain = Buffer.concat([plain([20n]), wrapper(22n, [20n, 21n, 22n], Codec.Snappy)]);
      expect(refusal(walk, afterPlain)).toMatchObject({ reason: 'bad-offset', offset: 20n });
      const afterWrapper = Buffer.concat([wrapper(3n, [1n, 2n, 3n]), wrapper(6n, [3n, 5n, 6n], Codec.Lz4)]);
      expect(refusal(walk, afterWrapper).offset).toBe(3n);
    });

    it('refuses a wrapper whose offset lies below its messages (the next position would go back), naming its last message', () => {
      // Its last message's offset, which the wrapper's CRC covers: reading on from it + 1 passes
      // the whole wrapper at once, where its claim + 1 would meet it again.
      const err = refusal(walk, wrapper(11n, [10n, 11n, 12n]));
      expect(err).toMatchObject({ reason: 'bad-offset', offset: 12n, ...CONTEXT });
      // With CRCs unchecked nothing vouches for the inner offsets: the claim is named.
      const unchecked = refusal(walk, wrapper(11n, [10n, 11n, 12n]), { verifyCrc: false });
      expect(unchecked).toMatchObject({ reason: 'bad-offset', offset: 11n });
      expect(err.message).toContain('below its last message');
    });

    it('refuses a plain entry at or below the wrapper before it', () => {
      const set = Buffer.concat([wrapper(30n, [10n, 11n]), plain([25n, 31n])]);
      expect(refusal(walk, set).offset).toBe(25n);
    });

    it('accepts gaps (compaction), a wrapper above its last message, and entries below the fetch offset', () => {
      const set = Buffer.concat([
        plain([3n, 9n]),
        wrapper(20n, [10n, 15n]),
        plain([21n, 1000n, 2n ** 40n]),
        wrapper(2n ** 40n + 3n, [2n ** 40n + 1n, 2n ** 40n + 3n], Codec.Lz4),
      ]);
      // A newer broker answers a v0 fetch from the start of the batch holding the fetch offset.
      for (const fetchOffset of [undefined, 0n, 12n, 1000n])
        expect(() => walk(set, { fetchOffset })).not.toThrow();
    });
  });

  it('the wasm walk and the JS scan agree across window slides on where a set goes back', () => {
    const offsets = Array.from({ length: 400 }, (_, i) => BigInt(i * 3));
    for (const at of [1, 2, 57, 199, 200, 398, 399]) {
      const lying = [...offsets];
      lying[at] = lying[at - 1]! - BigInt(at % 3);
      const set = plain(lying);
      for (const windowBytes of [64, 100, 1000, 4099, 65536]) {
        configureWasmVerify({ windowBytes, enabled: true });
        const wasm = refusal((s, o) => verifyMessageSet(s, o), set);
        configureWasmVerify({ enabled: false });
        const js = refusal((s, o) => verifyMessageSet(s, o), set);
        expect({ ...wasm, message: wasm.message }).toEqual({ ...js, message: js.message });
        expect(wasm.offset).toBe(lying[at]);
      }
    }
  });

  it('around the CRC switch (wasm walks Messages up to 387 bytes, the JS scan larger ones), plain and in every codec', () => {
    // A null key and a value of 373 bytes make a 387-byte Message; 374, one byte over.
    const entry = (offset: bigint, value: number) => rawEntry({ offset, value: Buffer.alloc(value, 7) });
    const sizes = [373, 374, 373, 374, 374, 373, 373];
    for (let at = 1; at < sizes.length; at++) {
      const offsets = sizes.map((_, i) => BigInt(10 + i));
      offsets[at] = offsets[at - 1]!;
      const set = Buffer.concat(sizes.map((v, i) => entry(offsets[i]!, v)));
      const rising = Buffer.concat(sizes.map((v, i) => entry(BigInt(10 + i), v)));
      for (const wasm of [true, false]) {
        configureWasmVerify({ enabled: wasm });
        expect(refusal((s, o) => verifyMessageSet(s, o), set).offset).toBe(offsets[at]);
        expect(verifyMessageSet(rising).count).toBe(sizes.length);
      }
      configureWasmVerify({ enabled: true });
      for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4] as const) {
        const wrapped = rawEntry({ offset: 16n, attributes: codec, value: compress(codec, set) });
        for (const [, walk] of WALKS) expect(refusal(walk, wrapped).offset).toBe(offsets[at]);
        const good = rawEntry({ offset: 16n, attributes: codec, value: compress(codec, rising) });
        for (const [, walk] of WALKS) expect(() => walk(good, {})).not.toThrow();
      }
    }
  });

  it('the outline refuses a step back where pieces meet, and leaves steps within a piece to its verify', () => {
    const offsets = Array.from({ length: 60 }, (_, i) => BigInt(i));
    const first = outlineMessageSet(plain(offsets), { pieceBytes: 1024 }).pieces[0]!;
    // k ends the first piece: each piece on its own rises, the set does not.
    const k = Number(first.nextOffset) - 1;
    const boundary = [...offsets];
    boundary[k] = 500n;
    let caught: unknown;
    try {
      outlineMessageSet(plain(boundary), { ...CONTEXT, pieceBytes: 1024 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CorruptError);
    expect(caught).toMatchObject({ reason: 'bad-offset', offset: BigInt(k + 1), ...CONTEXT });
    // The same step inside a piece: the outline passes it, the piece's verify refuses it.
    const inside = [...offsets];
    inside[k - 3] = 500n;
    const outline = outlineMessageSet(plain(inside), { pieceBytes: 1024 });
    const set = plain(inside).subarray(0, outline.pieces[0]!.end);
    expect(refusal((s, o) => verifyMessageSet(s, o), set).offset).toBe(BigInt(k - 2));
  });

  it("requireRisingOffsets: false reads a Produce request's set, each batch numbered from 0", () => {
    const batch = (codec: 0 | 1 | 2 | 3) =>
      encodeMessageSet([{ value: Buffer.from('a') }, { value: Buffer.from('b') }], { codec });
    const set = Buffer.concat([batch(Codec.None), batch(Codec.Gzip), batch(Codec.None), batch(Codec.Lz4)]);
    for (const [, walk] of WALKS) {
      expect(refusal(walk, set).reason).toBe('bad-offset');
      expect(() => walk(set, { requireRisingOffsets: false })).not.toThrow();
    }
    const offsets = decodeMessageSet(set, { requireRisingOffsets: false }).messages.map((m) => m.offset);
    expect(offsets).toEqual([0n, 1n, 0n, 1n, 0n, 1n, 0n, 1n]);
  });

  it('accepts what real producers write: encodeMessageSet sets in every codec, back to back', () => {
    const parts: Buffer[] = [];
    let next = 0n;
    for (const codec of [Codec.None, Codec.Gzip, Codec.Snappy, Codec.Lz4, Codec.None, Codec.Gzip]) {
      const values = Array.from({ length: 7 }, (_, i) => ({ value: Buffer.from(`v${next + BigInt(i)}`) }));
      parts.push(encodeMessageSet(values, { baseOffset: next, codec }));
      next += 7n;
    }
    const set = Buffer.concat(parts);
    for (const [, walk] of WALKS) expect(() => walk(set, {})).not.toThrow();
    expect(outlineMessageSet(set).nextOffset).toBe(next);
    expect(decodeMessageSet(set).messages.map((m) => m.offset)).toEqual(
      Array.from({ length: 42 }, (_, i) => BigInt(i)),
    );
  });
});
