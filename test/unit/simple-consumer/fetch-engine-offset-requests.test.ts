import { describe, expect, it } from 'vitest';
import { KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import {
  decodeOffsetsRequestBody,
  EARLIEST_TIME,
  encodeOffsetsResponseBody,
  type OffsetsResponse,
} from '../../../src/protocol/offsets.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ApiKey } from '../../../src/protocol/request.js';
import { ConnectionError } from '../../../src/simple-consumer/errors.js';
import type {
  FetchEngine,
  OffsetResetEvent,
  RetriableErrorEvent,
} from '../../../src/simple-consumer/fetch-engine/index.js';
import type { ReceivedRequest } from '../../helpers/fake-broker.js';
import { type FakeCluster, key } from './fetch-engine-fake-cluster.js';
import { engineHarness } from './fetch-engine-harness.js';

// Start positions and resets are looked up with one Offsets request per broker carrying all of
// that broker's partitions, not one request per partition; the answer is still applied
// partition by partition, exactly as a request of its own would have been.

const { cluster, engine } = engineHarness();

/** The partitions an Offsets request asked for, as `partition:time`. */
function asked(req: ReceivedRequest): string[] {
  const r = decodeOffsetsRequestBody(new Reader(req.body));
  return r.topics.flatMap((t) =>
    t.partitions.map((p) => `${p.partition}:${p.timeMs === EARLIEST_TIME ? 'earliest' : 'latest'}`),
  );
}

function offsetsRequests(c: FakeCluster, broker?: number): ReceivedRequest[] {
  return (broker === undefined ? c.brokers : [c.brokers[broker]!]).flatMap((b) =>
    b.requests.filter((r) => r.apiKey === ApiKey.Offsets),
  );
}

/** Resolves once `n` offset-reset events arrived; fails (never hangs) after `ms`. */
function resets(e: FetchEngine, n: number, ms = 10_000): Promise<OffsetResetEvent[]> {
  const seen: OffsetResetEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${n} resets in ${ms} ms`)), ms);
    e.on('offset-reset', (ev) => {
      seen.push(ev);
      if (seen.length === n) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

/** Answers the next Offsets request to broker `id` with `answer(request)`, the rest as usual. */
function answerNextOffsets(
  c: FakeCluster,
  id: number,
  answer: (req: ReceivedRequest) => OffsetsResponse | 'drop' | 'hold',
): { held: Promise<() => void> } {
  const broker = c.brokers[id]!;
  const usual = broker.handler;
  let release!: (reply: () => void) => void;
  const held = new Promise<() => void>((r) => {
    release = r;
  });
  broker.handler = (req) => {
    if (req.apiKey !== ApiKey.Offsets) return usual(req);
    broker.handler = usual;
    const a = answer(req);
    if (a === 'drop') req.connection.destroy();
    else if (a === 'hold') release(() => void usual(req));
    else return req.connection.respond(req, (w) => encodeOffsetsResponseBody(w, a));
    return undefined;
  };
  return { held };
}

describe('FetchEngine: Offsets requests per broker', () => {
  it('resolves 20,000 start positions on 4 brokers with one Offsets request per broker', async () => {
    const c = await cluster(4);
    const n = 20_000;
    for (let p = 0; p < n; p++) {
      c.addPartition('big', p, p % 4, BigInt(p % 10));
      c.logs.get(key('big', p))!.next = BigInt(p % 10) + 100n;
    }
    const e = engine(c);
    const errors: RetriableErrorEvent[] = [];
    e.on('error', (ev) => errors.push(ev));
    const done = resets(e, n);
    e.assign(
      Array.from({ length: n }, (_, p) => ({
        topic: 'big',
        partition: p,
        offset: p % 2 === 0 ? ('earliest' as const) : ('latest' as const),
      })),
    );
    const events = await done;

    expect(errors).toEqual([]);
    for (let id = 0; id < 4; id++) {
      const reqs = offsetsRequests(c, id);
      expect(reqs).toHaveLength(1);
      expect(asked(reqs[0]!)).toHaveLength(n / 4);
    }
    for (const ev of events) {
      const start = BigInt(ev.partition % 10);
      expect(ev.to).toBe(ev.target === 'earliest' ? start : start + 100n);
      expect(ev.target).toBe(ev.partition % 2 === 0 ? 'earliest' : 'latest');
    }
    expect(e.position('big', 7)).toBe(107n);
    expect(e.position('big', 8)).toBe(8n);
  });

  it('sends back to the leader finder only the partitions whose part of the answer failed', async () => {
    const c = await cluster(1);
    for (let p = 0; p < 5; p++) c.addPartition('e', p, 0, 10n);
    // Partition 1 answers NotLeaderForPartition, 2 is missing from the answer, 3 has no offset.
    answerNextOffsets(c, 0, () => ({
      topics: [
        {
          topic: 'e',
          partitions: [
            { partition: 0, errorCode: 0, offsets: [10n] },
            { partition: 1, errorCode: 6, offsets: [] },
            { partition: 3, errorCode: 0, offsets: [] },
            { partition: 4, errorCode: 0, offsets: [10n] },
          ],
        },
      ],
    }));
    const e = engine(c);
    const errors: RetriableErrorEvent[] = [];
    e.on('error', (ev) => errors.push(ev));
    const done = resets(e, 5);
    e.assign(
      Array.from({ length: 5 }, (_, p) => ({ topic: 'e', partition: p, offset: 'earliest' as const })),
    );
    const events = await done;

    expect(events.map((ev) => ev.partition).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(events.every((ev) => ev.to === 10n)).toBe(true);
    const failed = errors.map((ev) => ({
      partition: ev.partition,
      brokerId: ev.brokerId,
      code: (ev.error as KafkaProtocolError).code,
      errorPartition: ev.error.partition,
    }));
    expect(failed).toEqual([
      { partition: 1, brokerId: 0, code: 6, errorPartition: 1 },
      { partition: 2, brokerId: 0, code: 3, errorPartition: 2 },
      { partition: 3, brokerId: 0, code: -1, errorPartition: 3 },
    ]);
    expect(errors.every((ev) => ev.error instanceof KafkaProtocolError)).toBe(true);
    expect(offsetsRequests(c).map(asked)).toEqual([
      ['0:earliest', '1:earliest', '2:earliest', '3:earliest', '4:earliest'],
      ['1:earliest', '2:earliest', '3:earliest'],
    ]);
  });

  it('sends every partition of a request that failed in transport back to the leader finder', async () => {
    const c = await cluster(1);
    for (let p = 0; p < 3; p++) c.addPartition('x', p, 0, 4n);
    answerNextOffsets(c, 0, () => 'drop');
    const e = engine(c);
    const errors: RetriableErrorEvent[] = [];
    e.on('error', (ev) => errors.push(ev));
    const done = resets(e, 3);
    e.assign(
      Array.from({ length: 3 }, (_, p) => ({ topic: 'x', partition: p, offset: 'earliest' as const })),
    );
    const events = await done;

    expect(events.map((ev) => [ev.partition, ev.to])).toEqual([
      [0, 4n],
      [1, 4n],
      [2, 4n],
    ]);
    expect(errors.map((ev) => [ev.partition, ev.brokerId])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(errors.every((ev) => ev.error instanceof ConnectionError)).toBe(true);
    expect(offsetsRequests(c).map(asked)).toEqual([
      ['0:earliest', '1:earliest', '2:earliest'],
      ['0:earliest', '1:earliest', '2:earliest'],
    ]);
  });

  it('ignores answers for positions given up meanwhile, and asks for new ones in the next request', async () => {
    const c = await cluster(1);
    for (let p = 0; p < 3; p++) {
      c.addPartition('s', p, 0, 5n);
      c.logs.get(key('s', p))!.next = 9n;
    }
    const { held } = answerNextOffsets(c, 0, () => 'hold');
    const e = engine(c);
    const events: OffsetResetEvent[] = [];
    e.on('offset-reset', (ev) => events.push(ev));
    e.assign(
      Array.from({ length: 3 }, (_, p) => ({ topic: 's', partition: p, offset: 'earliest' as const })),
    );
    const reply = await held;

    // While the request is in flight: one partition is sought to an offset, one is given up,
    // one asks for another position, which waits for the next request.
    e.seek('s', 0, 2n);
    e.unassign([{ topic: 's', partition: 1 }]);
    e.seek('s', 2, 'latest');
    const latest = resets(e, 1);
    reply();
    expect(await latest).toEqual([{ topic: 's', partition: 2, from: undefined, to: 9n, target: 'latest' }]);

    expect(events).toHaveLength(1);
    expect(e.position('s', 0)).toBe(2n);
    expect(e.position('s', 2)).toBe(9n);
    expect(offsetsRequests(c).map(asked)).toEqual([['0:earliest', '1:earliest', '2:earliest'], ['2:latest']]);
    // The stale answer (5) never became partition 0's fetch position.
    const fetched = c.fetches.flatMap((f) => f.partitions).filter((p) => p.partition === 0);
    expect(fetched.every((p) => p.fetchOffset === 2n)).toBe(true);
  });

  it('keeps Offsets requests off the connection that long-polls for fetches', async () => {
    const c = await cluster(1);
    c.addPartition('lp', 0, 0);
    const e = engine(c, { maxWaitMs: 300, socketTimeoutMs: 2000 });
    e.assign([{ topic: 'lp', partition: 0, offset: 0n }]);
    const broker = c.brokers[0]!;
    while (!broker.requests.some((r) => r.apiKey === ApiKey.Fetch))
      await new Promise((r) => setTimeout(r, 5));
    // A reset while a fetch is parked at the broker: its Offsets request must not queue behind it.
    const done = resets(e, 1);
    e.seek('lp', 0, 'latest');
    await done;
    for (const conn of broker.connections) {
      const kinds = new Set(conn.requests.map((r) => r.apiKey));
      if (kinds.has(ApiKey.Fetch)) expect([...kinds]).toEqual([ApiKey.Fetch]);
    }
    expect(offsetsRequests(c)).toHaveLength(1);
  });
});
