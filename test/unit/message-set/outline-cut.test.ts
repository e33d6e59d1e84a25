import { describe, expect, it } from 'vitest';
import { CorruptError } from '../../../src/protocol/errors.js';
import { verifyMessageSet } from '../../../src/protocol/message-set.js';
import { type MessageSetOutline, outlineMessageSet } from '../../../src/protocol/message-set-outline.js';
import { rawEntry } from './helpers.js';

// With cutAtFault the outline hands back what precedes a corrupt entry and the error, instead of
// refusing the whole set: the engine delivers those pieces, then stops the partition. A step back
// in offsets where two pieces meet joins them instead, so that the piece's check at hand-out
// judges it with the rules it has for a step inside a piece (tested with the engine in
// fetch-engine-offset-lie-cut.test.ts). What must hold: every sound piece verifies alone.

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

/** The error verifyMessageSet throws for `set`. */
function refusal(set: Buffer): unknown {
  try {
    verifyMessageSet(set);
  } catch (e) {
    return e;
  }
  throw new Error('verifyMessageSet accepted the set');
}

const rising = Array.from({ length: 60 }, (_, i) => BigInt(i));

describe('outlineMessageSet with cutAtFault', () => {
  it('a step back where pieces meet joins the two pieces, and the joined one, checked alone, refuses the step', () => {
    const first = outlineMessageSet(Buffer.concat(entries(rising)), { pieceBytes: 1024 }).pieces;
    for (const boundary of [0, 1]) {
      // k ends piece `boundary`: it claims 500, so k + 1 steps back.
      const k = Number(first[boundary]!.nextOffset) - 1;
      const offsets = [...rising];
      offsets[k] = 500n;
      const parts = entries(offsets);
      const set = Buffer.concat(parts);
      const o = outlineMessageSet(set, { ...CONTEXT, pieceBytes: 1024, cutAtFault: true });
      expect(o.fault).toBeUndefined();
      expect(o.validBytes).toBe(set.length);
      expect(o.entries).toBe(60);
      expect(o.nextOffset).toBe(60n);
      // The pieces in front as they were; the next runs across the step and two entries on.
      expect(o.pieces.slice(0, boundary)).toEqual(first.slice(0, boundary));
      const from = boundary === 0 ? 0 : first[boundary - 1]!.end;
      const joined = o.pieces[boundary]!;
      expect(joined.end).toBeGreaterThanOrEqual(starts(parts)[k + 3]!);
      expect(refusal(set.subarray(from, joined.end))).toMatchObject({
        reason: 'bad-offset',
        offset: BigInt(k + 1),
      });
      expectSoundPieces(set.subarray(joined.end), {
        ...o,
        pieces: o.pieces.slice(boundary + 1).map((p) => ({ ...p, end: p.end - joined.end })),
        validBytes: o.validBytes - joined.end,
      });
      expect(() => outlineMessageSet(set, { ...CONTEXT, pieceBytes: 1024 })).toThrow(CorruptError);
    }
  });

  it('pieces of one entry: the step joins the entry before it and the two after it into one piece', () => {
    // Entry 3 claims 10 and entry 4 steps back to 4.
    const set = Buffer.concat(entries([0n, 1n, 2n, 10n, 4n, 5n, 6n]));
    const o = outlineMessageSet(set, { pieceBytes: 1, cutAtFault: true });
    expect(o.fault).toBeUndefined();
    expect(o.pieces.map((p) => p.nextOffset)).toEqual([1n, 2n, 3n, 6n, 7n]);
    expect(o.nextOffset).toBe(7n);
  });

  it('a step back right after the first entry: one piece from the first entry on, nothing dropped', () => {
    const set = Buffer.concat(entries([10n, 4n, 5n]));
    const o = outlineMessageSet(set, { pieceBytes: 1, cutAtFault: true });
    expect(o.fault).toBeUndefined();
    expect(o.pieces).toEqual([{ end: set.length, nextOffset: 6n }]);
    expect(o.entries).toBe(3);
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
