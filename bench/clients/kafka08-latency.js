// End-to-end latency of kafka08 at a steady low rate: this process produces one message every
// `intervalMs` (acks 1, our Produce encoder) carrying its send time, and consumes the same
// partition through our FetchEngine (long-polling fetches: maxWait 500 ms, minBytes 1) on
// separate connections.
// Latency = delivered-to-callback time minus send time, same clock. Prints one JSON line.
//
//   node bench/clients/kafka08-latency.js <brokers> <topic> <messages> <intervalMs>
import { performance } from 'node:perf_hooks';

const [brokers, topic, messagesArg, intervalArg] = process.argv.slice(2);
const total = Number(messagesArg ?? 5000);
const intervalMs = Number(intervalArg ?? 2);
const { BrokerConnection, BrokerPool, ClusterMetadata, FetchEngine } = await import(
  '../../dist/simple-consumer/index.js'
);
const { encodeMessageSet, produceRequest } = await import('../../dist/protocol/index.js');
const [host, port] = brokers.split(',')[0].split(':');
const prod = new BrokerConnection({ host, port: Number(port), clientId: 'kafka08-bench-lat-p' });
const pool = new BrokerPool({ clientId: 'kafka08-bench-lat-c', requestTimeoutMs: 30_000 });
const engine = new FetchEngine(new ClusterMetadata({ seedBrokers: brokers, pool }), {
  maxWaitMs: 500,
  minBytes: 1,
  autoOffsetReset: 'smallest',
});

const latencies = [];
let consumed = 0;
const consume = async () => {
  engine.assign([{ topic, partition: 0, offset: 0n }]);
  while (consumed < total) {
    const batch = await engine.next();
    const now = performance.now();
    for (const m of batch.messages) {
      latencies.push(now - m.value.readDoubleBE(0));
      consumed++;
    }
  }
};

const produce = async () => {
  const value = Buffer.alloc(100, 0x61);
  let sent = 0;
  const start = performance.now();
  while (sent < total) {
    // Paced against the schedule, not the previous send, so the rate stays steady.
    const due = start + sent * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    value.writeDoubleBE(performance.now(), 0);
    const set = encodeMessageSet([{ value }]);
    prod
      .send(
        produceRequest({
          requiredAcks: 1,
          timeoutMs: 10_000,
          topics: [{ topic, partitions: [{ partition: 0, messageSet: set }] }],
        }),
      )
      .catch((e) => {
        process.stderr.write(`produce failed: ${e}\n`);
      });
    sent++;
  }
};

const timer = setTimeout(() => {
  finish('timed out');
}, 120_000);
await Promise.all([consume(), produce()]).catch((e) => finish(String(e)));
finish();

function finish(error) {
  clearTimeout(timer);
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null;
  process.stdout.write(
    `${JSON.stringify({
      client: 'kafka08',
      samples: sorted.length,
      ratePerSec: 1000 / intervalMs,
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      maxMs: sorted.at(-1) ?? null,
      ...(error ? { error } : {}),
    })}\n`,
  );
  process.exit(0);
}
