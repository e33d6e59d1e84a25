// Spawns KafkaSource group members (group-member.js) under GNU time and keeps their event lines,
// and decides from those events when a group has settled: every partition owned by exactly one
// live member and read by it since that member's last rebalance.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastJsonLine, runTimed, signalChildOf } from '../lib/timed.js';

const memberJs = join(dirname(fileURLToPath(import.meta.url)), 'group-member.js');

export function spawnMember({ zookeeper, topic, group, mode, perPartition, label, timeoutMs }) {
  const m = { label, events: [], pid: undefined, exited: false, result: undefined };
  let buffered = '';
  m.done = runTimed('node', [memberJs, zookeeper, topic, group, mode, String(perPartition ?? 0)], {
    timeoutMs,
    onSpawn: (child) => {
      m.pid = child.pid;
      child.stdout.on('data', (d) => {
        buffered += d;
        let nl = buffered.indexOf('\n');
        while (nl !== -1) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.startsWith('{')) m.events.push(JSON.parse(line));
          nl = buffered.indexOf('\n');
        }
      });
    },
  }).then((r) => {
    m.exited = true;
    m.result = r;
    if (!m.events.length && lastJsonLine(r.stdout) === null) m.failure = r.stderr.trim().slice(-300);
    return r;
  });
  m.signal = (sig) => signalChildOf(m.pid, sig);
  m.last = (ev) => m.events.findLast((e) => e.ev === ev);
  return m;
}

/** The member's last rebalance, when no failed attempt came after it (else it owns nothing yet). */
function settledAssignment(m) {
  const i = m.events.findLastIndex((e) => e.ev === 'rebalance' || e.ev === 'retry');
  return i >= 0 && m.events[i].ev === 'rebalance' ? m.events[i] : undefined;
}

/**
 * State of the live members: `owned` (every partition exactly once), `reading` (each also read
 * since its owner's last rebalance), `readingAt` (when the last of them was first read again),
 * `lastChange` (the latest rebalance or failed attempt of any member).
 */
export function groupState(members, partitions) {
  const owner = new Map();
  let clash = false;
  let lastChange = 0;
  let readingAt = 0;
  let reading = true;
  for (const m of members) {
    for (const e of m.events)
      if (e.ev === 'rebalance' || e.ev === 'retry') lastChange = Math.max(lastChange, e.t);
    const r = settledAssignment(m);
    if (!r) {
      reading = false;
      continue;
    }
    for (const p of r.assigned) {
      if (owner.has(p)) clash = true;
      owner.set(p, m);
      const first = m.events.find((e) => e.ev === 'first' && e.p === p && e.t >= r.t);
      if (first) readingAt = Math.max(readingAt, first.t);
      else reading = false;
    }
  }
  const owned = !clash && owner.size === partitions;
  return { owned, reading: owned && reading, readingAt, lastChange };
}

/**
 * Resolves once the group is owned and reading and no member changed for `quietMs` (a failed
 * attempt retries after rebalance.backoff.ms, 2 s, so quiet must outlast it), or with
 * `{ stalled }` after `limitMs`.
 */
export async function waitSettled(members, partitions, { quietMs, limitMs, needReading = true }) {
  const t0 = Date.now();
  for (;;) {
    const s = groupState(members, partitions);
    const ok = needReading ? s.reading : s.owned;
    if (ok && Date.now() - s.lastChange >= quietMs) return s;
    const dead = members.find((m) => m.exited);
    if (dead) return { ...s, stalled: `member ${dead.label} exited: ${dead.failure ?? dead.result?.code}` };
    if (Date.now() - t0 > limitMs) return { ...s, stalled: `not settled after ${limitMs} ms` };
    await new Promise((r) => setTimeout(r, 50));
  }
}
