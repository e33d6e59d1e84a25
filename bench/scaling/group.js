// KafkaSource groups over one 32-partition topic: the aggregate rate of N members, and how long a
// rebalance keeps the group from reading when a member joins or leaves.
//
// Rate: N members (fresh group, earliest offsets) register and settle first, then all get SIGUSR2
// together; the clock runs from that signal until every member has read its partitions to the
// end. Members fetch ahead while they wait (the read-ahead, at most 8 MiB each), so the rate from
// the signal flatters large groups; `steadyMsgsPerSec` is measured from the moment a quarter of
// the topic had been read, when that head start is spent.
//
// Rebalance: a group on a topic a producer keeps writing (every partition gets a record every
// `tickMs`) grows one member at a time to the largest size, then shrinks one at a time. For each
// change: from the joiner's registration (its `registering` event), or from the leaver's
// SIGTERM (`leaving`), to the moment the last partition was read again by its new owner.
import { performance } from 'node:perf_hooks';
import { groupState, spawnMember, waitSettled } from './members.js';

const { BrokerConnection } = await import('../../dist/simple-consumer/index.js');
const { encodeMessageSet, produceRequest } = await import('../../dist/protocol/index.js');

export const PARTITIONS = 32;

export async function groupRate({ zookeeper, topic, total, size, tag, timeoutMs }) {
  const group = `scaling-rate-${tag}-${Date.now()}`;
  const perPartition = total / PARTITIONS;
  const members = Array.from({ length: size }, (_, i) =>
    spawnMember({ zookeeper, topic, group, mode: 'gate', perPartition, label: `m${i}`, timeoutMs }),
  );
  const out = { size, complete: false };
  try {
    const settled = await waitSettled(members, PARTITIONS, {
      quietMs: 2500,
      limitMs: 90_000,
      needReading: false,
    });
    if (settled.stalled) return { ...out, error: `group did not settle: ${settled.stalled}` };
    const tGo = performance.timeOrigin + performance.now();
    for (const m of members) m.signal('SIGUSR2');
    const until = Date.now() + timeoutMs;
    while (members.some((m) => !m.last('done')) && Date.now() < until && !members.some((m) => m.exited))
      await new Promise((r) => setTimeout(r, 50));
    const dones = members.map((m) => m.last('done'));
    if (dones.some((d) => !d)) return { ...out, error: 'not every member read its partitions to the end' };
    const tEnd = Math.max(...dones.map((d) => d.t));
    const count = dones.reduce((a, d) => a + d.count, 0);
    const quarter = quarterMark(members, total);
    Object.assign(out, {
      complete: count >= total,
      count,
      msgsPerSec: Math.round(count / ((tEnd - tGo) / 1000)),
      steadyMsgsPerSec: quarter ? Math.round((count - quarter.count) / ((tEnd - quarter.t) / 1000)) : null,
    });
    return out;
  } finally {
    for (const m of members) m.signal('SIGTERM');
    const results = await Promise.all(members.map((m) => m.done));
    out.peakRssMb = Math.max(...results.map((r) => r.time?.peakRssMb ?? 0));
  }
}

/** The first progress line at which the group's summed count passed a quarter of the topic. */
function quarterMark(members, total) {
  const lines = members
    .flatMap((m, i) =>
      m.events.filter((e) => e.ev === 'progress' || e.ev === 'done').map((e) => ({ ...e, i })),
    )
    .sort((a, b) => a.t - b.t);
  const latest = new Array(members.length).fill(0);
  for (const e of lines) {
    latest[e.i] = e.count;
    const sum = latest.reduce((a, b) => a + b, 0);
    if (sum >= total / 4) return { t: e.t, count: sum };
  }
  return null;
}

/** Writes one record to every partition each `tickMs`, so every partition always has news. */
export function startTrickle({ brokers, topic, tickMs = 20 }) {
  const [host, port] = brokers.split(',')[0].split(':');
  const conn = new BrokerConnection({ host, port: Number(port), clientId: 'scaling-trickle' });
  const value = Buffer.alloc(100, 'x');
  let stopped = false;
  let sent = 0;
  const loop = (async () => {
    while (!stopped) {
      const partitions = Array.from({ length: PARTITIONS }, (_, p) => ({
        partition: p,
        messageSet: encodeMessageSet([{ key: null, value }]),
      }));
      await conn.send(
        produceRequest({ requiredAcks: 1, timeoutMs: 10_000, topics: [{ topic, partitions }] }),
      );
      sent += PARTITIONS;
      await new Promise((r) => setTimeout(r, tickMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await conn.close();
      return sent;
    },
  };
}

/** Grows a live group to `maxSize` one member at a time, then shrinks it to one. */
export async function rebalanceSeries({ zookeeper, topic, maxSize, tag, timeoutMs, log }) {
  const group = `scaling-live-${tag}-${Date.now()}`;
  const members = [];
  const everyone = [];
  const changes = [];
  const measure = async (kind, from, to, t0) => {
    const s = await waitSettled(members, PARTITIONS, { quietMs: 2500, limitMs: 60_000 });
    const retries = members.reduce(
      (a, m) => a + m.events.filter((e) => e.ev === 'retry' && e.t >= t0).length,
      0,
    );
    const row = {
      kind,
      from,
      to,
      ms: s.stalled ? null : Math.round(s.readingAt - t0),
      failedAttempts: retries,
      ...(s.stalled ? { stalled: s.stalled, state: describeState(members) } : {}),
    };
    changes.push(row);
    log(
      `  ${kind} ${from} -> ${to}: ${row.ms ?? 'STALLED'} ms, ${retries} failed attempt(s)${s.stalled ? ` ${s.stalled}` : ''}`,
    );
    return !s.stalled;
  };
  const spawn = (i) =>
    spawnMember({ zookeeper, topic, group, mode: 'live', label: `m${i}`, timeoutMs: timeoutMs * 4 });
  try {
    for (let n = 1; n <= maxSize; n++) {
      const m = spawn(n - 1);
      members.push(m);
      everyone.push(m);
      while (!m.last('registering') && !m.exited) await new Promise((r) => setTimeout(r, 10));
      if (!(await measure('join', n - 1, n, m.last('registering')?.t ?? 0))) return changes;
    }
    for (let n = maxSize; n > 1; n--) {
      const m = members.pop();
      m.signal('SIGTERM');
      await m.done;
      const leaving = m.last('leaving');
      if (!leaving) {
        changes.push({ kind: 'leave', from: n, to: n - 1, ms: null, stalled: 'no leaving event' });
        return changes;
      }
      if (!(await measure('leave', n, n - 1, leaving.t))) return changes;
    }
    return changes;
  } finally {
    for (const m of members) m.signal('SIGTERM');
    const results = await Promise.all(everyone.map((m) => m.done));
    changes.peakRssMb = Math.max(0, ...results.map((r) => r.time?.peakRssMb ?? 0));
  }
}

function describeState(members) {
  const s = groupState(members, PARTITIONS);
  return {
    owned: s.owned,
    reading: s.reading,
    members: members.map((m) => ({
      label: m.label,
      last: m.events.filter((e) => e.ev !== 'progress' && e.ev !== 'first').slice(-4),
    })),
  };
}
