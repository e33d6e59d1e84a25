import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PartitionPosition, RecordReader } from '../../../src/consumers/record-reader.js';
import { type KeyedDeserializationSchema, RawBytesSchema } from '../../../src/consumers/schemas.js';
import {
  type DecodeMessageSetOptions,
  decodeMessageSet,
  expandMessageSet,
  forEachMessage,
  verifyMessageSet,
} from '../../../src/protocol/message-set.js';
import { joinOffset } from '../../../src/protocol/message-set-bytes.js';
import { forEachCopiedMessage } from '../../../src/protocol/message-set-copy.js';
import { configureWasmVerify } from '../../../src/protocol/wasm-verify.js';
import { FetchEngine } from '../../../src/simple-consumer/fetch-engine/engine.js';
import {
  LazyMessageBatch,
  type MessageBatch,
} from '../../../src/simple-consumer/fetch-engine/message-batch.js';
import { encodeGroups, planGroups, rng } from '../../fixtures/message-set/threshold-sets.js';
import { FakeCluster } from '../simple-consumer/fetch-engine-fake-cluster.js';

// Every consumer-visible path over a message set must yield exactly the offsets and bytes that
// decodeMessageSet yields, whatever the entry sizes (around every threshold some decoder has),
// codecs, fetch offset and cut. A path that yields a message twice, drops one or reorders them
// fails here.

type Seen = string;
const seen = (offset: bigint, key: Buffer | null, value: Buffer | null): Seen =>
  `${offset}|${key === null ? '-' : key.toString('hex')}|${value === null ? '-' : `${value.length}:${value.toString('base64')}`}`;

const ALL_CODECS = [0, 1, 2, 3] as const;
const WINDOWS = [undefined, 4096, 512] as const;

interface Case {
  buf: Buffer;
  options: DecodeMessageSetOptions;
  expected: Seen[];
  compressed: boolean;
}

function cases(seed: number, count: number, codecs: readonly (0 | 1 | 2 | 3)[]): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  for (let c = 0; c < count; c++) {
    const groups = encodeGroups(planGroups(r, codecs, 1 + Math.floor(r() * 5)), 1000n);
    let buf = Buffer.concat(groups.map((g) => g.bytes));
    // A fetch may start inside a wrapper and end inside an entry.
    const first = groups[0]!.first;
    const last = groups[groups.length - 1]!.last;
    const fetchOffset = r() < 0.5 ? first : first + BigInt(Math.floor(r() * Number(last - first + 1n)));
    if (r() < 0.3) buf = buf.subarray(0, Math.max(1, Math.floor(buf.length * (0.5 + r() / 2))));
    const options = { fetchOffset, topic: 't', partition: 0 };
    const expected = decodeMessageSet(buf, options).messages.map((m) => seen(m.offset, m.key, m.value));
    // Attributes of each group's first entry: a wrapper carries its codec there.
    const compressed = groups.some((g) => (g.bytes[17]! & 7) !== 0);
    out.push({ buf, options, expected, compressed });
  }
  return out;
}

function viaForEach(k: Case): Seen[] {
  const s: Seen[] = [];
  forEachMessage(k.buf, (o, key, v) => s.push(seen(o, key, v)), k.options);
  return s;
}

function viaExpand(k: Case): Seen[] {
  const x = expandMessageSet(k.buf, k.options);
  const s: Seen[] = [];
  for (const set of x.sets) {
    forEachMessage(set, (o, key, v) => s.push(seen(o, key, v)), { ...k.options, verifyCrc: false });
  }
  expect(x.count).toBe(k.expected.length);
  return s;
}

function viaCopiedExpand(k: Case, chunkBytes?: number): Seen[] {
  const s: Seen[] = [];
  for (const set of expandMessageSet(k.buf, k.options).sets) {
    forEachCopiedMessage(set, (hi, lo, key, v) => s.push(seen(joinOffset(hi, lo), key, v)), {
      ...k.options,
      chunkBytes,
    });
  }
  return s;
}

function lazyBatch(k: Case): LazyMessageBatch {
  const b = new LazyMessageBatch('t', 0, k.buf, k.options.fetchOffset!, 0n, 0n, k.compressed);
  b.verify(true);
  return b;
}

function viaBatch(k: Case): Record<string, Seen[]> {
  const each: Seen[] = [];
  lazyBatch(k).forEachMessage((o, key, v) => each.push(seen(o, key, v)));
  const copied: Seen[] = [];
  lazyBatch(k).forEachMessageCopied((hi, lo, key, v) => copied.push(seen(joinOffset(hi, lo), key, v)));
  const copiedSmall: Seen[] = [];
  lazyBatch(k).forEachMessageCopied(
    (hi, lo, key, v) => copiedSmall.push(seen(joinOffset(hi, lo), key, v)),
    1000,
  );
  const b = lazyBatch(k);
  expect(b.count).toBe(k.expected.length);
  const messages = b.messages.map((m) => seen(m.offset, m.key, m.value));
  return { each, copied, copiedSmall, messages };
}

/** The consumer classes' reader, record by record and as a batch, with a schema that sees offsets. */
const recordSchema: KeyedDeserializationSchema<Seen> = {
  deserializeKeyed: (key, value, _t, _p, offset) => seen(offset, key, value),
  isEndOfStream: () => false,
};

function onePosition(): Map<string, PartitionPosition> {
  return new Map([['0:t', { topic: 't', partition: 0, offset: 0n }]]);
}

function viaReader(batches: MessageBatch[], form: 'next' | 'rest'): Seen[] {
  const reader = new RecordReader<Seen>(recordSchema, onePosition(), () => {});
  const s: Seen[] = [];
  for (const b of batches) {
    reader.take(b);
    if (form === 'rest') {
      s.push(...(reader.rest()?.records ?? []));
      continue;
    }
    for (let r = reader.next(); r !== undefined; r = reader.next()) s.push(r.value);
  }
  return s;
}

afterAll(() => configureWasmVerify({ enabled: true, windowBytes: 1024 * 1024 }));

describe('every decode path yields what decodeMessageSet yields', () => {
  for (const window of WINDOWS) {
    for (const codecs of [ALL_CODECS, [1], [2], [3]] as const) {
      it(`codecs ${codecs.join(',')}, wasm window ${window ?? 'default'}`, () => {
        configureWasmVerify({ enabled: true, windowBytes: window ?? 1024 * 1024 });
        for (const k of cases(0x5eed + codecs.length * 7 + (window ?? 0), 12, codecs)) {
          expect(verifyMessageSet(k.buf, k.options).count).toBe(k.expected.length);
          expect(viaForEach(k)).toEqual(k.expected);
          expect(viaExpand(k)).toEqual(k.expected);
          expect(viaCopiedExpand(k)).toEqual(k.expected);
          expect(viaCopiedExpand(k, 700)).toEqual(k.expected);
          for (const [form, got] of Object.entries(viaBatch(k))) {
            expect({ form, got }).toEqual({ form, got: k.expected });
          }
          const b = lazyBatch(k);
          expect(viaReader([b], 'next')).toEqual(k.expected);
          expect(viaReader([lazyBatch(k)], 'rest')).toEqual(k.expected);
        }
      });
    }
  }

  it('the JS scan alone (no wasm) agrees too', () => {
    configureWasmVerify({ enabled: false });
    for (const k of cases(0xab1e, 12, ALL_CODECS)) {
      expect(verifyMessageSet(k.buf, k.options).count).toBe(k.expected.length);
      expect(viaExpand(k)).toEqual(k.expected);
      expect(viaBatch(k).copied).toEqual(k.expected);
    }
    configureWasmVerify({ enabled: true });
  });
});

describe('through the fetch engine, batches cut at every size', () => {
  const clusters: FakeCluster[] = [];
  const engines: FetchEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    await Promise.all(clusters.splice(0).map((c) => c.stop()));
  });

  // batchBytes and fetch sizes around the entries' own sizes: a batch boundary falls before,
  // inside and after wrappers of every size.
  for (const [batchBytes, fetchSizeBytes] of [
    [undefined, 1024 * 1024],
    [1000, 256 * 1024],
    [20_000, 120_000],
  ] as const) {
    it(`batchBytes ${batchBytes ?? 'default'}, fetch size ${fetchSizeBytes}`, async () => {
      const r = rng(0xfe7c + fetchSizeBytes);
      const groups = encodeGroups(planGroups(r, ALL_CODECS, 40), 0n);
      const c = await FakeCluster.start(1);
      clusters.push(c);
      c.addPartition('t', 0, 0);
      for (const g of groups) c.appendEncoded('t', 0, g.bytes, g.last);
      const total = Number(groups[groups.length - 1]!.last + 1n);
      const expected = decodeMessageSet(Buffer.concat(groups.map((g) => g.bytes))).messages.map((m) =>
        seen(m.offset, m.key, m.value),
      );
      expect(expected.length).toBe(total);
      const e = new FetchEngine(c.metadata(), {
        maxWaitMs: 20,
        fetchSizeBytes,
        maxFetchSizeBytes: 4 * 1024 * 1024,
        batchBytes,
        socketTimeoutMs: 2000,
      });
      engines.push(e);
      e.assign([{ topic: 't', partition: 0, offset: 0n }]);
      const batches: MessageBatch[] = [];
      const viaEach: Seen[] = [];
      while (viaEach.length < total) {
        const b = await e.next();
        batches.push(b);
        b.forEachMessage((o, key, v) => viaEach.push(seen(o, key, v)));
        // Nothing may arrive beyond the log: a duplicate would show here as a longer list.
        expect(viaEach.length).toBeLessThanOrEqual(total);
      }
      expect(viaEach).toEqual(expected);
      const copied: Seen[] = [];
      for (const b of batches)
        b.forEachMessageCopied((hi, lo, key, v) => copied.push(seen(joinOffset(hi, lo), key, v)));
      expect(copied).toEqual(expected);
      expect(batches.flatMap((b) => b.messages.map((m) => seen(m.offset, m.key, m.value)))).toEqual(expected);
      expect(viaReader(batches, 'next')).toEqual(expected);
      expect(viaReader(batches, 'rest')).toEqual(expected);
      expect(e.position('t', 0)).toBe(BigInt(total));
    });
  }
});

describe('the issue 13 reproduction', () => {
  it('a wrapper holding a 400-byte value and a small one yields two messages, once each', () => {
    for (const codec of [1, 2, 3] as const) {
      const [g] = encodeGroups([
        {
          codec,
          messages: [
            { key: null, value: Buffer.alloc(400, 120) },
            { key: null, value: Buffer.from('small') },
          ],
        },
      ]);
      const x = expandMessageSet(g!.bytes, { fetchOffset: 0n });
      expect(x.count).toBe(2);
      expect(x.sets.length).toBe(1);
      const offsets: bigint[] = [];
      for (const s of x.sets)
        forEachMessage(s, (o) => offsets.push(o), { fetchOffset: 0n, verifyCrc: false });
      expect(offsets).toEqual([0n, 1n]);
    }
  });

  it('RawBytesSchema through the reader over a compressed batch gives each value once', () => {
    const [g] = encodeGroups([
      {
        codec: 2,
        messages: Array.from({ length: 20 }, (_, i) => ({ key: null, value: Buffer.alloc(380 + i, i) })),
      },
    ]);
    const b = new LazyMessageBatch('t', 0, g!.bytes, 0n, 20n, 20n, true);
    b.verify(true);
    const reader = new RecordReader(new RawBytesSchema(), onePosition(), () => {});
    reader.take(b);
    expect(reader.rest()!.records.map((v) => v.length)).toEqual(
      Array.from({ length: 20 }, (_, i) => 380 + i),
    );
  });
});
