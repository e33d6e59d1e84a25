import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FlinkKafkaConsumer081,
  FlinkKafkaConsumer082,
  type KafkaRecord,
  KafkaRecordSchema,
  KafkaSource,
  PersistentKafkaSource,
} from '../../src/index.js';
import { joinOffset } from '../../src/protocol/message-set-bytes.js';
import type { Compression, RigRecord } from '../../src/rig/index.js';
import { straddlingValueLengths } from '../fixtures/message-set/threshold-sets.js';
import { CLI } from '../helpers/cli.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { kafkaSourceProps, props, readN, uniqueGroup } from './consumers-helpers.js';
import { engineFor } from './fetch-engine-support.js';

// Kafka's own JVM producer writes each codec with values from 0 bytes to 100 KB, sizes around
// every threshold our decoders have; every consumer form and the CLI must read exactly what
// Kafka's own SimpleConsumer reads: same offsets, keys and values, each once.

const CODECS: Compression[] = ['none', 'gzip', 'snappy', 'lz4'];
const k = () => sharedCluster('0.8.2.2');

/** Records as comparable lines: offset, key and value in base64. */
type Line = string;
const line = (offset: bigint, key: Buffer | null, value: Buffer | null): Line =>
  `${offset} ${key === null ? '-' : key.toString('base64')} ${value === null ? '-' : value.toString('base64')}`;

function values(): RigRecord[] {
  const lengths = [...straddlingValueLengths(), 30_000, 65_536, 100 * 1024];
  const out: RigRecord[] = [];
  for (const [i, n] of lengths.entries()) {
    const value = Buffer.alloc(n);
    for (let j = 0; j < n; j++) value[j] = (i * 131 + j * 7 + (j >> 5)) & 0xff;
    out.push({ key: i % 3 === 0 ? null : `key-${i}`, value });
    // A small message beside each: a wrapper then mixes sizes, as the did.
    out.push({ key: null, value: i % 5 === 0 ? null : `small-${i}` });
  }
  return out;
}

/** Sends in producer calls of under ~600 KB, so no wrapper passes the broker's message.max.bytes. */
async function produceAll(topic: string, compression: Compression, records: RigRecord[]): Promise<void> {
  let batch: RigRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const n = (r.value as Buffer | string | null)?.length ?? 0;
    if (bytes + n > 600_000 && batch.length > 0) {
      await k().produce(topic, batch, { compression });
      batch = [];
      bytes = 0;
    }
    batch.push(r);
    bytes += n;
  }
  if (batch.length > 0) await k().produce(topic, batch, { compression });
}

const topics = new Map<Compression, { topic: string; expected: Line[] }>();

beforeAll(async () => {
  const records = values();
  for (const codec of CODECS) {
    const topic = uniqueTopic(`every-size-${codec}`);
    await k().createTopic({ name: topic, partitions: 1 });
    await produceAll(topic, codec, records);
    const viaKafka = (await k().fetch(topic, 0)).map((m) => line(m.offset, m.key, m.value));
    expect(viaKafka.length).toBe(records.length);
    topics.set(codec, { topic, expected: viaKafka });
  }
}, 300_000);

function recordLines(rs: KafkaRecord[]): Line[] {
  return rs.map((r) => line(r.offset, r.key, r.value));
}

async function engineForms(topic: string, n: number): Promise<Record<string, Line[]>> {
  const { engine: e, close } = engineFor(k(), { maxWaitMs: 50, autoOffsetReset: 'earliest' });
  const each: Line[] = [];
  const copied: Line[] = [];
  const messages: Line[] = [];
  try {
    e.assign([{ topic, partition: 0, offset: 0n }]);
    while (each.length < n) {
      const b = await e.next();
      b.forEachMessage((o, key, v) => each.push(line(o, key, v)));
      b.forEachMessageCopied((hi, lo, key, v) => copied.push(line(joinOffset(hi, lo), key, v)));
      for (const m of b.messages) messages.push(line(m.offset, m.key, m.value));
    }
  } finally {
    await close();
  }
  return { each, copied, messages };
}

function cliLines(topic: string): Promise<{ code: number; lines: Line[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'consume',
        '--brokers',
        k().brokers,
        '--topic',
        topic,
        '--exit-at-end',
        '--key-encoding',
        'base64',
        '--value-encoding',
        'base64',
      ],
      { env: { ...process.env, KAFKA08_BROKERS: '' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => {
          const j = JSON.parse(l) as { offset: string; key: string | null; value: string | null };
          return `${j.offset} ${j.key ?? '-'} ${j.value ?? '-'}`;
        });
      resolve({ code: code ?? 1, lines, stderr: err });
    });
  });
}

describe.each(CODECS)("codec %s, values 0 B to 100 KB written by Kafka's producer", (codec) => {
  it('the engine forms read exactly what Kafka reads', async () => {
    const { topic, expected } = topics.get(codec)!;
    const forms = await engineForms(topic, expected.length);
    for (const [form, got] of Object.entries(forms)) expect({ form, got }).toEqual({ form, got: expected });
  });

  it('every consumer class and reading form reads exactly what Kafka reads', async () => {
    const { topic, expected } = topics.get(codec)!;
    const n = expected.length;
    const schema = new KafkaRecordSchema();
    const base = (g: string) => props(k(), uniqueGroup(g), { 'auto.commit.enable': false });

    const c082 = new FlinkKafkaConsumer082(topic, schema, base('every-082'));
    try {
      expect(recordLines(await readN(c082, n))).toEqual(expected);
    } finally {
      await c082.close();
    }

    const c081 = new FlinkKafkaConsumer081(topic, schema, base('every-081'));
    try {
      const got: KafkaRecord[] = [];
      while (got.length < n) got.push(...((await c081.nextBatch())?.records ?? []));
      expect(recordLines(got)).toEqual(expected);
    } finally {
      await c081.close();
    }

    const iter = new FlinkKafkaConsumer082(topic, schema, base('every-iter'));
    const viaIter: KafkaRecord[] = [];
    for await (const r of iter) {
      viaIter.push(r);
      if (viaIter.length === n) break;
    }
    expect(recordLines(viaIter)).toEqual(expected);

    const streamed = new PersistentKafkaSource(topic, schema, props(k(), uniqueGroup('every-stream')));
    const viaStream: KafkaRecord[] = [];
    const s = streamed.stream();
    for await (const r of s) {
      viaStream.push(r as KafkaRecord);
      if (viaStream.length === n) break;
    }
    await streamed.close();
    expect(recordLines(viaStream)).toEqual(expected);

    const polled = new FlinkKafkaConsumer082(topic, schema, base('every-poll'));
    try {
      const viaPoll: KafkaRecord[] = [];
      while (viaPoll.length < n && (await polled.ready())) {
        for (let r = polled.poll(); r !== undefined; r = polled.poll()) viaPoll.push(r.value);
      }
      expect(recordLines(viaPoll)).toEqual(expected);
    } finally {
      await polled.close();
    }

    const source = new KafkaSource(topic, schema, kafkaSourceProps(k(), uniqueGroup('every-source')));
    try {
      expect(recordLines(await readN(source, n))).toEqual(expected);
    } finally {
      await source.close();
    }
  });

  it('kafka08 consume prints exactly what Kafka reads', async () => {
    const { topic, expected } = topics.get(codec)!;
    const r = await cliLines(topic);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(expected);
  });
});
