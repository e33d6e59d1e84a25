// Loads a scenario's topic with our own Produce encoder (produceRequest + encodeMessageSet,
// acks 1, large pipelined batches). Values are deterministic pseudo-random text over a
// 16-letter alphabet (about 4 bits of entropy per byte), so snappy and gzip compress them
// roughly the way they compress real payloads instead of collapsing repeated values.
import { performance } from 'node:perf_hooks';

const { BrokerConnection } = await import('../../dist/simple-consumer/connection.js');
const { Codec, encodeMessageSet, metadataRequest, produceRequest } = await import(
  '../../dist/protocol/index.js'
);

const ALPHABET = Buffer.from('etaoinshrdlucmfw');
/**
 * Every topic is written as Java's 0.8 producer wrote it: 200 messages per partition per request
 * (`batch.num.messages`), so each request becomes one append of 200 messages in the broker's log.
 *
 * The append size decides how fast a 0.8 broker can serve a fetch, for every client:
 * - The broker adds at most one offset-index entry per append. To find a fetch's start offset
 *   (and, for a consumer, the high watermark) it looks up the index and then reads the message
 *   headers after that entry ONE SYSCALL PER MESSAGE until it gets there. Our first loader sent
 *   2 MiB requests (16k messages per append): every fetch then paid thousands of reads, 1p ran
 *   at about half speed for kcat and the JVM, and a topic whose partitions ended on a large
 *   append looked like "the broker is slow with 8 partitions". bench/README.md has the figures.
 * - For compressed topics the broker recompresses all messages of one request's partition into
 *   ONE wrapper, so bigger requests would also build wrappers larger than a 1 MiB fetch, which
 *   stalls Kafka's own consumer.
 * `appendMessages` overrides the 200, to reproduce the bulk layout.
 */
const APPEND_MESSAGES = 200;
const IN_FLIGHT = 8;

/**
 * `json` wraps the same text in a JSON object of the same size (`{"n":123,"text":"..."}`), for
 * readers that parse values; it needs size >= 32.
 */
function makeValues(start, n, size, seed, format = 'text') {
  let x = (seed ^ (start * 2654435761)) >>> 0 || 1;
  const out = [];
  for (let i = 0; i < n; i++) {
    const v = Buffer.allocUnsafe(size);
    const label = format === 'json' ? `{"n":${start + i},"text":"` : `${start + i}:`;
    const w = v.write(label.slice(0, size), 0, 'latin1');
    const end = format === 'json' ? size - 2 : size;
    for (let j = w; j < end; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      v[j] = ALPHABET[x & 15];
    }
    if (format === 'json') v.write('"}', size - 2, 'latin1');
    out.push({ key: null, value: v });
  }
  return out;
}

function encodeChunk(messages, codec) {
  return codec === Codec.None ? encodeMessageSet(messages) : encodeMessageSet(messages, { codec });
}

/**
 * Writes `count` messages of `size` bytes spread evenly (round-robin blocks) over the
 * partitions of `topic` (`valueFormat`: `text` or `json`, see makeValues). Returns { ms, bytes }
 * for the report.
 */
export async function produceScenario({
  brokers,
  topic,
  partitions,
  count,
  size,
  compression,
  appendMessages = APPEND_MESSAGES,
  valueFormat = 'text',
}) {
  if (valueFormat === 'json' && size < 32) throw new Error('JSON values need at least 32 bytes');
  const codec = { none: Codec.None, gzip: Codec.Gzip, snappy: Codec.Snappy, lz4: Codec.Lz4 }[compression];
  const t0 = performance.now();
  const [host, port] = brokers.split(',')[0].split(':');
  const boot = new BrokerConnection({ host, port: Number(port), clientId: 'kafka08-bench-producer' });
  const md = await boot.send(metadataRequest({ topics: [topic] }));
  const tm = md.topics.find((x) => x.topic === topic);
  if (!tm) throw new Error(`topic ${topic} missing`);
  const conns = new Map();
  const connFor = (leader) => {
    let c = conns.get(leader);
    if (!c) {
      const b = md.brokers.find((x) => x.nodeId === leader);
      c = new BrokerConnection({ host: b.host, port: b.port, clientId: 'kafka08-bench-producer' });
      conns.set(leader, c);
    }
    return c;
  };
  const chunk = appendMessages;
  const perPartition = Math.ceil(count / partitions);
  let bytes = 0;
  const jobs = [];
  for (let p = 0; p < partitions; p++) {
    const first = p * perPartition;
    const n = Math.min(perPartition, count - first);
    for (let i = 0; i < n; i += chunk)
      jobs.push({ partition: p, start: first + i, n: Math.min(chunk, n - i) });
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const set = encodeChunk(makeValues(job.start, job.n, size, 0x9e3779b9, valueFormat), codec);
      bytes += set.length;
      const leader = tm.partitions.find((x) => x.partition === job.partition).leader;
      const resp = await connFor(leader).send(
        produceRequest({
          requiredAcks: 1,
          timeoutMs: 30_000,
          topics: [{ topic, partitions: [{ partition: job.partition, messageSet: set }] }],
        }),
        { timeoutMs: 60_000 },
      );
      const err = resp.topics[0].partitions[0].errorCode;
      if (err !== 0) throw new Error(`produce to ${topic}/${job.partition} failed with error ${err}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  for (const c of [boot, ...conns.values()]) await c.close();
  return { ms: performance.now() - t0, wireBytes: bytes };
}
