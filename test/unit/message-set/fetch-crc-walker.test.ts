import { describe, expect, it } from 'vitest';
import { crc32Js } from '../../../src/protocol/crc32.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import {
  decodeFetchResponseBody,
  encodeFetchResponseBody,
  type FetchResponse,
} from '../../../src/protocol/fetch.js';
import { FetchCrcWalker, MIN_CHECKED_MESSAGE } from '../../../src/protocol/fetch-crc-walker.js';
import { expandMessageSet, verifyMessageSet } from '../../../src/protocol/message-set.js';
import { encodeMessageSet } from '../../../src/protocol/message-set-encode.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { LazyMessageBatch } from '../../../src/simple-consumer/fetch-engine/message-batch.js';
import { encodeGroups, planGroups, rng } from '../../fixtures/message-set/threshold-sets.js';

// The walker checks CRCs while a Fetch response arrives; the hand-out verification then skips
// them. Its claims must not depend on how the bytes were split, must never cover an entry whose
// CRC is wrong, and must not change any verification outcome.

/** A response frame as the connection sees it: correlation id, then the body. */
function frameOf(response: FetchResponse, correlationId = 7): Buffer {
  const w = new Writer();
  w.int32(correlationId);
  encodeFetchResponseBody(w, response);
  return w.toBuffer();
}

function randomResponse(r: () => number, large: boolean): FetchResponse {
  const topics = 1 + Math.floor(r() * 2);
  let base = 100n;
  return {
    topics: Array.from({ length: topics }, (_, t) => ({
      topic: `topic-${t}`,
      partitions: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, partition) => {
        const roll = r();
        if (roll < 0.1) return { partition, errorCode: 1, highWatermark: -1n, messageSet: Buffer.alloc(0) };
        const groups = encodeGroups(
          planGroups(r, r() < 0.7 ? [0] : [0, 1, 2], 1 + Math.floor(r() * 6)),
          base,
        );
        base += 1000n;
        let set = Buffer.concat(groups.map((g) => g.bytes));
        if (!large && set.length > 1500) set = set.subarray(0, 1500);
        // A fetch usually ends inside an entry.
        if (r() < 0.4) set = set.subarray(0, Math.floor(set.length * (0.3 + 0.7 * r())));
        return { partition, errorCode: 0, highWatermark: base, messageSet: set };
      }),
    })),
  };
}

/** A copy of `frame` with random damage: flipped bytes, or an int32 somewhere made odd. */
function mutate(frame: Buffer, r: () => number): Buffer {
  const out = Buffer.from(frame);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * out.length);
    if (r() < 0.6) out[at] = out[at]! ^ (1 << Math.floor(r() * 8));
    else if (at + 4 <= out.length) {
      const odd = [-2, -1, 0, 13, 14, 0x7fffffff, out.length][Math.floor(r() * 7)]!;
      out.writeInt32BE(odd, at);
    }
  }
  return out;
}

function wholeClaims(frame: Buffer): number[] {
  const w = new FetchCrcWalker();
  w.advance(frame, frame.length);
  return [...w.claims];
}

/**
 * Feeds `frame` as it would arrive: one buffer at full size whose not-yet-arrived bytes are
 * garbage, so a walker reading past `filled` sees wrong data.
 */
function chunkedClaims(frame: Buffer, cuts: readonly number[]): number[] {
  const arriving = Buffer.alloc(frame.length, 0xa5);
  const w = new FetchCrcWalker();
  let filled = 0;
  for (const cut of [...cuts, frame.length]) {
    frame.copy(arriving, filled, filled, cut);
    filled = cut;
    w.advance(arriving, filled);
  }
  return [...w.claims];
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function randomCuts(r: () => number, length: number, pieces: number): number[] {
  const cuts = Array.from({ length: pieces }, () => Math.floor(r() * length));
  return cuts.sort((a, b) => a - b);
}

/** Checks each claim with an independent walk: whole entries, each CRC right, ending exactly there. */
function expectSound(frame: Buffer, claims: readonly number[]): void {
  for (let k = 0; k < claims.length; k += 2) {
    const start = claims[k]!;
    const end = start + claims[k + 1]!;
    let p = start;
    while (p < end) {
      const size = frame.readInt32BE(p + 8);
      expect(size).toBeGreaterThan(MIN_CHECKED_MESSAGE);
      expect(p + 12 + size).toBeLessThanOrEqual(end);
      expect(crc32Js(frame, p + 16, p + 12 + size)).toBe(frame.readUInt32BE(p + 12));
      p += 12 + size;
    }
    expect(p).toBe(end);
  }
}

function outcome(run: () => { count: number; validBytes: number; nextOffset: bigint | null }): string {
  try {
    const x = run();
    return `ok ${x.count} ${x.validBytes} ${x.nextOffset}`;
  } catch (err) {
    if (!(err instanceof CorruptError)) throw err;
    return `${err.reason} ${err.position} ${err.field} ${err.offset} ${err.partition}`;
  }
}

/** Every way a set is verified at hand-out gives the same answer with the walker's claims as without. */
function expectSameVerification(frame: Buffer, walker: FetchCrcWalker): void {
  let decoded: FetchResponse;
  try {
    decoded = decodeFetchResponseBody(new Reader(frame, 4, frame.length), walker);
  } catch {
    return;
  }
  for (const t of decoded.topics) {
    for (const p of t.partitions) {
      const checked = p.crcCheckedBytes ?? 0;
      expect(checked).toBeLessThanOrEqual(p.messageSet.length);
      const options = { fetchOffset: 0n, topic: t.topic, partition: p.partition };
      const set = p.messageSet;
      expect(outcome(() => verifyMessageSet(set, { ...options, crcCheckedBytes: checked }))).toBe(
        outcome(() => verifyMessageSet(set, options)),
      );
      expect(outcome(() => expandMessageSet(set, { ...options, crcCheckedBytes: checked }))).toBe(
        outcome(() => expandMessageSet(set, options)),
      );
      for (const compressed of [false, true]) {
        const viaBatch = (n: number) =>
          outcome(() => {
            const b = new LazyMessageBatch(t.topic, p.partition, set, 0n, 0n, 0n, compressed, n);
            b.verify(true);
            return { count: b.count, validBytes: 0, nextOffset: null };
          });
        expect(viaBatch(checked)).toBe(viaBatch(0));
      }
    }
  }
}

describe('FetchCrcWalker', () => {
  it('claims the same prefixes for every split of small responses, real and damaged', () => {
    const r = rng(19);
    let claimed = 0;
    for (let c = 0; c < 25; c++) {
      const real = frameOf(randomResponse(r, false));
      for (const frame of [real, mutate(real, r), mutate(real, r)]) {
        const whole = wholeClaims(frame);
        expectSound(frame, whole);
        // Every split point, compared without an expect() each (their cost made this test run
        // near its time limit on a slow host): the split points that differ must be none.
        const differing: number[] = [];
        for (let i = 0; i <= frame.length; i++)
          if (!sameNumbers(chunkedClaims(frame, [i]), whole)) differing.push(i);
        expect(differing).toEqual([]);
        // Byte by byte: every fill level in turn.
        expect(
          chunkedClaims(
            frame,
            Array.from({ length: frame.length }, (_, i) => i),
          ),
        ).toEqual(whole);
        for (let k = 1; k < whole.length; k += 2) claimed += whole[k]!;
      }
    }
    // The sets hold entries above the walker's size floor, so some bytes must have been claimed.
    expect(claimed).toBeGreaterThan(0);
  });

  it('claims the same prefixes for random splits of large responses, real and damaged', () => {
    const r = rng(1919);
    for (let c = 0; c < 40; c++) {
      const real = frameOf(randomResponse(r, true));
      for (const frame of [real, mutate(real, r), mutate(real, r)]) {
        const whole = wholeClaims(frame);
        expectSound(frame, whole);
        for (let k = 0; k < 5; k++) {
          expect(chunkedClaims(frame, randomCuts(r, frame.length, 1 + Math.floor(r() * 40)))).toEqual(whole);
        }
      }
    }
  });

  it('claims whole sets of large messages, and stops before a corrupt entry', () => {
    const value = Buffer.alloc(10_000, 1);
    const groups = encodeGroups([
      { codec: 0, messages: Array.from({ length: 5 }, () => ({ key: null, value })) },
    ]);
    const set = groups[0]!.bytes;
    const response = {
      topics: [
        { topic: 't', partitions: [{ partition: 0, errorCode: 0, highWatermark: 5n, messageSet: set }] },
      ],
    };
    const frame = frameOf(response);
    const start = frame.length - set.length;
    expect(wholeClaims(frame)).toEqual([start, set.length]);
    const entry = set.length / 5;
    const bad = Buffer.from(frame);
    bad.writeUInt8(bad.readUInt8(start + 2 * entry + 500) ^ 1, start + 2 * entry + 500);
    expect(wholeClaims(bad)).toEqual([start, 2 * entry]);
    const walker = new FetchCrcWalker();
    walker.advance(bad, bad.length);
    const decoded = decodeFetchResponseBody(new Reader(bad, 4, bad.length), walker);
    const p = decoded.topics[0]!.partitions[0]!;
    expect(p.crcCheckedBytes).toBe(2 * entry);
    const batch = new LazyMessageBatch('t', 0, p.messageSet, 0n, 5n, 5n, false, p.crcCheckedBytes);
    expect(() => batch.verify(true)).toThrow(
      expect.objectContaining({ reason: 'bad-crc', offset: 2n, topic: 't' }),
    );
  });

  it('leaves verification outcomes unchanged, with claims from any split', () => {
    const r = rng(4242);
    for (let c = 0; c < 60; c++) {
      const real = frameOf(randomResponse(r, c % 2 === 0));
      for (const frame of [real, mutate(real, r), mutate(real, r), mutate(real, r)]) {
        const arriving = Buffer.alloc(frame.length);
        const walker = new FetchCrcWalker();
        let filled = 0;
        for (const cut of [...randomCuts(r, frame.length, 8), frame.length]) {
          frame.copy(arriving, filled, filled, cut);
          filled = cut;
          walker.advance(arriving, filled);
        }
        expectSameVerification(arriving, walker);
      }
    }
  });

  it('claims messages just above MIN_CHECKED_MESSAGE and stops at the first at or below it', () => {
    // A Message with a null key is 14 bytes plus its value.
    const ofSize = (size: number) => ({ key: null, value: Buffer.alloc(size - 14, 0x61) });
    const m = MIN_CHECKED_MESSAGE;
    const sizes = [m + 1, m + 2, m, m + 1, m - 1];
    const set = encodeMessageSet(sizes.map(ofSize), { baseOffset: 0n });
    const frame = frameOf({
      topics: [
        { topic: 't', partitions: [{ partition: 0, errorCode: 0, highWatermark: 5n, messageSet: set }] },
      ],
    });
    const claims = wholeClaims(frame);
    expect(claims[1]).toBe(2 * 12 + (m + 1) + (m + 2));
    expectSound(frame, claims);
    expect(chunkedClaims(frame, randomCuts(rng(5), frame.length, 7))).toEqual(claims);
  });

  it('claims nothing for another buffer than the one it walked', () => {
    const value = Buffer.alloc(1000, 2);
    const set = encodeGroups([{ codec: 0, messages: [{ key: null, value }] }])[0]!.bytes;
    const frame = frameOf({
      topics: [
        { topic: 't', partitions: [{ partition: 0, errorCode: 0, highWatermark: 1n, messageSet: set }] },
      ],
    });
    const walker = new FetchCrcWalker();
    walker.advance(frame, frame.length);
    const copy = Buffer.from(frame);
    expect(walker.checkedBytes(frame, frame.length - set.length)).toBe(set.length);
    expect(walker.checkedBytes(copy, frame.length - set.length)).toBe(0);
  });
});
