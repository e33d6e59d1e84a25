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

/** A broker's next request: its partitions, where the next plan starts, and whether the broker may hold it. */
export interface FetchPlan {
  parts: Requested[];
  cursor: number;
  /** False for probes sent while partitions with data wait for room: asked with MaxWaitTime 0. */
  wait: boolean;
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
 * What an answer of at most `size` bytes likely holds: the partition's backlog as of its last
 * answer, at that answer's bytes per entry. Only a guess (records may have arrived since, and
 * compressed entries overstate it); it decides how many partitions share a request, never what
 * is asked for or reserved.
 */
function likelyBytes(s: PartitionState, size: number): number {
  if (s.entryBytes === 0 || s.highWatermark === undefined || s.fetchOffset === undefined) return size;
  const backlog = Number(s.highWatermark - s.fetchOffset) * s.entryBytes;
  return Math.min(size, Math.max(1, backlog));
}

/**
 * Partitions for a broker's next request: those that fit the budget, starting at the cursor;
 * `cursor` is where the following request starts.
 *
 * A request asks partitions with data for about one catch-up fetch in all (`catchUpFetchBytes`,
 * or the fetch size if larger, at most half the budget's share per broker), counting what each
 * likely holds; the first one always goes. Why: a 0.8 broker answers a connection's requests
 * one at a time, so the answer to a request should arrive while the one before it is handed
 * out. Requests of as many partitions as the budget held (14 MiB at 64 partitions) left the
 * broker idle while each was handed out and the client idle while the next came: 64 partitions
 * read at 0.71-0.80 of the rate of one. Answers of about 2 MiB were the fastest for one
 * partition too (see catchUpFetchBytes). Partitions left out wait for a later request, and the
 * cursor makes them go first then.
 *
 * A partition that is behind asks for `catchUpFetchBytes` (twice that when its entries are
 * large) instead of its fetch size: a 0.8 broker has a cost per request and per partition in
 * it, so a few partitions with larger fetches go faster than many with small ones.
 *
 * A partition read up to the high watermark of its last answer, or not fetched yet, asks only
 * for a probe's worth. While others have data, a caught-up partition is asked once per
 * `maxWaitMs`, ahead of them: with 256 partitions each request carried the probes of every
 * partition already read (a cost per partition at the broker) beside four with data, and when
 * partitions with data took all the room a reader freed, a caught-up partition was never asked
 * again until their backlog was read, its new records waiting as long. Its new records now wait
 * up to `maxWaitMs`, as long as a broker may hold a request for them anyway. Probes that go
 * alone while partitions with data wait for room are asked with MaxWaitTime 0.
 * A broker holds a request in which no partition has data for `maxWaitMs`: full-size
 * reservations for such partitions kept partitions with data out of requests (64 partitions
 * read at a twentieth of the rate of 8), and on several brokers could hold the whole budget so
 * that another broker's partitions were never fetched again. A probe that comes back full makes
 * its partition ask for its whole size next time.
 */
export function planFetch(ctx: EngineContext, brokerId: number, cursor: number): FetchPlan | undefined {
  const { budget, config } = ctx;
  const now = performance.now();
  const due: PartitionState[] = [];
  const withData: PartitionState[] = [];
  const resting: PartitionState[] = [];
  let probes = 0;
  const leaders = new Set<number>();
  for (const s of ctx.partitions()) {
    if (!s.fetchable || s.leader === undefined) continue;
    leaders.add(s.leader);
    if (s.leader !== brokerId) continue;
    // A partition not fetched yet asks for a probe too, first: a first request of full fetch
    // sizes (16 partitions of 1 MiB) took the whole budget, so the broker idled until all of it
    // was handed out, and the first record waited for all of it.
    if (s.highWatermark === undefined) due.push(s);
    else if (s.fetchOffset! < s.highWatermark) {
      withData.push(s);
      continue;
    } else if (now - s.probedAt >= config.maxWaitMs) due.push(s);
    else resting.push(s);
    probes++;
  }
  // One list for the cursor: probes due, then with data, then the other caught-up ones.
  const all = [...due, ...withData, ...resting];
  const count = all.length;
  if (count === 0) return undefined;
  const shareCap = Math.floor(budget.limitBytes / (2 * leaders.size));
  const requestCap = Math.min(config.catchUpFetchBytes, shareCap);
  // With catch-up turned off (at or below the fetch size), about one fetch size.
  const dataCap = Math.min(Math.max(config.catchUpFetchBytes, config.fetchSizeBytes), shareCap);
  let room = budget.availableBytes;
  let likelyData = 0;
  const picked: Requested[] = [];
  const start = cursor % count;
  let last = start;
  // group: 0 probe due, 1 with data, 2 caught up and asked less than maxWaitMs ago.
  const consider = (s: PartitionState, at: number, group: number): void => {
    const probe = group !== 1;
    const caughtUp = s.highWatermark !== undefined;
    let size = probe ? probeBytes(s.fetchSize, requestCap, probes, caughtUp) : s.fetchSize;
    // Catch-up only where it fits; otherwise the plain size, as if it were not behind (never
    // leaving a behind partition out for want of room that its fetch size would have found).
    if (!probe && s.behind) {
      const wanted = s.largeEntries ? LARGE_CATCH_UP * config.catchUpFetchBytes : config.catchUpFetchBytes;
      const cap = Math.min(wanted, shareCap);
      if (cap > size && cap <= room) size = cap;
    }
    const alone = picked.length === 0 && budget.idle;
    if (size > room && !alone) return;
    if (!probe) {
      const likely = likelyBytes(s, size);
      if (likelyData > 0 && likelyData + likely > dataCap) return;
      likelyData += likely;
    } else if (caughtUp) s.probedAt = now;
    picked.push({ state: s, epoch: s.epoch, offset: s.fetchOffset!, size, base: s.fetchSize });
    room -= size;
    last = at;
  };
  // Group by group, the cursor deciding the order within each, so every partition of a group
  // comes first in turn. Caught-up partitions asked recently go only when none has data: then
  // they all wait at the broker together, for whichever gets records first.
  const groups = withData.length > 0 ? 2 : 3;
  const bounds = [0, due.length, due.length + withData.length, count];
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < count; i++) {
      const at = (start + i) % count;
      if (at >= bounds[g]! && at < bounds[g + 1]!) consider(all[at]!, at, g);
    }
  }
  if (picked.length === 0) return undefined;
  // Probes alone while partitions with data wait for room: the broker must not hold them.
  const wait = withData.length === 0 || likelyData > 0;
  return { parts: picked, cursor: last + 1, wait };
}
