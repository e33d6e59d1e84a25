// Offsets a fault test's reader saw, per partition: gaps, repeats, and replays after a cut of
// the leader's log (kept apart from duplicates only when the data shows the cut).

/** A 32-bit FNV-1a hash of a value: enough to tell a record from the one first read at its offset. */
function hash(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Per partition: the next offset expected, gaps, repeats, and when each record arrived. A 0.8
 * broker can cut a leader's log beneath the readers (an unclean election, or KAFKA-1211: a
 * follower truncated to its high watermark is elected before it caught up); the reader's reset
 * then says so (`beyondLogEnd`), and with `smallest` it reads the partition again from the
 * reset's offset. Those offsets, each once and in order, are counted as replayed; any other
 * repeat is a duplicate. A real cut shows in the data: the offsets it freed hold other records
 * when read again (`rewritten`).
 */
export class OffsetTracker {
  readonly next: number[];
  /** The offset a replay after a cut expects next; -1 when none is under way. */
  readonly replayNext: number[];
  /** Hash of the value first read at each offset. */
  private readonly firstSeen: Int32Array[];
  readonly rewritten: number[];
  readonly arrivals: number[][];
  readonly ended = new Set<number>();
  /** Resets after a cut of the leader's log: partition, and the offset the reader stood at. */
  readonly cuts: { partition: number; from: bigint }[] = [];
  lost = 0;
  duplicated = 0;
  replayed = 0;
  records = 0;

  constructor(partitions: number) {
    this.next = new Array<number>(partitions).fill(0);
    this.replayNext = new Array<number>(partitions).fill(-1);
    this.firstSeen = Array.from({ length: partitions }, () => new Int32Array(1024));
    this.rewritten = new Array<number>(partitions).fill(0);
    this.arrivals = Array.from({ length: partitions }, () => []);
  }

  cut(partition: number, from: bigint, to: bigint): void {
    this.cuts.push({ partition, from });
    this.replayNext[partition] = Number(to);
  }

  see(partition: number, offset: bigint, value: string): void {
    const o = Number(offset);
    const next = this.next[partition]!;
    if (o < next) {
      if (o === this.replayNext[partition]) {
        this.replayed++;
        this.replayNext[partition] = o + 1;
        if (this.firstSeen[partition]![o] !== hash(value)) this.rewritten[partition]!++;
      } else this.duplicated++;
    } else {
      this.lost += o - next;
      this.next[partition] = o + 1;
      this.replayNext[partition] = -1;
      let seen = this.firstSeen[partition]!;
      if (o >= seen.length) {
        const grown = new Int32Array(Math.max(seen.length * 2, o + 1));
        grown.set(seen);
        this.firstSeen[partition] = seen = grown;
      }
      seen[o] = hash(value);
    }
    this.records++;
    this.arrivals[partition]!.push(Date.now());
    if (value === 'END') this.ended.add(partition);
  }

  /** Time from `at` to the first record of `partition` after it. */
  recoveryAfter(partition: number, at: number): number | undefined {
    const first = this.arrivals[partition]!.find((t) => t >= at);
    return first === undefined ? undefined : first - at;
  }
}
