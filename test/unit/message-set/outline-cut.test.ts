import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../../src/protocol/errors.js';
import { verifyMessageSet } from '../../../src/protocol/message-set.js';
import { type MessageSetOutline, outlineMessageSet } from '../../../src/protocol/message-set-outline.js';
import { rawEntry } from './helpers.js';

// With cutAtFault the outline hands back what precedes a corrupt entry (and, for a step back in
// offsets, the entry before it too, since either may be the liar) and the error, instead of
// refusing the whole set: the engine delivers those pieces, then stops the partition. What must
// hold: every piece verifies alone, and no piece ends past an entry that is not handed out.

const CONTEXT = { topic: 'orders', partition: 4 };

function entries(offsets: bigint[]): Buffer[] {
  return offsets.map((offset, i) => rawEntry({ offset, value: Buffer.alloc(40 + i, i) }));
}

function starts(parts: Buffer[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const p of parts) {
    out.push(at);
    at += p.length;
  }
  return out;
}

/** Each piece verifies alone and its next offset follows its last message. */
function expectSoundPieces(set: Buffer, o: MessageSetOutline): void {
  let from = 0;
  for (const piece of o.pieces) {
    const summary = verifyMessageSet(set.subarray(from, piece.end));
    expect(summary.nextOffset).toBe(piece.nextOffset);
    from = piece.end;
  }
  expect(from).toBe(o.validBytes);
}

const rising = Array.from({ length: 60 }, (_, i) => BigInt(i));

describe('outlineMessageSet with cutAtFault', () => {
  it('a step back where pieces meet: the pieces before it, minus the entry before the step', () => {
    const first = outlineMessageSet(Buffer.concat(entries(rising)), { pieceBytes: 1024 }).pieces;
    for (const boundary of [0, 1]) {
      // k ends piece `boundary`: it claims 500, so k + 1 steps back.
      const k = Number(first[boundary]!.nextOffset) - 1;
      const offsets = [...rising];
      offsets[k] = 500n;
      const parts = entries(offsets);
      const set = Buffer.concat(parts);
      const o = outlineMessageSet(set, { ...CONTEXT, pieceBytes: 1024, cutAtFault: true });
      expect(o.fault).toBeInstanceOf(CorruptError);
      expect(o.fault).toMatchObject({ reason: 'bad-offset', offset: BigInt(k + 1), ...CONTEXT });
      expect(o.validBytes).toBe(starts(parts)[k]);
      expect(o.nextOffset).toBe(BigInt(k));
      expect(o.entries).toBe(k);
      expect(o.partialTail).toBe(false);
      expect(o.pieces.length).toBe(boundary + 1);
      expect(o.pieces.at(-1)!.nextOffset).toBe(BigInt(k));
      expectSoundPieces(set, o);
      expect(() => outlineMessageSet(set, { ...CONTEXT, pieceBytes: 1024 })).toThrow(CorruptError);
    }
  });

  it('a step back after a piece of one entry drops that piece whole', () => {
    // One entry per piece; entry 3 claims 10 and entry 4 steps back to 4.
    const parts = entries([0n, 1n, 2n, 10n, 4n, 5n]);
    const set = Buffer.concat(parts);
    const o = outlineMessageSet(set, { pieceBytes: 1, cutAtFault: true });
    expect(o.fault).toMatchObject({ reason: 'bad-offset', offset: 4n });
    expect(o.pieces.map((p) => p.nextOffset)).toEqual([1n, 2n, 3n]);
    expect(o.nextOffset).toBe(3n);
    expect(o.validBytes).toBe(starts(parts)[3]);
    expectSoundPieces(set, o);
  });

  it('a step back right after the first entry leaves nothing to hand out', () => {
    const set = Buffer.concat(entries([10n, 4n, 5n]));
    const o = outlineMessageSet(set, { pieceBytes: 1, cutAtFault: true });
    expect(o.fault).toMatchObject({ reason: 'bad-offset', offset: 4n });
    expect(o.pieces).toEqual([]);
    expect(o.nextOffset).toBeNull();
    expect(o.validBytes).toBe(0);
    expect(o.entries).toBe(0);
  });

  it('a MessageSize below the minimum: everything in front of that entry, in pieces', () => {
    const parts = entries(rising);
    parts[40] = Buffer.from(parts[40]!);
    parts[40].writeInt32BE(3, 8);
    const set = Buffer.concat(parts);
    const o = outlineMessageSet(set, { ...CONTEXT, pieceBytes: 1024, cutAtFault: true });
    expect(o.fault).toMatchObject({ reason: 'bad-length', offset: 40n, ...CONTEXT });
    expect(o.nextOffset).toBe(40n);
    expect(o.entries).toBe(40);
    expect(o.validBytes).toBe(starts(parts)[40]);
    expect(o.pieces.at(-1)!.end).toBe(starts(parts)[40]);
    expectSoundPieces(set, o);
    expect(() => outlineMessageSet(set, { pieceBytes: 1024 })).toThrow(CorruptError);
  });

  it('a sound set outlines the same with or without cutAtFault', () => {
    const set = Buffer.concat(entries(rising));
    const cut = outlineMessageSet(set, { pieceBytes: 1024, cutAtFault: true });
    expect(cut.fault).toBeUndefined();
    expect(cut).toEqual(outlineMessageSet(set, { pieceBytes: 1024 }));
  });

  it('requireRisingOffsets: false outlines a step back where pieces meet as it is', () => {
    const offsets = [0n, 1n, 2n, 10n, 4n, 5n];
    const set = Buffer.concat(entries(offsets));
    const o = outlineMessageSet(set, { pieceBytes: 1, requireRisingOffsets: false, cutAtFault: true });
    expect(o.fault).toBeUndefined();
    expect(o.pieces.map((p) => p.nextOffset)).toEqual(offsets.map((x) => x + 1n));
    expect(o.validBytes).toBe(set.length);
  });
});
