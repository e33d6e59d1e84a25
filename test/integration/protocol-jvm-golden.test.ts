/**
 * Byte-for-byte agreement with Kafka's own serializers (the kafka.api Scala classes of the
 * 0.8.2.2 and 0.8.1.1 jars, run by test/jvm/Golden08x.java): every request we encode equals
 * Kafka's bytes for the same input, every response Kafka writes decodes to the expected value
 * and re-encodes to the same bytes, and uncompressed message sets match ByteBufferMessageSet.
 * Where a hand-written sample exists, Kafka's bytes must also equal its golden.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeMessageSet,
  encodeMessageSet,
  encodeRequest,
  encodeResponseFrame,
  type FetchResponse,
  type MessageToEncode,
  Reader,
} from '../../src/protocol/index.js';
import type { KafkaVersion } from '../../src/rig/index.js';
import { toHex } from '../fixtures/protocol/bytes.js';
import { codecFor } from '../fixtures/protocol/codecs.js';
import { splitResponse } from '../fixtures/protocol/frames.js';
import {
  HELLO_ENTRY,
  REQUEST_SAMPLES,
  RESPONSE_SAMPLES,
  type RequestSample,
  type ResponseSample,
} from '../fixtures/protocol/samples.js';
import { kafkaGoldens } from '../jvm/golden.js';

const b = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'));
const big = Buffer.from(Array.from({ length: 3000 }, (_, i) => 97 + (i % 26)));

/** GoldenCommon.mixed(): keys, a null key, a null value, empty key and value, a 3000-byte value. */
const MIXED: MessageToEncode[] = [
  { key: b('k0'), value: b('v0') },
  { key: null, value: b('v1') },
  { key: b('k2'), value: null },
  { key: b(''), value: b('') },
  { key: b('big'), value: big },
];

function requestSample(name: string): RequestSample {
  const s = REQUEST_SAMPLES.find((x) => x.name === name);
  if (!s) throw new Error(`no request sample "${name}"`);
  return s;
}

function responseSample(name: string): ResponseSample {
  const s = RESPONSE_SAMPLES.find((x) => x.name === name);
  if (!s) throw new Error(`no response sample "${name}"`);
  return s;
}

interface RequestCase {
  jvm: string;
  versions: readonly KafkaVersion[];
  sample: Omit<RequestSample, 'golden' | 'name'> & { golden?: Buffer };
}

const BOTH = ['0.8.2.2', '0.8.1.1'] as const;
const ONLY_082 = ['0.8.2.2'] as const;

const REQUEST_CASES: RequestCase[] = [
  { jvm: 'req.metadata.one', versions: BOTH, sample: requestSample('metadata-v0 one topic') },
  { jvm: 'req.metadata.all', versions: BOTH, sample: requestSample('metadata-v0 all topics') },
  { jvm: 'req.fetch.one', versions: BOTH, sample: requestSample('fetch-v0 one partition') },
  {
    // The sample's topic without partitions cannot exist in Kafka's map-based request; this is
    // its closest form. Kafka writes the topics in Scala HashMap order, which puts beta first.
    jvm: 'req.fetch.two-topics',
    versions: BOTH,
    sample: {
      api: 'fetch',
      apiVersion: 0,
      correlationId: 0x7fffffff,
      clientId: 'kafka08',
      request: {
        replicaId: -2,
        maxWaitMs: 0,
        minBytes: 0,
        topics: [
          { topic: 'beta', partitions: [{ partition: 2, fetchOffset: 5n, maxBytes: 100 }] },
          {
            topic: 'alpha',
            partitions: [
              { partition: 0, fetchOffset: 0n, maxBytes: 1024 },
              { partition: 7, fetchOffset: 9007199254740993n, maxBytes: 0x7fffffff },
            ],
          },
        ],
      },
    },
  },
  { jvm: 'req.offsets', versions: BOTH, sample: requestSample('offsets-v0 latest and earliest') },
  { jvm: 'req.offset-fetch.v0', versions: BOTH, sample: requestSample('offset-fetch-v0') },
  { jvm: 'req.produce.acks1', versions: BOTH, sample: requestSample('produce-v0 acks 1') },
  {
    jvm: 'req.produce.acks0-empty',
    versions: BOTH,
    sample: requestSample('produce-v0 acks 0 (no response)'),
  },
  {
    jvm: 'req.produce.mixed',
    versions: BOTH,
    sample: {
      api: 'produce',
      apiVersion: 0,
      correlationId: 12,
      clientId: 'p',
      request: {
        requiredAcks: -1,
        timeoutMs: 30000,
        topics: [{ topic: 't', partitions: [{ partition: 3, messageSet: encodeMessageSet(MIXED) }] }],
      },
    },
  },
  { jvm: 'req.offset-commit.v0', versions: BOTH, sample: requestSample('offset-commit-v0 (ZooKeeper)') },
  { jvm: 'req.offset-commit.v1', versions: ONLY_082, sample: requestSample('offset-commit-v1 (Kafka)') },
  {
    jvm: 'req.offset-fetch.v1',
    versions: ONLY_082,
    sample: requestSample('offset-fetch-v1 every cached offset'),
  },
  { jvm: 'req.consumer-metadata', versions: ONLY_082, sample: requestSample('consumer-metadata-v0') },
];

interface ResponseCase {
  jvm: string;
  versions: readonly KafkaVersion[];
  sample: Omit<ResponseSample, 'golden' | 'name'> & { golden?: Buffer };
}

const RESPONSE_CASES: ResponseCase[] = [
  {
    jvm: 'resp.metadata',
    versions: ONLY_082,
    sample: responseSample('metadata-v0 brokers, error 9 with leader, auto-created topic'),
  },
  {
    // 0.8.1 derives the broker list from the partitions' leaders and replicas.
    jvm: 'resp.metadata',
    versions: ['0.8.1.1'],
    sample: {
      api: 'metadata',
      apiVersion: 0,
      correlationId: 1,
      response: {
        brokers: [{ nodeId: 0, host: 'localhost', port: 9092 }],
        topics: [
          {
            errorCode: 0,
            topic: 't',
            partitions: [
              { errorCode: 0, partition: 0, leader: 0, replicas: [0], isr: [0] },
              { errorCode: 5, partition: 1, leader: -1, replicas: [0], isr: [] },
            ],
          },
          { errorCode: 5, topic: 'new', partitions: [] },
        ],
      },
    },
  },
  { jvm: 'resp.offsets', versions: BOTH, sample: responseSample('offsets-v0 offsets arrays') },
  {
    jvm: 'resp.offset-commit',
    versions: BOTH,
    sample: responseSample('offset-commit ok and metadata too large'),
  },
  {
    jvm: 'resp.offset-fetch',
    versions: BOTH,
    sample: responseSample('offset-fetch-v0 committed and missing (error 3)'),
  },
  {
    jvm: 'resp.offset-fetch.v1-missing',
    versions: ONLY_082,
    sample: responseSample('offset-fetch-v1 missing (-1, error 0), null metadata'),
  },
  { jvm: 'resp.produce', versions: BOTH, sample: responseSample('produce-v0 ok and not leader') },
  {
    jvm: 'resp.consumer-metadata.ok',
    versions: ONLY_082,
    sample: responseSample('consumer-metadata-v0 coordinator'),
  },
  {
    jvm: 'resp.consumer-metadata.error',
    versions: ONLY_082,
    sample: responseSample('consumer-metadata-v0 error 15 dummy broker'),
  },
];

function messagesOf(set: Buffer, fetchOffset?: bigint) {
  const d = decodeMessageSet(set, { fetchOffset });
  expect(d.partialTail).toBe(false);
  return d.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value }));
}

function expected(base: bigint, msgs: readonly MessageToEncode[]) {
  return msgs.map((m, i) => ({
    offset: base + BigInt(i),
    key: m.key === undefined || m.key === null ? null : Buffer.from(m.key),
    value: m.value === null ? null : Buffer.from(m.value),
  }));
}

for (const version of BOTH) {
  describe(`Kafka ${version}'s own serializers agree with kafka08 byte for byte`, () => {
    let goldens: Map<string, Buffer>;
    const golden = (name: string): Buffer => {
      const g = goldens.get(name);
      if (!g) throw new Error(`the JVM program printed no case "${name}"`);
      return g;
    };

    beforeAll(async () => {
      goldens = await kafkaGoldens(version);
    });

    for (const c of REQUEST_CASES.filter((x) => x.versions.includes(version))) {
      it(`request ${c.jvm}`, () => {
        const s = c.sample;
        const ours = encodeRequest(codecFor(s.api).factory(s.request), s.correlationId, s.clientId);
        expect(toHex(ours)).toBe(toHex(golden(c.jvm)));
        if (s.golden) expect(toHex(s.golden)).toBe(toHex(golden(c.jvm)));
      });
    }

    for (const c of RESPONSE_CASES.filter((x) => x.versions.includes(version))) {
      it(`response ${c.jvm} decodes and re-encodes to Kafka's bytes`, () => {
        const s = c.sample;
        const kafka = golden(c.jvm);
        const { correlationId, body } = splitResponse(kafka);
        expect(correlationId).toBe(s.correlationId);
        const codec = codecFor(s.api);
        expect(codec.decodeResponse(new Reader(body))).toEqual(s.response);
        const ours = encodeResponseFrame(s.correlationId, (w) => codec.encodeResponse(w, s.response));
        expect(toHex(ours)).toBe(toHex(kafka));
        if (s.golden) expect(toHex(s.golden)).toBe(toHex(kafka));
      });
    }

    it('fetch response streamed by FetchResponseSend: plain, error, gzip and snappy sets', () => {
      const kafka = golden('resp.fetch');
      const { correlationId, body } = splitResponse(kafka);
      expect(correlationId).toBe(7);
      const resp = codecFor('fetch').decodeResponse(new Reader(body)) as FetchResponse;
      expect(resp.topics.map((t) => t.topic)).toEqual(['t']);
      const parts = resp.topics[0]?.partitions ?? [];
      expect(parts.map((p) => [p.partition, p.errorCode, p.highWatermark])).toEqual([
        [0, 0, 43n],
        [1, 1, -1n],
        [2, 0, 200n],
        [3, 0, 110n],
      ]);
      const [p0, p1, p2, p3] = parts;
      expect(toHex(p0?.messageSet ?? Buffer.alloc(0))).toBe(toHex(HELLO_ENTRY));
      expect(p1?.messageSet.length).toBe(0);
      expect(messagesOf(p2?.messageSet ?? Buffer.alloc(0))).toEqual(
        expected(197n, [
          { key: b('a'), value: b('x') },
          { key: null, value: b('y') },
          { key: b('c'), value: null },
        ]),
      );
      // A fetch at 198 gets the whole wrapper; the decoder drops what lies below the fetch offset.
      expect(messagesOf(p2?.messageSet ?? Buffer.alloc(0), 198n).map((m) => m.offset)).toEqual([198n, 199n]);
      expect(messagesOf(p3?.messageSet ?? Buffer.alloc(0))).toEqual(expected(100n, MIXED));
      const again = encodeResponseFrame(correlationId, (w) => codecFor('fetch').encodeResponse(w, resp));
      expect(toHex(again)).toBe(toHex(kafka));
    });

    const sets: [string, readonly MessageToEncode[], bigint][] = [
      ['set.none.hello', [{ value: b('hello') }], 42n],
      ['set.none.mixed', MIXED, 100n],
      ['set.none.empty', [], 0n],
    ];
    for (const [name, msgs, base] of sets) {
      it(`uncompressed message set ${name} equals ByteBufferMessageSet`, () => {
        const ours = encodeMessageSet(msgs, { baseOffset: base });
        expect(toHex(ours)).toBe(toHex(golden(name)));
        expect(messagesOf(golden(name))).toEqual(expected(base, msgs));
      });
    }
  });
}
