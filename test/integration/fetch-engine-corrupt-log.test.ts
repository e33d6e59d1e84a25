import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaSource } from '../../src/consumers/kafka-source.js';
import { SimpleStringSchema } from '../../src/consumers/schemas.js';
import type { PartitionStalledEvent } from '../../src/index.js';
import { Codec, compress } from '../../src/protocol/compression/index.js';
import { CorruptError } from '../../src/protocol/errors.js';
import { encodeMessageSet } from '../../src/protocol/message-set-encode.js';
import { produceRequest } from '../../src/protocol/produce.js';
import type { LocalKafka } from '../../src/rig/index.js';
import { BrokerConnection } from '../../src/simple-consumer/connection.js';
import type { FetchEngineInit } from '../../src/simple-consumer/fetch-engine/index.js';
import { cli } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { within } from '../helpers/within.js';
import { rawEntry } from '../unit/message-set/helpers.js';
import { kafkaSourceProps } from './consumers-helpers.js';
import { type EngineHandle, engineFor, pullUntil, valuesOf } from './fetch-engine-support.js';

// A log segment damaged on the broker's disk: a 0.8 broker serves its bytes as they are (it does
// not check CRCs on fetch). kafka08 must deliver every record in front of the damaged one, then
// fail with a typed error at exactly its offset, so that skipping it loses nothing else. (kcat
// by default, without check.crcs, prints the damaged value as if it were sound.)

const handles: EngineHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

/** The log segment file of partition 0 of `topic` (one, on whichever broker holds it). */
function segmentOf(k: LocalKafka, topic: string): string {
  const dirs = k
    .descriptor()
    .brokerList.map((b) => join(b.dir, 'data', `${topic}-0`))
    .filter((d) => existsSync(d));
  expect(dirs.length).toBe(1);
  return join(dirs[0]!, readdirSync(dirs[0]!).find((f) => f.endsWith('.log'))!);
}

/** Where the entry at `offset` (as it is on disk) starts in `segment`'s bytes, and its length. */
function entryAt(bytes: Buffer, offset: bigint, segment: string): { pos: number; length: number } {
  for (let pos = 0; pos + 12 <= bytes.length; ) {
    const length = 12 + bytes.readInt32BE(pos + 8);
    if (bytes.readBigInt64BE(pos) === offset) return { pos, length };
    pos += length;
  }
  throw new Error(`offset ${offset} not found in ${segment}`);
}

/** Writes `bytes` into the log segment of `topic`, `at` bytes into the entry at `offset` (given as it is on disk). */
function editEntry(
  k: LocalKafka,
  topic: string,
  offset: bigint,
  edit: (entry: Buffer) => { at: number; bytes: Buffer },
): void {
  const segment = segmentOf(k, topic);
  const bytes = readFileSync(segment);
  const { pos, length } = entryAt(bytes, offset, segment);
  const { at, bytes: written } = edit(bytes.subarray(pos, pos + length));
  const fd = openSync(segment, 'r+');
  try {
    writeSync(fd, written, 0, written.length, pos + at);
  } finally {
    closeSync(fd);
  }
}

/** Flips the last byte (inside the value, covered by the CRC) of the entry at `offset`. */
function damageEntry(k: LocalKafka, topic: string, offset: bigint): void {
  editEntry(k, topic, offset, (entry) => ({
    at: entry.length - 1,
    bytes: Buffer.from([entry[entry.length - 1]! ^ 0xff]),
  }));
}

/** A 1-partition topic on 0.8.2.2 holding v0..v49, written by Kafka's producer. */
async function topicOf50(prefix: string): Promise<{ k: LocalKafka; topic: string; sent: string[] }> {
  const k = sharedCluster('0.8.2.2');
  const topic = uniqueTopic(prefix);
  await k.createTopic({ name: topic, partitions: 1 });
  const sent = Array.from({ length: 50 }, (_, i) => `v${i}`);
  await k.produce(
    topic,
    sent.map((value) => ({ value })),
  );
  return { k, topic, sent };
}

/** {@link topicOf50}, offset 30 damaged on disk. */
async function damagedTopic(prefix: string): Promise<{ k: LocalKafka; topic: string; sent: string[] }> {
  const t = await topicOf50(prefix);
  damageEntry(t.k, t.topic, 30n);
  return t;
}

/** {@link topicOf50}, the offset field of entry 30 rewritten on disk to `claim` (no CRC covers it). */
async function lyingTopic(
  prefix: string,
  claim: bigint,
): Promise<{ k: LocalKafka; topic: string; sent: string[] }> {
  const t = await topicOf50(prefix);
  const field = Buffer.alloc(8);
  field.writeBigInt64BE(claim);
  editEntry(t.k, t.topic, 30n, () => ({ at: 0, bytes: field }));
  return t;
}

/** A new 1-partition topic on 0.8.2.2 holding `sets`, each sent as it is in a Produce request of its own. */
async function topicOfSets(prefix: string, sets: Buffer[]): Promise<{ k: LocalKafka; topic: string }> {
  const k = sharedCluster('0.8.2.2');
  const topic = uniqueTopic(prefix);
  await k.createTopic({ name: topic, partitions: 1 });
  const [broker] = k.brokerList;
  if (!broker) throw new Error('no broker');
  const c = new BrokerConnection({ host: broker.host, port: broker.port, clientId: 'kafka08-it' });
  try {
    for (const messageSet of sets) {
      const resp = await c.send(
        produceRequest({
          requiredAcks: 1,
          timeoutMs: 10_000,
          topics: [{ topic, partitions: [{ partition: 0, messageSet }] }],
        }),
      );
      expect(resp.topics[0]?.partitions[0]?.errorCode).toBe(0);
    }
  } finally {
    await c.close();
  }
  return { k, topic };
}

/** An engine reading `topic` from offset 0: the first `count` values, then what it raises next. */
async function readToError(
  k: LocalKafka,
  topic: string,
  count: number,
  init: FetchEngineInit = {},
): Promise<{ h: EngineHandle; delivered: string[]; err: unknown }> {
  const h = engineFor(k, init);
  handles.push(h);
  h.engine.assign([{ topic, partition: 0, offset: 0n }]);
  const delivered = valuesOf(await pullUntil(h.engine, (b) => valuesOf(b).length >= count, 30_000));
  const err = await h.engine.next().then(
    () => new Error('expected a CorruptError, got a batch'),
    (e: unknown) => e,
  );
  return { h, delivered, err };
}

/** The first `count` values after a seek to `offset`. */
async function readFrom(h: EngineHandle, topic: string, offset: bigint, count: number): Promise<string[]> {
  h.engine.seek(topic, 0, offset);
  return valuesOf(await pullUntil(h.engine, (b) => valuesOf(b).length >= count, 30_000));
}

/**
 * {@link lyingTopic} with entry 30 claiming 5, read from 0: v0..v28 (entry 29 or the entry after
 * it lies, so neither goes out), bad-offset at 29, and from 30 on v31..v49 (the broker's own
 * search passes the entry claiming 5 when asked for 30: no repeat).
 */
async function expectReadPastDownwardLie(
  { k, topic, sent }: { k: LocalKafka; topic: string; sent: string[] },
  init: FetchEngineInit = {},
): Promise<void> {
  const { h, delivered, err } = await readToError(k, topic, 29, init);
  expect(delivered).toEqual(sent.slice(0, 29));
  expect(err).toMatchObject({ reason: 'bad-offset', topic, partition: 0, offset: 29n });
  expect(h.engine.position(topic, 0)).toBe(29n);
  expect(await readFrom(h, topic, (err as CorruptError).offset! + 1n, 19)).toEqual(sent.slice(31));
}

describe('fetch engine: a damaged log segment (Kafka 0.8.2.2)', () => {
  it('delivers the records before the damaged one, fails at its offset, and reads on after a seek past it', async () => {
    const { k, topic, sent } = await damagedTopic('fe-damaged');

    const { h, delivered, err } = await readToError(k, topic, 30);
    expect(delivered).toEqual(sent.slice(0, 30));
    expect(err).toBeInstanceOf(CorruptError);
    expect(err).toMatchObject({ reason: 'bad-crc', topic, partition: 0, offset: 30n });
    expect(h.engine.position(topic, 0)).toBe(30n);
    expect(await readFrom(h, topic, 31n, 19)).toEqual(sent.slice(31));

    // The CLI stops the same way, with a line that names where (kcat with check.crcs=true prints
    // the records before it and "Message at offset 30 ... failed CRC32 check").
    const r = await cli([
      'consume',
      '--brokers',
      k.brokers,
      '--topic',
      topic,
      '-o',
      '25',
      '--exit-at-end',
      '-f',
      'value',
    ]);
    expect(r.stdout).toBe(`${sent.slice(25, 30).join('\n')}\n`);
    expect(r.stderr).toMatch(new RegExp(`^kafka08: CorruptError: ${topic}/0 offset 30: .*bad-crc`));
    expect(r.code).toBe(1);
  });

  it('an offset field flipped on disk to claim 5 (no CRC covers it): the records before the step, bad-offset, and reading on from err.offset + 1 delivers the rest', async () => {
    await expectReadPastDownwardLie(await lyingTopic('fe-lie-down', 5n));
  });

  it('the same lie at the start of an answer (the fetch before ends inside v29): the same records, the same error offset, the same rest', async () => {
    const t = await lyingTopic('fe-lie-down-cut', 5n);
    const segment = segmentOf(t.k, t.topic);
    // The first answer holds v0..v28 and 5 bytes of v29; the next, from 29, opens with v29, then
    // the entry claiming 5.
    const fetchSizeBytes = entryAt(readFileSync(segment), 29n, segment).pos + 5;
    await expectReadPastDownwardLie(t, { fetchSizeBytes });
  });

  it('an offset field rewritten on disk to claim 45: bad-offset after v29, and reading on from err.offset + 1 delivers the rest though the broker serves the lying entry first', async () => {
    // Below the high watermark (50): a claim above it would make the broker end every answer in
    // front of the entry, for every client, since it reads up to the first entry claiming it.
    const { k, topic, sent } = await lyingTopic('fe-lie-up', 45n);
    const { h, delivered, err } = await readToError(k, topic, 30);
    expect(delivered).toEqual(sent.slice(0, 30));
    expect(err).toMatchObject({ reason: 'bad-offset', topic, partition: 0, offset: 31n });
    expect(h.engine.position(topic, 0)).toBe(30n);
    // Asked for 32 (or 31), the broker answers from the entry claiming 45: it is taken for what
    // the entries after it say it is, one below the fetch offset.
    expect(await readFrom(h, topic, (err as CorruptError).offset! + 1n, 18)).toEqual(sent.slice(32));
    expect(await readFrom(h, topic, 31n, 19)).toEqual(sent.slice(31));
  });

  it('an offset field rewritten on disk to claim 2^40, past the log end: the broker serves nothing from 30 on, and a group consumer reports partition-stalled at 30', async () => {
    const { k, topic, sent } = await lyingTopic('ks-stalled', 1n << 40n);
    const s = new KafkaSource(topic, new SimpleStringSchema(), kafkaSourceProps(k, `${topic}-g`));
    const stalled = new Promise<PartitionStalledEvent>((resolve) => s.once('partition-stalled', resolve));
    try {
      const seen: string[] = [];
      while (seen.length < 30) seen.push((await within(s.read(), 30_000, `reading v${seen.length}`))!);
      expect(seen).toEqual(sent.slice(0, 30));
      // v31..v49 lie behind the entry for every consumer; the lag never shrinks, and now it is said.
      expect(await within(stalled, 30_000, 'partition-stalled')).toEqual({
        topic,
        partition: 0,
        offset: 30n,
        highWatermark: 50n,
        emptyAnswers: 3,
      });
    } finally {
      await s.close();
    }
    // The CLI says so on stderr instead of waiting without a word (--exit-at-end never ends
    // here; the test's timeout sends SIGTERM, which stops it with 130). Empty answers come every
    // 100 ms here, so the warning is due about 0.3 s after the 30 records, well within it.
    const r = await cli(
      [
        'consume',
        '--brokers',
        k.brokers,
        '--topic',
        topic,
        '--exit-at-end',
        '-f',
        'value',
        '-X',
        'fetch.wait.max.ms=100',
      ],
      '',
      {},
      6000,
    );
    expect(r.stdout).toBe(`${sent.slice(0, 30).join('\n')}\n`);
    expect(r.stderr).toMatch(
      new RegExp(
        `^kafka08: ${topic}/0 offset 30: the broker serves no records there though its high watermark is 50 `,
        'm',
      ),
    );
    expect(r.stderr.match(/serves no records/g)).toHaveLength(1);
    expect(r.code).toBe(130);
  });

  it('a group consumer (KafkaSource): the records before it, the error, the same error for a later read, the group offset at it', async () => {
    const { k, topic, sent } = await damagedTopic('ks-damaged');
    const group = `${topic}-g`;

    const s = new KafkaSource(topic, new SimpleStringSchema(), kafkaSourceProps(k, group));
    try {
      const seen: string[] = [];
      const err = await within(
        (async () => {
          for (let v = await s.read(); v !== undefined; v = await s.read()) seen.push(v);
          return new Error('the source ended without an error');
        })().catch((e: unknown) => e),
        60_000,
        'reading to the damaged record',
      );
      expect(seen).toEqual(sent.slice(0, 30));
      expect(err).toBeInstanceOf(CorruptError);
      expect(err).toMatchObject({ reason: 'bad-crc', topic, partition: 0, offset: 30n });
      // Its only partition is stopped: a later read gets the error again instead of waiting.
      await expect(within(s.read(), 10_000, 'a read after the error')).rejects.toBe(err);
    } finally {
      await s.close();
    }
    // The close commits what was handed out: up to the damaged record, as the 0.8 layout says.
    expect(await k.zkGet(`/consumers/${group}/offsets/${topic}/0`)).toBe('30');
  });

  it('a damaged message inside a gzip wrapper whose own CRC holds: the ones before it, the error, then the rest from its offset + 1', async () => {
    // The third inner message's CRC is wrong; the wrapper's is right. The 0.8.2 broker checks
    // the wrapper, numbers the inner messages and compresses them again as they are.
    const inner = Buffer.concat(
      ['c0', 'c1', 'c2', 'c3', 'c4'].map((v, i) =>
        rawEntry({ offset: BigInt(i), value: Buffer.from(v), crc: i === 2 ? 1 : undefined }),
      ),
    );
    const { k, topic } = await topicOfSets('fe-damaged-inner', [
      rawEntry({ offset: 4n, attributes: Codec.Gzip, value: compress(Codec.Gzip, inner) }),
      encodeMessageSet([{ value: Buffer.from('d0') }, { value: Buffer.from('d1') }]),
    ]);

    const { h, delivered, err } = await readToError(k, topic, 2);
    expect(delivered).toEqual(['c0', 'c1']);
    expect(err).toMatchObject({ reason: 'bad-crc', topic, partition: 0, offset: 2n });
    expect(h.engine.position(topic, 0)).toBe(2n);
    expect(await readFrom(h, topic, 3n, 4)).toEqual(['c3', 'c4', 'd0', 'd1']);
  });

  it('a gzip wrapper whose offset field was rewritten on disk to claim 5: the sound wrapper before it is delivered, and one skip passes the liar', async () => {
    // Six wrappers of ten; the broker numbers each, so on disk they claim 9, 19, ..., 59.
    const sent = Array.from({ length: 60 }, (_, i) => `w${i}`);
    const { k, topic } = await topicOfSets(
      'fe-wrapper-lie',
      [0, 1, 2, 3, 4, 5].map((w) =>
        encodeMessageSet(
          sent.slice(w * 10, w * 10 + 10).map((v) => ({ value: Buffer.from(v) })),
          { codec: Codec.Gzip },
        ),
      ),
    );
    const field = Buffer.alloc(8);
    field.writeBigInt64BE(5n);
    editEntry(k, topic, 39n, () => ({ at: 0, bytes: field }));

    // The wrapper before the step claims exactly its last message (29), which its CRC covers: it
    // is sound and goes out; the error names where the partition stands.
    const { h, delivered, err } = await readToError(k, topic, 30);
    expect(delivered).toEqual(sent.slice(0, 30));
    expect(err).toMatchObject({ reason: 'bad-offset', topic, partition: 0, offset: 30n });
    expect(h.engine.position(topic, 0)).toBe(30n);
    // Asked for 31, the broker passes the entry claiming 5 and answers from w40.
    expect(await readFrom(h, topic, (err as CorruptError).offset! + 1n, 20)).toEqual(sent.slice(40));
  });
});
