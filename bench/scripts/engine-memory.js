// Runs the FetchEngine (as the kafka08 bench driver does) over a loaded topic and samples
// process.memoryUsage() every 20 ms, to find what the engine really holds. Prints one JSON line:
// throughput, peak rss / heapUsed / external / arrayBuffers (MB), and the engine's own count of
// held bytes (prefetchedBytes) at its peak.
//
//   node bench/scripts/engine-memory.js <brokers> <topic> <partitions> <expected> [options-json]
// options: { prefetchBytes, fetchSizeBytes, verifyCrc, form: 'messages' | 'visit' }
import { performance } from 'node:perf_hooks';

const [brokers, topic, partitionsArg, expectedArg, json] = process.argv.slice(2);
const partitions = Number(partitionsArg);
const expected = Number(expectedArg);
const options = json ? JSON.parse(json) : {};
const sc = await import('../../dist/simple-consumer/index.js');

const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0, prefetched: 0 };
let engine;
const sample = () => {
  const m = process.memoryUsage();
  for (const k of ['rss', 'heapUsed', 'external', 'arrayBuffers']) peak[k] = Math.max(peak[k], m[k]);
  if (engine) peak.prefetched = Math.max(peak.prefetched, engine.prefetchedBytes);
};
const timer = setInterval(sample, 20);

const pool = new sc.BrokerPool({ clientId: 'engine-memory', requestTimeoutMs: 30_000 });
const cluster = new sc.ClusterMetadata({ seedBrokers: brokers, pool });
engine = new sc.FetchEngine(cluster, {
  autoOffsetReset: 'smallest',
  fetchSizeBytes: options.fetchSizeBytes ?? 1024 * 1024,
  verifyCrc: options.verifyCrc ?? true,
  ...(options.prefetchBytes ? { prefetchBytes: options.prefetchBytes } : {}),
  ...(options.catchUpFetchBytes ? { catchUpFetchBytes: options.catchUpFetchBytes } : {}),
});
const t0 = performance.now();
engine.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0n })));
let count = 0;
let bytes = 0;
let batches = 0;
const form = options.form ?? 'messages';
while (count < expected) {
  const batch = await engine.next();
  batches++;
  if (form === 'visit') {
    batch.forEachMessage((_o, _k, v) => {
      count++;
      if (v !== null) bytes += v.length;
    });
  } else {
    for (const m of batch.messages) if (m.value !== null) bytes += m.value.length;
    count += batch.messages.length;
  }
  sample();
}
const ms = performance.now() - t0;
clearInterval(timer);
await engine.close();
await pool.close();
const mb = (n) => +(n / 2 ** 20).toFixed(1);
console.log(
  JSON.stringify({
    topic,
    form,
    count,
    bytes,
    batches,
    ms: Math.round(ms),
    msgsPerSec: Math.round((count / ms) * 1000),
    peakRssMb: mb(peak.rss),
    peakHeapUsedMb: mb(peak.heapUsed),
    peakExternalMb: mb(peak.external),
    peakArrayBuffersMb: mb(peak.arrayBuffers),
    peakPrefetchedMb: mb(peak.prefetched),
  }),
);
process.exit(0);
