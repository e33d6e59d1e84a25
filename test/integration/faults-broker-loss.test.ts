import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FlinkKafkaConsumer082,
  KafkaSource,
  type OffsetResetEvent,
  SimpleStringSchema,
} from '../../src/index.js';
import type { Compression, LocalKafka } from '../../src/rig/index.js';
import { memoryPeak, reportFigures, scaled, seeded } from '../faults/results.js';
import { ownCluster, uniqueTopic } from '../helpers/cluster.js';
import { OffsetTracker } from '../helpers/offset-tracker.js';
import { kafkaSourceProps, props, uniqueGroup } from './consumers-helpers.js';

// Broker loss: 3 brokers, replication factor 3, Kafka's own producer writing (acks -1) while a
// checkpointed FlinkKafkaConsumer082 and a KafkaSource read. Partition leaders are SIGKILLed
// and restarted, then one leaves by a controlled shutdown (SIGTERM with controlled.shutdown
// enabled: the broker hands its leaderships over first). Neither consumer may stop or throw;
// each sees every offset of every partition, the checkpointed one exactly once, KafkaSource
// with no gap. Offsets are checked, not values, so a retried produce (a duplicate the producer
// wrote) is not mistaken for a duplicate delivery. The one exception is the broker's: should it
// cut a leader's log beneath the readers (see OffsetTracker), each reads the partition again
// from the start, as `smallest` says, and the offsets the cut freed must hold other records.

const KILLS = scaled(4, 10);
const PARTITIONS = 4;
const CODECS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4'];
const cluster = ownCluster({
  version: '0.8.2.2',
  brokers: 3,
  brokerProperties: { 'controlled.shutdown.enable': true, 'controlled.shutdown.retry.backoff.ms': 1000 },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The last `bytes` of a file: the broker's log grows to hundreds of MB over the test, and reading
 * it whole counted that much into the test process's peak memory.
 */
function tail(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, bytes));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * What the brokers' logs say of one partition's leaders and truncations, in time order: printed
 * when a reader was reset for a cut, to tell an unclean election from KAFKA-1211.
 */
function brokerSide(logFiles: string[], topic: string, partition: number): string[] {
  const pattern = `Truncating log ${topic}-${partition} to|\\[${topic},${partition}\\].*[Ll]eader|[Ll]eader.*\\[${topic},${partition}\\]`;
  const lines = logFiles.flatMap((file, broker) => {
    const r = spawnSync('grep', ['-h', '-E', pattern, file], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith('[') && !l.includes('Created log') && !l.includes('state.change.logger'))
      .map((l) => `${l.slice(1, 24)} broker ${broker}: ${l.slice(26, 300)}`);
  });
  return lines.sort();
}

/** Waits until every partition of every topic has all 3 replicas in sync (restarted ones caught up). */
async function fullIsr(k: LocalKafka): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let behind = 0;
    for (const topic of await k.zkChildren('/brokers/topics')) {
      const base = `/brokers/topics/${topic}/partitions`;
      for (const p of await k.zkChildren(base)) {
        const state = await k.zkGet(`${base}/${p}/state`);
        const isr: unknown = state === null ? [] : JSON.parse(state).isr;
        if (!Array.isArray(isr) || isr.length < 3) behind++;
      }
    }
    if (behind === 0) return;
    if (Date.now() > deadline) throw new Error(`${behind} partitions still short of 3 in-sync replicas`);
    await sleep(200);
  }
}

describe('broker loss: leaders killed and restarted under a producer and two consumers', () => {
  it(`${KILLS} SIGKILLs of partition leaders and one clean stop: no gap, no duplicate, no throw`, async () => {
    const k = cluster.current;
    const topic = uniqueTopic('faults-brokers');
    await k.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: 3 });
    const mem = memoryPeak();
    const rng = seeded(0xb40c3);

    const checkpointed = new FlinkKafkaConsumer082(
      topic,
      new SimpleStringSchema(),
      props(k, uniqueGroup('faults-ckpt'), {
        checkpointing: true,
        'refresh.leader.backoff.ms': 100,
        'socket.timeout.ms': 5000,
      }),
    );
    const source = new KafkaSource(
      topic,
      new SimpleStringSchema(),
      kafkaSourceProps(k, uniqueGroup('faults-src'), {
        'socket.timeout.ms': 5000,
        'refresh.leader.backoff.ms': 100,
      }),
    );
    const trackers = { checkpointed: new OffsetTracker(PARTITIONS), source: new OffsetTracker(PARTITIONS) };
    // A reset moves a reader by the broker's word, not by ours: a failure is read with these.
    const resets: string[] = [];
    const noteReset = (who: keyof typeof trackers) => (e: OffsetResetEvent) => {
      if (e.from === undefined) return;
      resets.push(`${who} ${e.partition}: ${e.from} -> ${e.to}${e.beyondLogEnd ? ' (log cut)' : ''}`);
      if (e.beyondLogEnd === true) trackers[who].cut(e.partition, e.from, e.to);
    };
    checkpointed.on('offset-reset', noteReset('checkpointed'));
    source.on('offset-reset', noteReset('source'));
    const stop = new AbortController();
    let checkpoints = 0;
    let lastCheckpoint = Date.now();
    const runs = [
      checkpointed.run({
        signal: stop.signal,
        eachRecord: async (value, ctx) => {
          trackers.checkpointed.see(ctx.partition, ctx.offset, value);
          // A checkpoint a second, taken between two records, as runCheckpointed does.
          if (Date.now() - lastCheckpoint >= 1000) {
            lastCheckpoint = Date.now();
            const id = ++checkpoints;
            checkpointed.snapshotState(id);
            await checkpointed.notifyCheckpointComplete(id).catch(() => undefined);
          }
        },
      }),
      source.run({
        signal: stop.signal,
        eachRecord: (value, ctx) => trackers.source.see(ctx.partition, ctx.offset, value),
      }),
    ];
    const failures: unknown[] = [];
    for (const r of runs) r.catch((err: unknown) => failures.push(err));

    // Kafka's own producer, in batches, for as long as the faults go on.
    let producing = true;
    let produced = 0;
    let produceFailures = 0;
    /** When a produce call to each partition returned: its records were committed (acks -1). */
    const committedAt: number[][] = Array.from({ length: PARTITIONS }, () => []);
    const producer = (async () => {
      for (let batch = 0; producing; batch++) {
        const partition = batch % PARTITIONS;
        const records = Array.from({ length: 200 }, (_, i) => ({ partition, value: `${batch}:${i}` }));
        try {
          produced += await k.produce(topic, records, { compression: CODECS[partition]! });
          committedAt[partition]!.push(Date.now());
        } catch {
          // A leader just died under the producer; it retries with the next batch.
          produceFailures++;
          await sleep(200);
        }
      }
    })();

    const faults: { partition: number; at: number; kind: string }[] = [];
    /** Whether the broker's log says the last stop moved its leaderships away before it ended. */
    let controlled = false;
    for (let i = 0; i <= KILLS; i++) {
      await sleep(500 + Math.floor(rng() * 1500));
      const partition = Math.floor(rng() * PARTITIONS);
      const leaders = await k.waitForLeaders([{ name: topic, partitions: PARTITIONS }]);
      const leader = leaders.get(`${topic}/${partition}`)!;
      const clean = i === KILLS;
      // A controlled shutdown can only hand a leadership to a replica in sync: wait for one.
      if (clean) await fullIsr(k);
      faults.push({ partition, at: Date.now(), kind: clean ? 'controlled shutdown' : 'SIGKILL' });
      await k.killBroker(leader, { signal: clean ? 'SIGTERM' : 'SIGKILL' });
      if (clean) {
        const log = k.descriptor().brokerList.find((b) => b.id === leader)!.logFile;
        controlled = tail(log, 1024 * 1024).includes('Controlled shutdown succeeded');
      }
      await sleep(Math.floor(rng() * 2000));
      await k.restartBroker(leader);
    }
    producing = false;
    await producer;
    // The end marker, written once all data is in, so both readers know where the stream ends.
    for (let p = 0; p < PARTITIONS; p++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await k.produce(topic, [{ partition: p, value: 'END' }]);
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await sleep(1000);
        }
      }
    }
    const deadline = Date.now() + 120_000;
    while (
      Date.now() < deadline &&
      failures.length === 0 &&
      (trackers.checkpointed.ended.size < PARTITIONS || trackers.source.ended.size < PARTITIONS)
    )
      await sleep(50);
    stop.abort();
    await Promise.allSettled(runs);
    await Promise.all([checkpointed.close(), source.close()]);
    const peak = mem.stop();

    // From the first records committed to the partition after the fault (the producer also needs
    // to find the new leader) to the first one read.
    const recovery = (t: OffsetTracker) =>
      Math.max(
        ...faults.map((f) => {
          const available = committedAt[f.partition]!.find((at) => at >= f.at) ?? f.at;
          return t.recoveryAfter(f.partition, available) ?? Number.POSITIVE_INFINITY;
        }),
      );
    const c = trackers.checkpointed;
    const s = trackers.source;
    // A reset for a cut that freed no offset for other records was not the broker's doing.
    const unconfirmed = [c, s].flatMap((t) => t.cuts.filter((cut) => t.rewritten[cut.partition] === 0));
    const logFiles = k.descriptor().brokerList.map((b) => b.logFile);
    for (const p of new Set([...c.cuts, ...s.cuts].map((cut) => cut.partition)))
      console.error(
        `a cut of partition ${p}, as the brokers tell it:\n${brokerSide(logFiles, topic, p).join('\n')}`,
      );
    reportFigures('broker-loss', {
      fault:
        'partition leaders killed (SIGKILL) and restarted, one controlled shutdown; RF 3, producer running',
      count: faults.length,
      records: c.records,
      lost: c.lost + s.lost,
      duplicated: c.duplicated,
      worstRecoveryMs: Math.max(recovery(c), recovery(s)),
      peakMemoryBytes: peak,
      notes: `checkpointed FlinkKafkaConsumer082: ${c.records} records, lost ${c.lost}, duplicated ${c.duplicated}; KafkaSource: ${s.records} records, lost ${s.lost}, duplicated ${s.duplicated}; read again after a cut of the leader's log (an unclean election or KAFKA-1211): ${c.replayed} and ${s.replayed}, of them holding other records than at first: ${c.rewritten.reduce((a, b) => a + b, 0)} and ${s.rewritten.reduce((a, b) => a + b, 0)}; producer batches that failed and were retried: ${produceFailures}; the last stop was a controlled shutdown (the broker's log: ${controlled ? 'succeeded' : 'not confirmed'}); offset resets: ${resets.join(', ') || 'none'}`,
    });
    expect(failures).toEqual([]);
    expect(controlled).toBe(true);
    expect(produced).toBeGreaterThan(0);
    expect(c.ended.size).toBe(PARTITIONS);
    expect(s.ended.size).toBe(PARTITIONS);
    expect(c.lost).toBe(0);
    expect(c.duplicated).toBe(0);
    expect(s.lost).toBe(0);
    expect(unconfirmed).toEqual([]);
    expect(c.next).toEqual(s.next);
  }, 900_000);
});
