import { describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import { decodeMessageSet, forEachMessage, verifyMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { outlineMessageSet } from '../../../src/protocol/message-set-outline.js';

// The engine's hot path reads a set in two steps (outline when it arrives, verify + visit when
// it is handed out); both must agree with the one-step decoder at every cut and on corruption.

const plain = encodeMessageSet(
  [0, 1, 2, 3, 4].map((i) => ({ key: i % 2 ? null : Buffer.from(`k${i}`), value: Buffer.alloc(i * 7, i) })),
  { baseOffset: 50n },
);
const wrapped = Buffer.concat([
  encodeMessageSet([{ value: Buffer.from('a') }, { value: Buffer.from('b') }], {
    codec: Codec.Gzip,
    baseOffset: 10n,
  }),
  encodeMessageSet([{ value: Buffer.from('c') }], { baseOffset: 12n }),
]);

describe('outlineMessageSet / verifyMessageSet', () => {
  for (const [name, full, compressed] of [
    ['plain', plain, false],
    ['with a gzip wrapper', wrapped, true],
  ] as const) {
    it(`agree with decodeMessageSet at every cut (${name})`, () => {
      for (let cut = 0; cut <= full.length; cut++) {
        const set = full.subarray(0, cut);
        const d = decodeMessageSet(set);
        const o = outlineMessageSet(set);
        expect(o.nextOffset, `cut ${cut}`).toBe(d.nextOffset);
        expect(o.partialTail, `cut ${cut}`).toBe(d.partialTail);
        expect(o.firstEntrySize, `cut ${cut}`).toBe(d.firstEntrySize);
        expect(o.validBytes, `cut ${cut}`).toBe(d.validBytes);
        expect(o.compressed, `cut ${cut}`).toBe(compressed && d.validBytes > 0);
        const v = verifyMessageSet(set.subarray(0, o.validBytes));
        expect(v.count).toBe(d.messages.length);
      }
    });
  }

  it('count and visits honour fetchOffset', () => {
    expect(verifyMessageSet(wrapped, { fetchOffset: 11n }).count).toBe(2);
    const seen: bigint[] = [];
    forEachMessage(plain, (o) => seen.push(o), { fetchOffset: 52n, verifyCrc: false });
    expect(seen).toEqual([52n, 53n, 54n]);
  });

  it('verify catches a bad CRC that the outline does not look at', () => {
    const bad = Buffer.from(plain);
    bad[bad.length - 1]! ^= 0xff;
    expect(outlineMessageSet(bad).nextOffset).toBe(55n);
    expect(() => verifyMessageSet(bad)).toThrow(CorruptError);
    expect(verifyMessageSet(bad, { verifyCrc: false }).count).toBe(5);
  });

  it('outline rejects a MessageSize below the minimum, like the decoder', () => {
    const bad = Buffer.from(plain);
    bad.writeInt32BE(3, 8);
    expect(() => outlineMessageSet(bad, { topic: 't', partition: 2 })).toThrow(CorruptError);
    expect(() => decodeMessageSet(bad)).toThrow(CorruptError);
  });
});

describe('outlineMessageSet pieces', () => {
  it('cuts complete entries into runs at entry boundaries, covering the set exactly', () => {
    const set = encodeMessageSet(
      Array.from({ length: 40 }, (_, i) => ({ value: Buffer.alloc(10 + (i % 7), i) })),
      { baseOffset: 7n },
    );
    const cut = set.subarray(0, set.length - 5);
    const o = outlineMessageSet(cut, { pieceBytes: 200 });
    expect(o.pieces.at(-1)?.end).toBe(o.validBytes);
    expect(o.pieces.at(-1)?.nextOffset).toBe(o.nextOffset);
    let from = 0;
    let offset = 7n;
    const seen: bigint[] = [];
    for (const piece of o.pieces) {
      expect(piece.end - from).toBeGreaterThan(0);
      const d = decodeMessageSet(cut.subarray(from, piece.end));
      expect(d.partialTail).toBe(false);
      expect(d.messages[0]?.offset).toBe(offset);
      expect(d.nextOffset).toBe(piece.nextOffset);
      seen.push(...d.messages.map((m) => m.offset));
      from = piece.end;
      offset = piece.nextOffset;
    }
    expect(o.pieces.length).toBeGreaterThan(3);
    expect(seen).toEqual(Array.from({ length: 39 }, (_, i) => 7n + BigInt(i)));
  });

  it('gives no piece for a set without a complete entry', () => {
    expect(outlineMessageSet(plain.subarray(0, 20), { pieceBytes: 10 }).pieces).toEqual([]);
  });
});
