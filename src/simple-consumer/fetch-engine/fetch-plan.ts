import type { MessageSetOutline } from '../../protocol/message-set-outline.js';
import type { EngineContext } from './context.js';
import type { PartitionState } from './partition-state.js';

/** What a caught-up partition asks for at most: enough for new records, little to reserve. */
const PROBE_BYTES = 64 * 1024;
/** The smallest probe: it still holds a few small messages whole. */
const MIN_PROBE_BYTES = 4 * 1024;

/**
 * Entries at least this large on average make a behind partition ask for LARGE_CATCH_UP times
 * `catchUpFetchBytes`. Why: a 0.8 broker's cost is mostly per request, the client's per entry;
 * 200 entries of 10 KB cost the client little, so an answer of them is over long before the
 * next one arrives, and bigger answers mean fewer requests (10 KB entries, one broker, in one
 * process: 2 MiB answers 72-99k msgs/s, 4 MiB 105-146k; 100-byte entries gained nothing).
 */
const LARGE_ENTRY_BYTES = 4096;
const LARGE_CATCH_UP = 2;

/** One partition in a Fetch request. */
export interface Requested {
  state: PartitionState;
  epoch: number;
  offset: bigint;
  /** MaxBytes asked for: `base`, or more while the partition catches up. */
  size: number;
  /** The partition's fetch size: what decides whether a message is too large for a fetch. */
  base: number;
}

/** Whether an answer's complete entries average LARGE_ENTRY_BYTES or more. */
export function hasLargeEntries(outline: MessageSetOutline): boolean {
  return outline.entries > 0 && outline.validBytes >= LARGE_ENTRY_BYTES * outline.entries;
}

/**
 * A probe's MaxBytes: the probes of all partitions together fit one request's cap. A caught-up
 * partition asks for at most PROBE_BYTES; one not fetched yet for its share of the cap, so that
 * a lone partition starts with its whole fetch size as before (a 64 KiB first answer made
 * 1-partition reads about a tenth slower in fresh processes, for no gain).
 */
function probeBytes(fetchSize: number, requestCap: number, probes: number, caughtUp: boolean): number {
  const share = Math.floor(requestCap / Math.max(1, probes));
  return Math.min(fetchSize, Math.max(MIN_PROBE_BYTES, caughtUp ? Math.min(PROBE_BYTES, share) : share));
}

/**
 * Partitions for a broker's next request: those that fit the budget, starting at the cursor, the
 * ones with data waiting first; `cursor` is where the following request starts.
 *
 * A partition that is behind asks for `catchUpFetchBytes` (twice that when its entries are
 * large) instead of its fetch size: a 0.8 broker has a cost per request and per partition in
 * it, so a few partitions with larger fetches go faster than many with small ones. A request
 * carries one such partition, at most half the budget's share per broker (the other half holds
 * the previous answer while it is handed out); behind partitions left out wait for a later
 * request, and the cursor makes them go first then.
 *
 * A partition read up to the high watermark of its last answer, or not fetched yet, asks only
 * for a probe's worth (those not fetched yet go first).
 * A broker holds a request in which no partition has data for `maxWaitMs`: full-size
 * reservations for such partitions kept partitions with data out of requests (64 partitions
 * read at a twentieth of the rate of 8), and on several brokers could hold the whole budget so
 * that another broker's partitions were never fetched again. A probe that comes back full makes
 * its partition ask for its whole size next time.
 */
export function planFetch(
  ctx: EngineContext,
  brokerId: number,
  cursor: number,
): { parts: Requested[]; cursor: number } | undefined {
  const withData: PartitionState[] = [];
  const unknown: PartitionState[] = [];
  const caughtUp: PartitionState[] = [];
  const leaders = new Set<number>();
  for (const s of ctx.partitions()) {
    if (!s.fetchable || s.leader === undefined) continue;
    leaders.add(s.leader);
    if (s.leader !== brokerId) continue;
    // A partition not fetched yet asks for a probe too, before the caught-up ones: a first
    // request of full fetch sizes (16 partitions of 1 MiB) took the whole budget, so the broker
    // idled until all of it was handed out, and the first record waited for all of it.
    if (s.highWatermark === undefined) unknown.push(s);
    else if (s.fetchOffset! >= s.highWatermark) caughtUp.push(s);
    else withData.push(s);
  }
  // One list for the cursor: with data, then not fetched yet, then caught up.
  const all = [...withData, ...unknown, ...caughtUp];
  const count = all.length;
  if (count === 0) return undefined;
  const probes = unknown.length + caughtUp.length;
  const { budget, config } = ctx;
  // One catch-up partition per request: two made 8 MiB frames, which measurably pushed peak
  // RSS to 150 MB with 8 partitions for no gain in rate.
  const shareCap = Math.floor(budget.limitBytes / (2 * leaders.size));
  const requestCap = Math.min(config.catchUpFetchBytes, shareCap);
  let room = budget.availableBytes;
  let catchingUp = false;
  const picked: Requested[] = [];
  const start = cursor % count;
  let last = start;
  // group: 0 with data, 1 not fetched yet, 2 caught up.
  const consider = (s: PartitionState, at: number, group: number): void => {
    const probe = group > 0;
    let size = probe ? probeBytes(s.fetchSize, requestCap, probes, group === 2) : s.fetchSize;
    // Catch-up only where it fits; otherwise the plain size, as if it were not behind (never
    // leaving a behind partition out for want of room that its fetch size would have found).
    if (!probe && s.behind) {
      const wanted = s.largeEntries ? LARGE_CATCH_UP * config.catchUpFetchBytes : config.catchUpFetchBytes;
      const cap = Math.min(wanted, shareCap);
      if (cap > size && cap <= room) {
        if (catchingUp && picked.length > 0) return;
        size = cap;
        catchingUp = true;
      }
    }
    const alone = picked.length === 0 && budget.idle;
    if (size > room && !alone) return;
    picked.push({ state: s, epoch: s.epoch, offset: s.fetchOffset!, size, base: s.fetchSize });
    room -= size;
    last = at;
  };
  // Group by group, the cursor deciding the order within each, so every partition of a group
  // comes first in turn and a caught-up one never takes the room of one that may have data.
  const bounds = [0, withData.length, withData.length + unknown.length, count];
  for (let g = 0; g < 3; g++) {
    for (let i = 0; i < count; i++) {
      const at = (start + i) % count;
      if (at >= bounds[g]! && at < bounds[g + 1]!) consider(all[at]!, at, g);
    }
  }
  if (picked.length === 0) return undefined;
  return { parts: picked, cursor: last + 1 };
}
