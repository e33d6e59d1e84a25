import { describe, expect, it } from 'vitest';
import { Codec, compress } from '../../../src/protocol/compression/index.js';
import { CorruptError } from '../../../src/protocol/errors.js';
import type { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { rawEntry } from '../message-set/helpers.js';
import { type FakeCluster, key } from './fetch-engine-fake-cluster.js';
import { engineHarness, range, readToError, take, values } from './fetch-engine-harness.js';
import { expectReadPastDownwardLie, expectReadPastUpwardLie } from './offset-lie-expectations.js';

// A corrupt entry inside a batch: the records in front of it are delivered, then the partition
// fails with the error, its position at the corrupt record (for offsets that step back, at the
// entry before the step, since either may lie). So a reader that chooses to skip the corrupt
// record (seek past it) loses nothing else; kcat with check.crcs=true stops at the same record.

const { cluster, engine } = engineHarness();

/** A partition of `count` messages `m<i>`, each its own entry; `damage` edits entry `at` in place. */
async function damaged(count: number, at: number, damage: (bytes: Buffer) => void): Promise<FakeCluster> {
  const c = await cluster(1);
  c.addPartition('d', 0, 0);
  c.append('d', 0, range('m', 0, count));
  const entry = c.logs.get(key('d', 0))!.entries[at]!;
  entry.bytes = Buffer.from(entry.bytes);
  damage(entry.bytes);
  return c;
}

/** Reads partition 0 of `topic` from offset 0 until the engine raises an error. */
async function readFromStart(
  e: FetchEngine,
  topic: string,
): Promise<{ e: FetchEngine; delivered: string[]; error: unknown }> {
  e.assign([{ topic, partition: 0, offset: 0n }]);
  return { e, ...(await readToError(e)) };
}

describe('FetchEngine: corruption inside a batch', () => {
  it('a bad CRC: the records before it, then CorruptError at its offset; skipping it loses nothing else', async () => {
    const c = await damaged(60, 30, (b) => {
      b[b.length - 1]! ^= 0xff;
    });
    const { e, delivered, error } = await readFromStart(engine(c), 'd');
    expect(delivered).toEqual(range('m', 0, 30));
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({ reason: 'bad-crc', topic: 'd', partition: 0, offset: 30n });
    expect(e.position('d', 0)).toBe(30n);
    // The reader decides to skip the corrupt record.
    e.seek('d', 0, 31n);
    const rest: string[] = [];
    while (rest.length < 29) rest.push(...values([await e.next()]));
    expect(rest).toEqual(range('m', 31, 60));
  });

  it('offsets stepping back inside a batch: the records before the entry before the step; reading on from err.offset + 1 moves past both', async () => {
    // Entry 30 claims offset 5: entry 29 (honest here) or entry 30 lies, so neither goes out.
    const c = await damaged(60, 30, (b) => b.writeBigInt64BE(5n, 0));
    const e = engine(c);
    e.assign([{ topic: 'd', partition: 0, offset: 0n }]);
    const error = await expectReadPastDownwardLie(e);
    expect(error.detail).toMatch(/offset 5 does not follow 29/);
  });

  it('an offset lying upwards inside a batch: the position never passes the records it hides', async () => {
    // Entry 30 claims 45: entry 31 then steps back. Delivering entry 30 would move the position
    // to 46 and a checkpoint past m31..m45, which were never delivered.
    const c = await damaged(60, 30, (b) => b.writeBigInt64BE(45n, 0));
    // Served as a 0.8 broker serves it: an answer starts at the first entry claiming at least
    // the fetch offset, so entry 30 comes first for every fetch offset up to 45.
    c.logs.get(key('d', 0))!.entries[30]!.offset = 45n;
    const e = engine(c);
    e.assign([{ topic: 'd', partition: 0, offset: 0n }]);
    await expectReadPastUpwardLie(e);
  });

  it('a corrupt first entry: the error at once, the position unmoved', async () => {
    const c = await damaged(10, 0, (b) => {
      b[b.length - 1]! ^= 0xff;
    });
    const { e, delivered, error } = await readFromStart(engine(c), 'd');
    expect(delivered).toEqual([]);
    expect(error).toMatchObject({ reason: 'bad-crc', offset: 0n });
    expect(e.position('d', 0)).toBe(0n);
  });

  it('a corrupt message inside a compressed wrapper: the entries before the wrapper', async () => {
    const c = await cluster(1);
    c.addPartition('w', 0, 0);
    c.append('w', 0, range('a', 0, 10));
    c.append('w', 0, range('b', 0, 5), Codec.Gzip);
    c.append('w', 0, range('c', 0, 10));
    // Break the gzip stream's trailer: the inner set cannot be trusted.
    const entry = c.logs.get(key('w', 0))!.entries[10]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    const { e, delivered, error } = await readFromStart(engine(c), 'w');
    expect(delivered).toEqual(range('a', 0, 10));
    expect(error).toBeInstanceOf(CorruptError);
    expect(e.position('w', 0)).toBe(10n);
  });

  it('a wrapper over the decompression budget: the records in front of it, then the error', async () => {
    const c = await cluster(1);
    c.addPartition('z', 0, 0);
    c.append('z', 0, range('a', 0, 10));
    c.append('z', 0, [Buffer.alloc(200_000, 0x61)], Codec.Gzip);
    const { e, delivered, error } = await readFromStart(engine(c, { maxDecompressedBytes: 100_000 }), 'z');
    expect(delivered).toEqual(range('a', 0, 10));
    expect(error).toMatchObject({ reason: 'too-large' });
    expect(e.position('z', 0)).toBe(10n);
  });

  it('the search for sound records expands at most a sixteenth of the budget per try: shorter, never longer', async () => {
    const c = await cluster(1);
    c.addPartition('s', 0, 0);
    c.append('s', 0, range('a', 0, 10));
    c.append('s', 0, [Buffer.alloc(50_000, 0x62)], Codec.Gzip);
    c.append('s', 0, ['c0', 'c1']);
    const entry = c.logs.get(key('s', 0))!.entries[11]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    // The whole batch fits the budget (the wrapper expands to 50 KB of 160 KB); a try may expand
    // 10 KB, so the run found ends before the wrapper, and the position stays in front of it.
    const { e, delivered, error } = await readFromStart(engine(c, { maxDecompressedBytes: 160_000 }), 's');
    expect(delivered).toEqual(range('a', 0, 10));
    expect(error).toMatchObject({ reason: 'bad-crc', offset: 11n });
    expect(e.position('s', 0)).toBe(10n);
  });

  it('a seek before the next call drops the held error: reading starts over from the new position', async () => {
    const c = await damaged(40, 20, (b) => {
      b[b.length - 1]! ^= 0xff;
    });
    const e = engine(c);
    e.assign([{ topic: 'd', partition: 0, offset: 0n }]);
    expect(values([await e.next()])).toEqual(range('m', 0, 20));
    e.seek('d', 0, 5n);
    const again = values([await e.next()]);
    expect(again[0]).toBe('m5');
    const { delivered, error } = await readToError(e);
    expect([...again, ...delivered]).toEqual(range('m', 5, 20));
    expect(error).toMatchObject({ reason: 'bad-crc', offset: 20n });
  });
});

describe('FetchEngine: corruption where batches meet, and between partitions', () => {
  it('surfaces a CRC failure as CorruptError with topic, partition and offset, without skipping', async () => {
    const c = await cluster(1);
    c.addPartition('c', 0, 0);
    c.addPartition('c', 1, 0);
    c.append('c', 0, ['good', 'bad']);
    c.append('c', 1, ['other']);
    const entry = c.logs.get(key('c', 0))!.entries[1]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes[entry.bytes.length - 1]! ^= 0xff;
    const e = engine(c);
    e.assign([
      { topic: 'c', partition: 0, offset: 1n },
      { topic: 'c', partition: 1, offset: 0n },
    ]);
    const seen: unknown[] = [];
    for (let i = 0; i < 2; i++) seen.push(await e.next().catch((err: unknown) => err));
    const err = seen.find((x) => x instanceof CorruptError) as CorruptError;
    expect(err?.reason).toBe('bad-crc');
    expect([err.topic, err.partition, err.offset]).toEqual(['c', 0, 1n]);
    expect(e.position('c', 0)).toBe(1n);
  });

  it('stops where the offsets of a set go back (no CRC covers them), never past an undelivered record', async () => {
    const c = await cluster(1);
    c.addPartition('o', 0, 0);
    c.append('o', 0, range('m', 0, 60));
    // A lying broker, or one flipped byte: offsets 0, 1, ..., 72, k + 1, ... where 72 ends the
    // first batch of ~1 KiB, so each batch on its own rises and only the whole set goes back.
    const entries = c.logs.get(key('o', 0))!.entries;
    let k = 0;
    for (let bytes = entries[0]!.bytes.length; bytes < 1024; ) bytes += entries[++k]!.bytes.length;
    const entry = entries[k]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes.writeBigInt64BE(72n, 0);
    const e = engine(c, { batchBytes: 1024 });
    e.assign([{ topic: 'o', partition: 0, offset: 0n }]);
    // Entry k (claiming 72) or entry k + 1 lies; neither is delivered, what precedes them is.
    const { delivered, error: err } = await readToError(e);
    expect(delivered).toEqual(range('m', 0, k));
    expect(err).toBeInstanceOf(CorruptError);
    expect(err).toMatchObject({ reason: 'bad-offset', topic: 'o', partition: 0, offset: BigInt(k + 1) });
    expect(e.position('o', 0)).toBe(BigInt(k));
  });

  it('delivers the entries in front of a MessageSize below the minimum, then stops at it', async () => {
    const c = await cluster(1);
    c.addPartition('z', 0, 0);
    c.append('z', 0, range('m', 0, 60));
    const entries = c.logs.get(key('z', 0))!.entries;
    const entry = entries[40]!;
    entry.bytes = Buffer.from(entry.bytes);
    entry.bytes.writeInt32BE(3, 8);
    const e = engine(c, { batchBytes: 1024 });
    e.assign([{ topic: 'z', partition: 0, offset: 0n }]);
    const { delivered, error: err } = await readToError(e);
    expect(delivered).toEqual(range('m', 0, 40));
    expect(err).toBeInstanceOf(CorruptError);
    expect(err).toMatchObject({ reason: 'bad-length', topic: 'z', partition: 0, offset: 40n });
    expect(e.position('z', 0)).toBe(40n);
  });
});

describe('FetchEngine: corruption at the size thresholds, in every codec', () => {
  // 387-byte Messages are CRC-checked by the wasm walk, 388 and up by zlib.crc32 (and, over a
  // socket, by the CRC walker as the answer arrives); a 1 KiB batch holds a few of the larger.
  for (const valueBytes of [20, 387 - 14, 388 - 14, 1000]) {
    for (const batchBytes of [1024, 256 * 1024]) {
      it(`a bad CRC among ${valueBytes + 14}-byte Messages, ${batchBytes}-byte batches`, async () => {
        const c = await cluster(1);
        c.addPartition('t', 0, 0);
        const vals = Array.from({ length: 40 }, (_, i) => `m${i}:`.padEnd(valueBytes, 'x'));
        c.append('t', 0, vals);
        const entry = c.logs.get(key('t', 0))!.entries[25]!;
        entry.bytes = Buffer.from(entry.bytes);
        entry.bytes[entry.bytes.length - 1]! ^= 0xff;
        const { e, delivered, error } = await readFromStart(engine(c, { batchBytes }), 't');
        expect(delivered).toEqual(vals.slice(0, 25));
        expect(error).toMatchObject({ reason: 'bad-crc', offset: 25n });
        expect(e.position('t', 0)).toBe(25n);
      });
    }
  }

  for (const [name, codec] of [
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['lz4', Codec.Lz4],
  ] as const) {
    it(`a bad inner CRC in the second ${name} wrapper (outer CRC sound): everything before it, inner messages too; skipping it loses nothing`, async () => {
      const c = await cluster(1);
      c.addPartition('w', 0, 0);
      c.append('w', 0, range('a', 0, 5));
      c.append('w', 0, range('b', 0, 5), codec);
      // Offsets 10-14, the third inner message's CRC wrong, the wrapper's own CRC right.
      const inner = Buffer.concat(
        range('c', 0, 5).map((v, i) =>
          rawEntry({ offset: 10n + BigInt(i), value: Buffer.from(v), crc: i === 2 ? 1 : undefined }),
        ),
      );
      c.appendEncoded(
        'w',
        0,
        rawEntry({ offset: 14n, attributes: codec, value: compress(codec, inner) }),
        14n,
      );
      c.append('w', 0, range('d', 0, 5));
      const { e, delivered, error } = await readFromStart(engine(c), 'w');
      expect(delivered).toEqual([...range('a', 0, 5), ...range('b', 0, 5), 'c0', 'c1']);
      expect(error).toMatchObject({ reason: 'bad-crc', offset: 12n });
      expect(e.position('w', 0)).toBe(12n);
      // The README's remedy, a seek to the damaged message's offset + 1, loses nothing else.
      e.seek('w', 0, (error as CorruptError).offset! + 1n);
      expect(values(await take(e, 7))).toEqual(['c3', 'c4', ...range('d', 0, 5)]);
    });
  }

  it('the first message of a wrapper damaged: nothing from inside it, and reading on from the next loses nothing', async () => {
    const c = await cluster(1);
    c.addPartition('f', 0, 0);
    c.append('f', 0, range('a', 0, 5));
    const inner = Buffer.concat(
      range('c', 0, 5).map((v, i) =>
        rawEntry({ offset: 5n + BigInt(i), value: Buffer.from(v), crc: i === 0 ? 1 : undefined }),
      ),
    );
    c.appendEncoded(
      'f',
      0,
      rawEntry({ offset: 9n, attributes: Codec.Snappy, value: compress(Codec.Snappy, inner) }),
      9n,
    );
    c.append('f', 0, range('d', 0, 3));
    const { e, delivered, error } = await readFromStart(engine(c), 'f');
    expect(delivered).toEqual(range('a', 0, 5));
    expect(error).toMatchObject({ reason: 'bad-crc', offset: 5n });
    expect(e.position('f', 0)).toBe(5n);
    e.seek('f', 0, 6n);
    expect(values(await take(e, 7))).toEqual([...range('c', 1, 5), ...range('d', 0, 3)]);
  });

  it('two damaged messages in one wrapper: each is met in turn, and skipping both loses nothing else', async () => {
    const c = await cluster(1);
    c.addPartition('t2', 0, 0);
    const inner = Buffer.concat(
      range('c', 0, 6).map((v, i) =>
        rawEntry({ offset: BigInt(i), value: Buffer.from(v), crc: i === 2 || i === 4 ? 1 : undefined }),
      ),
    );
    c.appendEncoded(
      't2',
      0,
      rawEntry({ offset: 5n, attributes: Codec.Lz4, value: compress(Codec.Lz4, inner) }),
      5n,
    );
    c.append('t2', 0, ['d0']);
    const e = engine(c);
    e.assign([{ topic: 't2', partition: 0, offset: 0n }]);
    const first = await readToError(e);
    expect(first.delivered).toEqual(['c0', 'c1']);
    expect(first.error).toMatchObject({ reason: 'bad-crc', offset: 2n });
    e.seek('t2', 0, 3n);
    const second = await readToError(e);
    expect(second.delivered).toEqual(['c3']);
    expect(second.error).toMatchObject({ reason: 'bad-crc', offset: 4n });
    expect(e.position('t2', 0)).toBe(4n);
    e.seek('t2', 0, 5n);
    expect(values(await take(e, 2))).toEqual(['c5', 'd0']);
  });

  it('a wrapper nested inside a wrapper: the plain messages before it, then bad-codec at its offset; reading on loses nothing', async () => {
    const c = await cluster(1);
    c.addPartition('n', 0, 0);
    const nested = rawEntry({
      offset: 2n,
      attributes: Codec.Gzip,
      value: compress(Codec.Gzip, rawEntry({ offset: 2n, value: Buffer.from('x') })),
    });
    const inner = Buffer.concat([
      rawEntry({ offset: 0n, value: Buffer.from('c0') }),
      rawEntry({ offset: 1n, value: Buffer.from('c1') }),
      nested,
      rawEntry({ offset: 3n, value: Buffer.from('c3') }),
    ]);
    c.appendEncoded(
      'n',
      0,
      rawEntry({ offset: 3n, attributes: Codec.Snappy, value: compress(Codec.Snappy, inner) }),
      3n,
    );
    c.append('n', 0, ['d0']);
    const { e, delivered, error } = await readFromStart(engine(c), 'n');
    expect(delivered).toEqual(['c0', 'c1']);
    expect(error).toMatchObject({ reason: 'bad-codec', offset: 2n });
    expect(e.position('n', 0)).toBe(2n);
    e.seek('n', 0, 3n);
    expect(values(await take(e, 2))).toEqual(['c3', 'd0']);
  });
});
