#!/usr/bin/env node
/**
 * Captures raw response frames from real Kafka 0.8.2.2 and 0.8.1.1 brokers (started by the rig)
 * and writes them as annotated hex fixtures into test/fixtures/protocol/hex/, one field per
 * line. The unit test hex-fixtures.test.ts then decodes, re-encodes and truncation-sweeps them.
 *
 *   npm run build && node scripts/capture-fixtures.mjs [0.8.2.2|0.8.1.1 ...]
 *
 * Field names come from our own encoder: the decoded response is re-encoded through a Writer
 * that records every field it writes (the fixture test proves the re-encoding is identical).
 * Ports, hosts and generated values vary between captures; that is expected.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as proto from '../dist/protocol/index.js';
import { startLocalKafka } from '../dist/rig/index.js';

const {
  Codec,
  consumerMetadataRequest,
  EARLIEST_TIME,
  encodeMessageSet,
  encodeRequest,
  fetchRequest,
  LATEST_TIME,
  metadataRequest,
  offsetCommitRequest,
  offsetFetchRequest,
  offsetsRequest,
  produceRequest,
  Reader,
  Writer,
} = proto;

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'protocol', 'hex');

/** A Writer that remembers [start, end, field, value] of each outermost field written. */
class RecordingWriter extends Writer {
  fields = [];
  depth = 0;
  record(field, value, write) {
    const start = this.pos;
    this.depth++;
    try {
      write();
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.fields.push({ start, end: this.pos, field, value });
    return this;
  }
}
for (const m of ['int8', 'int16', 'int32', 'uint32', 'int64', 'string', 'bytes']) {
  const base = Writer.prototype[m];
  RecordingWriter.prototype[m] = function (v, field) {
    return this.record(field ?? m, v, () => base.call(this, v, field));
  };
}

function hexLines(buf, start, end, comment) {
  const lines = [];
  for (let at = start; at < end || at === start; at += 16) {
    const chunk = buf
      .subarray(at, Math.min(end, at + 16))
      .toString('hex')
      .replace(/(..)(?!$)/g, '$1 ');
    lines.push(`${chunk.padEnd(48)}${at === start ? `# ${comment}` : '#   ...'}`);
    if (end === start) break;
  }
  return lines;
}

function show(v) {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return String(v);
}

/** Walks a magic-0 message set, one line per field; a cut-off entry is shown as such. */
function messageSetLines(buf, start, end) {
  const lines = [];
  let p = start;
  while (p < end) {
    if (end - p < 12 || end - p - 12 < buf.readInt32BE(p + 8)) {
      lines.push(...hexLines(buf, p, end, `partial entry: ${end - p} bytes (a fetch cut at MaxBytes)`));
      return lines;
    }
    const size = buf.readInt32BE(p + 8);
    const attrs = buf[p + 17];
    const codec = ['none', 'gzip', 'snappy', 'lz4'][attrs & 7] ?? `codec ${attrs & 7}`;
    lines.push(...hexLines(buf, p, p + 8, `  Offset ${buf.readBigInt64BE(p)}`));
    lines.push(...hexLines(buf, p + 8, p + 12, `  MessageSize ${size}`));
    lines.push(...hexLines(buf, p + 12, p + 16, '  Crc'));
    lines.push(...hexLines(buf, p + 16, p + 17, `  MagicByte ${buf[p + 16]}`));
    lines.push(...hexLines(buf, p + 17, p + 18, `  Attributes (compression ${codec})`));
    let q = p + 18;
    for (const name of ['Key', 'Value']) {
      const len = buf.readInt32BE(q);
      const n = Math.max(len, 0);
      const what =
        len < 0
          ? 'null'
          : name === 'Value' && codec !== 'none'
            ? `${len} bytes, ${codec}-compressed inner set`
            : JSON.stringify(buf.toString('latin1', q + 4, q + 4 + n));
      lines.push(...hexLines(buf, q, q + 4 + n, `  ${name}: ${what}`));
      q += 4 + n;
    }
    p += 12 + size;
  }
  return lines;
}

function annotate(frame, request, title) {
  const body = frame.subarray(8);
  const decoded = request.decodeResponse(new Reader(body));
  const w = new RecordingWriter();
  w.int32(frame.readInt32BE(4), 'CorrelationId');
  const { encodeResponseBody } = request;
  encodeResponseBody(w, decoded);
  const again = w.toBuffer();
  if (!again.equals(frame.subarray(4)))
    throw new Error(`${title}: re-encoding differs from the broker's frame`);
  const lines = hexLines(frame, 0, 4, `Size ${frame.length - 4}`);
  for (const f of w.fields) {
    if (f.value instanceof Uint8Array && f.field.endsWith('messageSet')) {
      lines.push(...hexLines(frame, f.start + 4, f.start + 8, `${f.field}Size ${f.value.length}`));
      lines.push(...messageSetLines(frame, f.start + 8, f.end + 4));
    } else {
      lines.push(...hexLines(frame, f.start + 4, f.end + 4, `${f.field} ${show(f.value)}`));
    }
  }
  return lines;
}

/** One request, one raw response frame, over a fresh socket. */
function exchange(host, port, request, correlationId) {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const chunks = [];
    let got = 0;
    s.setTimeout(30_000, () => s.destroy(new Error('timeout')));
    s.on('error', reject);
    s.on('data', (d) => {
      chunks.push(d);
      got += d.length;
      const all = Buffer.concat(chunks);
      if (got >= 4 && got >= 4 + all.readInt32BE(0)) {
        s.end();
        resolve(all.subarray(0, 4 + all.readInt32BE(0)));
      }
    });
    s.write(encodeRequest(request, correlationId, 'kafka08-capture'));
  });
}

/** The request objects carry the decoder; the matching body encoder comes from this table. */
function withEncoder(request, api) {
  return { ...request, encodeResponseBody: RESPONSE_ENCODERS[api] };
}

const RESPONSE_ENCODERS = {
  metadata: proto.encodeMetadataResponseBody,
  fetch: proto.encodeFetchResponseBody,
  offsets: proto.encodeOffsetsResponseBody,
  'offset-commit': proto.encodeOffsetCommitResponseBody,
  'offset-fetch': proto.encodeOffsetFetchResponseBody,
  'consumer-metadata': proto.encodeConsumerMetadataResponseBody,
  produce: proto.encodeProduceResponseBody,
};

async function capture(version) {
  const k = await startLocalKafka({ version });
  const written = [];
  try {
    const [{ host, port }] = k.brokerList;
    let corr = 1;
    const tag = `kafka-${version}`;
    const save = async (api, apiVersion, name, description, request, target = { host, port }) => {
      const frame = await exchange(target.host, target.port, request, corr++);
      const file = `${api}-v${apiVersion}.${name}.${tag}.response.hex`;
      const text = [
        `# Captured from a real Kafka ${version} broker by scripts/capture-fixtures.mjs:`,
        `# ${description}`,
        `# @api ${api}`,
        `# @version ${apiVersion}`,
        '# @kind response',
        ...annotate(frame, withEncoder(request, api), file),
        '',
      ].join('\n');
      writeFileSync(join(OUT, file), text);
      written.push(file);
      return request.decodeResponse(new Reader(frame.subarray(8)));
    };

    await k.createTopic({ name: 'fixture', partitions: 1 });
    await k.createTopic({ name: 'fixture-gzip', partitions: 1 });
    const records = [
      { key: 'k0', value: 'v0' },
      { key: null, value: 'no key' },
      { key: 'tombstone', value: null },
    ];
    await k.produce('fixture', records);
    await k.produce('fixture-gzip', records, { compression: 'gzip' });
    const fetchAt = (topic, fetchOffset, maxBytes = 1 << 20) =>
      fetchRequest({
        maxWaitMs: 0,
        minBytes: 0,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset, maxBytes }] }],
      });

    await save(
      'metadata',
      0,
      'existing-topic',
      'Metadata for an existing 1-partition topic.',
      metadataRequest({ topics: ['fixture'] }),
    );
    await save(
      'metadata',
      0,
      'auto-create',
      'First Metadata for an unknown topic: auto-created, LeaderNotAvailable (5).',
      metadataRequest({ topics: ['fixture-auto'] }),
    );
    await save(
      'fetch',
      0,
      'data',
      'Fetch from 0 of 3 uncompressed messages (key, null key, null value).',
      fetchAt('fixture', 0n),
    );
    await save(
      'fetch',
      0,
      'gzip',
      'Fetch from 0 of the same 3 messages in one gzip wrapper.',
      fetchAt('fixture-gzip', 0n),
    );
    await save(
      'fetch',
      0,
      'partial',
      'Fetch with MaxBytes 40: one whole entry, then a partial one.',
      fetchAt('fixture', 0n, 40),
    );
    await save(
      'fetch',
      0,
      'log-end',
      'Fetch at the log end (offset 3): no error, empty set.',
      fetchAt('fixture', 3n),
    );
    await save(
      'fetch',
      0,
      'out-of-range',
      'Fetch at offset 100 of a 3-message log: OffsetOutOfRange (1).',
      fetchAt('fixture', 100n),
    );
    for (const [name, timeMs] of [
      ['earliest', EARLIEST_TIME],
      ['latest', LATEST_TIME],
    ]) {
      await save(
        'offsets',
        0,
        name,
        `Offsets with time ${timeMs} (${name}).`,
        offsetsRequest({
          topics: [{ topic: 'fixture', partitions: [{ partition: 0, timeMs, maxNumberOfOffsets: 1 }] }],
        }),
      );
    }
    await save(
      'offset-commit',
      0,
      'zookeeper',
      'OffsetCommit v0 of offset 2 for group fixture-group.',
      offsetCommitRequest({
        version: 0,
        consumerGroupId: 'fixture-group',
        topics: [{ topic: 'fixture', partitions: [{ partition: 0, offset: 2n, metadata: '' }] }],
      }),
    );
    await save(
      'offset-fetch',
      0,
      'zookeeper',
      'OffsetFetch v0: partition 0 committed, partition 1 unknown.',
      offsetFetchRequest({
        version: 0,
        consumerGroupId: 'fixture-group',
        topics: [{ topic: 'fixture', partitions: [0, 1] }],
      }),
    );
    await save(
      'produce',
      0,
      'acks1',
      'Produce acks 1 of 2 messages encoded by kafka08 (snappy): base offset 3.',
      produceRequest({
        requiredAcks: 1,
        timeoutMs: 10_000,
        topics: [
          {
            topic: 'fixture',
            partitions: [
              {
                partition: 0,
                messageSet: encodeMessageSet(
                  [{ key: Buffer.from('a'), value: Buffer.from('b') }, { value: Buffer.from('c') }],
                  { codec: Codec.Snappy },
                ),
              },
            ],
          },
        ],
      }),
    );

    if (version === '0.8.2.2') {
      let cm;
      for (let i = 0; i < 240; i++) {
        const r = await exchange(
          host,
          port,
          consumerMetadataRequest({ consumerGroup: 'fixture-group' }),
          corr++,
        );
        cm = proto.decodeConsumerMetadataResponseBody(new Reader(r.subarray(8)));
        if (cm.errorCode === 0) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      await save(
        'consumer-metadata',
        0,
        'coordinator',
        'ConsumerMetadata once __consumer_offsets is ready.',
        consumerMetadataRequest({ consumerGroup: 'fixture-group' }),
      );
      const coord = { host: cm.coordinatorHost, port: cm.coordinatorPort };
      await save(
        'offset-commit',
        1,
        'coordinator',
        'OffsetCommit v1 of offset 2, metadata "m", broker time.',
        offsetCommitRequest({
          version: 1,
          consumerGroupId: 'fixture-group',
          consumerGroupGenerationId: -1,
          consumerId: '',
          topics: [
            { topic: 'fixture', partitions: [{ partition: 0, offset: 2n, timestampMs: -1n, metadata: 'm' }] },
          ],
        }),
        coord,
      );
      await save(
        'offset-fetch',
        1,
        'coordinator',
        'OffsetFetch v1: partition 0 committed, partition 1 nothing (-1, error 0).',
        offsetFetchRequest({
          version: 1,
          consumerGroupId: 'fixture-group',
          topics: [{ topic: 'fixture', partitions: [0, 1] }],
        }),
        coord,
      );
    }
  } finally {
    await k.stop();
  }
  return written;
}

const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['0.8.2.2', '0.8.1.1'];
for (const v of versions) {
  const files = await capture(v);
  console.log(`Kafka ${v}: wrote ${files.length} fixtures to ${OUT}\n  ${files.join('\n  ')}`);
}
