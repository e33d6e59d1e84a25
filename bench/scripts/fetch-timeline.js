// Starts its own rig, writes one topic, and reads it with the FetchEngine while timing every Fetch
// at the connection: how many answers came back with every partition empty (the broker then held
// the request for fetch.wait.max.ms), and whether reading stopped before the end. Found with
// bench/scaling.js: at 8 MiB of prefetch (the consumer classes' default), 16 partitions on
// 5 brokers stop for good once the partitions of three brokers are read to their end, and
// 32 partitions on one broker pay 100 ms waits on answers of caught-up partitions only.
//
//   node bench/scripts/fetch-timeline.js [--brokers 5] [--partitions 16] [--count 500000]
//     [--prefetch 8388608] [--wait 100] [--limit-s 20]
// Run it under the broker lock, after `npm run build`.
import { performance } from 'node:perf_hooks';
import { produceScenario } from '../lib/produce.js';

const { startLocalKafka } = await import('../../dist/rig/index.js');
const sc = await import('../../dist/simple-consumer/index.js');
const { ApiKey } = await import('../../dist/protocol/index.js');
const argv = process.argv.slice(2);
const value = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return Number(i >= 0 ? argv[i + 1] : d);
};
const brokers = value('brokers', 5);
const partitions = value('partitions', 16);
const count = value('count', 500_000);
const prefetchBytes = value('prefetch', 8 * 1024 * 1024);
const maxWaitMs = value('wait', 100);
const limitMs = value('limit-s', 20) * 1000;
const topic = 'timeline';

const fetches = [];
const send = sc.BrokerConnection.prototype.send;
sc.BrokerConnection.prototype.send = function timed(request, options) {
  if (request.apiKey !== ApiKey.Fetch) return send.call(this, request, options);
  const t0 = performance.now();
  return send.call(this, request, options).then((response) => {
    const sets = response.topics.flatMap((t) => t.partitions.map((p) => p.messageSet.length));
    fetches.push({
      ms: performance.now() - t0,
      parts: sets.length,
      empty: sets.filter((n) => n === 0).length,
    });
    return response;
  });
};

const kafka = await startLocalKafka({ brokers, topics: [{ name: topic, partitions }] });
let read = 0;
try {
  await produceScenario({ brokers: kafka.brokers, topic, partitions, count, size: 100, compression: 'none' });
  const pool = new sc.BrokerPool({ clientId: 'fetch-timeline', requestTimeoutMs: 30_000 });
  const cluster = new sc.ClusterMetadata({ seedBrokers: kafka.brokers, pool });
  const engine = new sc.FetchEngine(cluster, { autoOffsetReset: 'smallest', prefetchBytes, maxWaitMs });
  const t0 = performance.now();
  engine.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0n })));
  let lastAt = t0;
  while (read < count && performance.now() - t0 < limitMs) {
    const batch = await Promise.race([engine.next(), new Promise((r) => setTimeout(r, 1000, null))]);
    if (batch === null) continue;
    read += batch.count;
    lastAt = performance.now();
  }
  const allEmpty = fetches.filter((f) => f.empty === f.parts);
  console.log(
    JSON.stringify({
      brokers,
      partitions,
      count,
      prefetchBytes,
      maxWaitMs,
      read,
      stalled: read < count,
      readMs: Math.round(lastAt - t0),
      msgsPerSec: Math.round(read / ((lastAt - t0) / 1000)),
      fetches: fetches.length,
      answersAllEmpty: allEmpty.length,
      heldMsAllEmpty: Math.round(allEmpty.reduce((a, f) => a + f.ms, 0)),
    }),
  );
  await engine.close();
  await pool.close();
} finally {
  await kafka.stop();
}
process.exit(0);
