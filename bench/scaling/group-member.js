// One KafkaSource group member, driven by bench/scaling/group.js. It prints JSON event lines on
// stdout, each stamped `t` (ms since the epoch, sub-ms, the clock every process of the machine
// shares), so the runner can tell from the members' own events when a partition is owned and
// read again, instead of guessing from sleeps:
//   registering · started · rebalance {assigned} · retry · go · first {p} (first record of p
//   after this member's last rebalance) · progress {count} · done {count} · leaving · left {count}
//
//   node group-member.js <zookeeper> <topic> <group> <gate|live> <per-partition> [options-json]
//
// gate: starts at the earliest offsets and reads only after SIGUSR2 (so every member of the group
// is registered and assigned before the clock starts); `done` when each owned partition reached
// <per-partition> records. live: starts at the log end and reads what a producer writes.
// SIGTERM leaves the group the way an application shuts down: close() (commit, release, deregister).
import { performance } from 'node:perf_hooks';

const [zookeeper, topic, group, mode, perPartitionArg, json] = process.argv.slice(2);
const perPartition = BigInt(perPartitionArg ?? '0');
const options = json ? JSON.parse(json) : {};
const { KafkaSource, RawBytesSchema } = await import('../../dist/index.js');

const now = () => performance.timeOrigin + performance.now();
const emit = (ev, extra) => process.stdout.write(`${JSON.stringify({ ev, t: now(), ...extra })}\n`);

const source = new KafkaSource(topic, new RawBytesSchema(), {
  'zookeeper.connect': zookeeper,
  'group.id': group,
  'auto.offset.reset': mode === 'gate' ? 'smallest' : 'largest',
  ...(options.properties ?? {}),
});
let count = 0;
let seen = new Set();
const ends = new Map();
let owned = [];
let doneSent = false;
source.on('rebalance', (e) => {
  owned = e.assigned.map((p) => p.partition);
  seen = new Set();
  emit('rebalance', { assigned: owned });
});
source.on('retriable-error', (e) => emit('retry', { error: e.error?.message?.slice(0, 120) }));

let go;
const gate = new Promise((resolve) => {
  go = resolve;
});
process.on('SIGUSR2', () => go());
let leaving;
process.once('SIGTERM', () => {
  leaving ??= leave();
});

emit('registering');
try {
  await source.start();
  emit('started', { assigned: source.assignment().map((p) => p.partition) });
  if (mode === 'gate') {
    await gate;
    emit('go');
  }
  let lastProgress = 0;
  for (;;) {
    const batch = await source.nextBatch();
    if (batch === undefined) break;
    count += batch.records.length;
    if (!seen.has(batch.partition)) {
      seen.add(batch.partition);
      emit('first', { p: batch.partition });
    }
    ends.set(batch.partition, batch.nextOffset);
    const t = now();
    if (t - lastProgress >= 50) {
      lastProgress = t;
      emit('progress', { count });
    }
    if (
      mode === 'gate' &&
      !doneSent &&
      owned.length > 0 &&
      owned.every((p) => (ends.get(p) ?? 0n) >= perPartition)
    ) {
      doneSent = true;
      emit('done', { count });
    }
  }
} catch (err) {
  emit('error', { error: String(err?.message ?? err).slice(0, 300) });
}
if (leaving) await leaving;

async function leave() {
  emit('leaving', { count });
  await source.close();
  emit('left', { count });
  process.exit(0);
}
