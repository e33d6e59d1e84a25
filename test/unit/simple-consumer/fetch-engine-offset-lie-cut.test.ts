import { describe, expect, it } from 'vitest';
import { Codec } from '../../../src/protocol/compression/index.js';
import type { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { key } from './fetch-engine-fake-cluster.js';
import { engineHarness, range, readToError, take, values } from './fetch-engine-harness.js';
import { expectReadPastDownwardLie, expectReadPastUpwardLie } from './offset-lie-expectations.js';

// The engine hands an answer out in batches of about `batchBytes`, each checked on its own, and
// an answer ends wherever the fetch size does. An offset that lies where two batches or two
// answers meet must be judged exactly as one inside a batch (see fetch-engine-corrupt.test.ts):
// the same records delivered, the same error offset, and reading on from err.offset + 1
// delivering the rest. Before, a downward lie opening a batch or an answer named its claim (so
// reading on delivered m6.. again and met the lie again), and an upward lie in a batch of its
// own failed every fetch that was to read on past it.

const { cluster, engine } = engineHarness();

/**
 * m0..m59, entry 30 claiming `claim` (served by its claim when that is higher, as a 0.8 broker
 * serves it); batches cut right before entry `cutBefore`, or after every entry.
 */
async function lying(claim: bigint, cut: Cut): Promise<FetchEngine> {
  const c = await cluster(1);
  c.addPartition('d', 0, 0);
  c.append('d', 0, range('m', 0, 60));
  const entries = c.logs.get(key('d', 0))!.entries;
  const bytesBefore = (n: number): number => entries.slice(0, n).reduce((sum, e) => sum + e.bytes.length, 0);
  const entry = entries[30]!;
  entry.bytes = Buffer.from(entry.bytes);
  entry.bytes.writeBigInt64BE(claim, 0);
  if (claim > 30n) entry.offset = claim;
  const e = engine(
    c,
    cut === 'every-entry'
      ? { batchBytes: 1 }
      : 'cutBefore' in cut
        ? { batchBytes: bytesBefore(cut.cutBefore) }
        : // The first answer ends 5 bytes into entry `fetchEndsIn`: the next starts at it.
          { fetchSizeBytes: bytesBefore(cut.fetchEndsIn) + 5 },
  );
  e.assign([{ topic: 'd', partition: 0, offset: 0n }]);
  return e;
}

type Cut = { cutBefore: number } | { fetchEndsIn: number } | 'every-entry';
const CUTS: Cut[] = [
  { cutBefore: 30 },
  { cutBefore: 31 },
  'every-entry',
  { fetchEndsIn: 29 },
  { fetchEndsIn: 30 },
];

function describeCut(cut: Cut): string {
  if (cut === 'every-entry') return 'a batch per entry';
  if ('cutBefore' in cut) return `a batch ending before entry ${cut.cutBefore}`;
  return `a fetch answer ending inside entry ${cut.fetchEndsIn}`;
}

describe('FetchEngine: an offset lie where two batches or two answers meet', () => {
  for (const cut of CUTS) {
    const name = describeCut(cut);
    // Not when an answer starts at the entry claiming 5: a 0.8 broker asked for 30 starts at the
    // first entry claiming 30 or more, m31, so no client ever sees m30 (nor that it was lost);
    // this fake would serve it, and a plain entry below the fetch offset is skipped, as the
    // records of a newer broker's down-converted batch below it must be.
    const startsAnAnswer = typeof cut === 'object' && 'fetchEndsIn' in cut && cut.fetchEndsIn === 30;

    if (!startsAnAnswer)
      it(`claiming 5 (${name}): m0..m28, bad-offset at 29, and from 30 on m31..m59`, async () => {
        await expectReadPastDownwardLie(await lying(5n, cut));
      });

    it(`claiming 45 (${name}): m0..m29, bad-offset at 31, and reading on from 32, 31 or 40 delivers what was asked for`, async () => {
      await expectReadPastUpwardLie(await lying(45n, cut));
    });
  }
});

describe('FetchEngine: a step back between compressed wrappers where two batches meet', () => {
  // Wrappers of 10 messages each (m0..m59); the fourth's own offset rewritten to claim `claim`
  // (5 by default), served by its claim when that is higher, as a 0.8 broker serves it.
  async function wrapped(
    codec: Codec,
    batchBytes: number | 'before-lie' | 'one-wrapper',
    lying = 3,
    claim = 5n,
  ): Promise<FetchEngine> {
    const c = await cluster(1);
    c.addPartition('w', 0, 0);
    for (let w = 0; w < 6; w++) c.append('w', 0, range('m', w * 10, w * 10 + 10), codec);
    const entries = c.logs.get(key('w', 0))!.entries;
    const entry = entries[lying]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes.writeBigInt64BE(claim, 0);
    if (claim > entry.offset) entry.offset = claim;
    const bytes =
      batchBytes === 'before-lie'
        ? entries.slice(0, 3).reduce((n, x) => n + x.bytes.length, 0)
        : batchBytes === 'one-wrapper'
          ? 1
          : batchBytes;
    const e = engine(c, { batchBytes: bytes });
    e.assign([{ topic: 'w', partition: 0, offset: 0n }]);
    return e;
  }

  for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4]) {
    it(`codec ${codec}: a batch ending before the lying wrapper, or one per wrapper, reads as one batch does`, async () => {
      const whole = await wrapped(codec, 1 << 20);
      const expected = await readToError(whole);
      expect(expected.error).toMatchObject({ reason: 'bad-offset' });
      for (const cut of ['before-lie', 'one-wrapper'] as const) {
        const e = await wrapped(codec, cut);
        const got = await readToError(e);
        expect(got.delivered).toEqual(expected.delivered);
        expect(got.error).toMatchObject({
          reason: 'bad-offset',
          offset: (expected.error as { offset: bigint }).offset,
        });
        expect(e.position('w', 0)).toBe(whole.position('w', 0));
      }
    });
  }

  // A wrapper's own offset claims its last inner message, and the wrapper's CRC covers the inner
  // offsets: the wrapper before the step that claims exactly its last message is sound, so the
  // lie is the step's own wrapper. Before, both were held back and reading on from the error's
  // offset + 1 met the lying wrapper again at every one of its offsets (ten errors here).
  for (const codec of [Codec.Gzip, Codec.Snappy, Codec.Lz4]) {
    it(`codec ${codec}: the wrapper before a step down is delivered when it claims its own last message; the liar costs two errors`, async () => {
      for (const cut of [1 << 20, 'before-lie', 'one-wrapper'] as const) {
        const e = await wrapped(codec, cut);
        const first = await readToError(e);
        expect(first.delivered, String(cut)).toEqual(range('m', 0, 30));
        expect(first.error).toMatchObject({ reason: 'bad-offset', offset: 30n });
        expect(e.position('w', 0)).toBe(30n);
        // The README's remedy: from the error's offset + 1. The lying wrapper (m30..m39) now
        // opens the answer; its error names its last message, and the next step passes it.
        e.seek('w', 0, (first.error as { offset: bigint }).offset + 1n);
        const second = await readToError(e);
        expect(second.delivered).toEqual([]);
        expect(second.error).toMatchObject({ reason: 'bad-offset', offset: 39n });
        e.seek('w', 0, (second.error as { offset: bigint }).offset + 1n);
        expect(values(await take(e, 20))).toEqual(range('m', 40, 60));
      }
    });

    it(`codec ${codec}: a wrapper raised above the next is still held back with it (its claim is not its last message)`, async () => {
      const e = await wrapped(codec, 1 << 20, 2, 45n);
      const { delivered, error } = await readToError(e);
      expect(delivered).toEqual(range('m', 0, 20));
      expect(error).toMatchObject({ reason: 'bad-offset' });
    });
  }
});
