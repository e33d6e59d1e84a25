import { describe, expect, it } from 'vitest';
import { ConsumerRebalanceFailedError } from '../../../src/consumers/errors.js';
import {
  type RebalanceEvent,
  Rebalancer,
  type RebalancerOptions,
} from '../../../src/consumers/group/rebalancer.js';
import { registrationJson } from '../../../src/consumers/group/registration.js';
import type { GroupZooKeeper } from '../../../src/consumers/group/zk-state.js';
import type { TopicPartition } from '../../../src/simple-consumer/fetch-engine/index.js';
import { NodeConflictError, NoNodeError } from '../../../src/zookeeper/errors.js';
import type { WatchCallback } from '../../../src/zookeeper/watches.js';

/** An in-memory ZooKeeper shared by several sessions: ephemeral nodes, one-shot watches, an op log. */
class FakeZooKeeper {
  readonly nodes = new Map<string, { data: string; session: number | undefined }>();
  readonly log: string[] = [];
  private readonly childWatches = new Map<string, Set<WatchCallback>>();
  private readonly dataWatches = new Map<string, Set<WatchCallback>>();

  session(id: number): GroupZooKeeper {
    const children = (path: string) =>
      [...this.nodes.keys()].filter(
        (p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/'),
      );
    const addWatch = (m: Map<string, Set<WatchCallback>>, path: string, w?: WatchCallback) => {
      if (w === undefined) return;
      let s = m.get(path);
      if (s === undefined) {
        s = new Set();
        m.set(path, s);
      }
      s.add(w);
    };
    return {
      getChildren: async (path, watch) => {
        if (!this.nodes.has(path)) throw new NoNodeError(path);
        addWatch(this.childWatches, path, watch);
        return children(path).map((p) => p.slice(path.length + 1));
      },
      getData: async (path, watch) => {
        const n = this.nodes.get(path);
        if (n === undefined) throw new NoNodeError(path);
        addWatch(this.dataWatches, path, watch);
        return { data: Buffer.from(n.data) };
      },
      exists: async (path, watch) => {
        addWatch(this.dataWatches, path, watch);
        return this.nodes.has(path) ? {} : null;
      },
      delete: async (path) => {
        if (!this.nodes.has(path)) throw new NoNodeError(path);
        this.log.push(`${id} delete ${path}`);
        this.remove(path);
      },
      createEphemeralExpectConflict: async (path, data) => {
        const n = this.nodes.get(path);
        if (n !== undefined) {
          if (n.data === data) return;
          throw new NodeConflictError(path, Buffer.from(n.data));
        }
        this.log.push(`${id} create ${path}`);
        this.put(path, data, id);
      },
      updatePersistentPath: async (path, data) => {
        this.log.push(`${id} set ${path}=${data}`);
        this.put(path, data, undefined);
      },
    };
  }

  put(path: string, data: string, session: number | undefined): void {
    const parts = path.split('/');
    for (let i = 2; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!this.nodes.has(parent)) this.put(parent, '', undefined);
    }
    const existed = this.nodes.has(path);
    this.nodes.set(path, { data, session });
    this.fire(this.dataWatches, path);
    if (!existed) this.fire(this.childWatches, parts.slice(0, -1).join('/'));
  }

  remove(path: string): void {
    this.nodes.delete(path);
    this.fire(this.dataWatches, path);
    this.fire(this.childWatches, path.slice(0, path.lastIndexOf('/')));
  }

  /** The session ends: its ephemeral nodes go, as the server does on expiry. */
  expire(session: number): void {
    for (const [p, n] of [...this.nodes]) if (n.session === session) this.remove(p);
  }

  private fire(m: Map<string, Set<WatchCallback>>, path: string): void {
    const set = m.get(path);
    if (set === undefined) return;
    m.delete(path);
    for (const w of set) queueMicrotask(() => w({ type: 'NodeChildrenChanged', path }));
  }
}

const GROUP = 'g';
const TOPIC = 't';

function cluster(partitions: number): FakeZooKeeper {
  const zk = new FakeZooKeeper();
  zk.put('/brokers/ids/1', JSON.stringify({ version: 1, host: 'localhost', port: 9092 }), 99);
  const p = Object.fromEntries(Array.from({ length: partitions }, (_, i) => [String(i), [1]]));
  zk.put(`/brokers/topics/${TOPIC}`, JSON.stringify({ version: 1, partitions: p }), undefined);
  return zk;
}

interface Member {
  rebalancer: Rebalancer;
  owned: () => number[];
  events: RebalanceEvent[];
  failures: ConsumerRebalanceFailedError[];
  conflicts: number;
  acquired: (TopicPartition & { committed: bigint | undefined })[][];
}

function member(
  zk: FakeZooKeeper,
  session: number,
  consumerId: string,
  over: Partial<RebalancerOptions> = {},
): Member {
  const subscription = new Map([[TOPIC, 1]]);
  const client = zk.session(session);
  const m: Member = {
    rebalancer: undefined as unknown as Rebalancer,
    owned: () => m.rebalancer.ownedPartitions().map((o) => o.partition),
    events: [],
    failures: [],
    conflicts: 0,
    acquired: [],
  };
  // Stands in for the consumer: a position per owned partition, committed on release.
  const positions = new Map<number, bigint>();
  m.rebalancer = new Rebalancer(
    client,
    {
      group: GROUP,
      consumerId,
      subscription,
      registration: registrationJson(subscription, 1),
      strategy: 'range',
      maxRetries: 4,
      backoffMs: 5,
      sessionTimeoutMs: 10,
      ...over,
    },
    {
      release: async (tps, commit) => {
        for (const tp of tps) {
          const pos = positions.get(tp.partition);
          positions.delete(tp.partition);
          if (commit && pos !== undefined)
            await client.updatePersistentPath(
              `/consumers/${GROUP}/offsets/${TOPIC}/${tp.partition}`,
              String(pos),
            );
        }
      },
      brokers: () => undefined,
      acquire: (list) => {
        m.acquired.push(list);
        for (const p of list) positions.set(p.partition, (p.committed ?? 0n) + 10n);
      },
      rebalanced: (e) => m.events.push(e),
      attemptFailed: () => {
        m.conflicts++;
      },
      failed: (e) => m.failures.push(e),
    },
  );
  return m;
}

const settle = async (...ms: Member[]) => {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 30));
    for (const m of ms) await m.rebalancer.idle();
  }
};

describe('Rebalancer against an in-memory ZooKeeper', () => {
  it('registers, owns everything alone, splits when a second member joins, takes all back when it leaves', async () => {
    const zk = cluster(6);
    const a = member(zk, 1, 'g_a');
    await a.rebalancer.start();
    expect(a.owned()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(zk.nodes.get('/consumers/g/ids/g_a')?.data).toBe(
      '{"version":1,"subscription":{"t":1},"pattern":"static","timestamp":"1"}',
    );
    expect(zk.nodes.get('/consumers/g/owners/t/4')?.data).toBe('g_a-0');

    const b = member(zk, 2, 'g_b');
    await b.rebalancer.start();
    await settle(a, b);
    expect(a.owned()).toEqual([0, 1, 2]);
    expect(b.owned()).toEqual([3, 4, 5]);
    expect(a.events.at(-1)?.revoked.map((tp) => tp.partition)).toEqual([3, 4, 5]);
    // b started where a stopped: a committed (its position) before it gave the partitions up.
    expect(b.acquired.at(-1)?.map((p) => p.committed)).toEqual([10n, 10n, 10n]);

    await b.rebalancer.stop();
    await b.rebalancer.leave();
    await settle(a);
    expect(a.owned()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...zk.nodes.keys()].filter((p) => p.startsWith('/consumers/g/ids/'))).toEqual([
      '/consumers/g/ids/g_a',
    ]);
  });

  it('commits before it releases ownership: every offset write precedes the owner deletion', async () => {
    const zk = cluster(2);
    const a = member(zk, 1, 'g_a');
    await a.rebalancer.start();
    const b = member(zk, 2, 'g_b');
    await b.rebalancer.start();
    await settle(a, b);
    const setAt = zk.log.indexOf(`1 set /consumers/g/offsets/t/1=10`);
    const deleteAt = zk.log.indexOf(`1 delete /consumers/g/owners/t/1`);
    expect(setAt).toBeGreaterThanOrEqual(0);
    expect(deleteAt).toBeGreaterThan(setAt);
  });

  it('a claim meeting a stale owner undoes the attempt’s claims, backs off, and succeeds once the stale session ends', async () => {
    const zk = cluster(4);
    // A crashed member (session 7): registered and owning everything until its session expires.
    zk.put('/consumers/g/ids/g_old', registrationJson(new Map([[TOPIC, 1]]), 1), 7);
    for (let p = 0; p < 4; p++) zk.put(`/consumers/g/owners/t/${p}`, 'g_old-0', 7);
    const a = member(zk, 1, 'g_new', { maxRetries: 50, backoffMs: 10 });
    const started = a.rebalancer.start();
    await new Promise((r) => setTimeout(r, 60));
    expect(a.conflicts).toBeGreaterThan(0);
    // Nothing of ours is left owned after a failed attempt.
    for (let p = 0; p < 4; p++) expect(zk.nodes.get(`/consumers/g/owners/t/${p}`)?.data).toBe('g_old-0');
    zk.expire(7);
    await started;
    await settle(a);
    expect(a.owned()).toEqual([0, 1, 2, 3]);
    expect(a.failures).toEqual([]);
  });

  it('retries a claim as soon as the owner it met releases the partition, not after the whole backoff', async () => {
    const zk = cluster(2);
    zk.put('/consumers/g/ids/g_old', registrationJson(new Map([[TOPIC, 1]]), 1), 7);
    for (let p = 0; p < 2; p++) zk.put(`/consumers/g/owners/t/${p}`, 'g_old-0', 7);
    const a = member(zk, 1, 'g_new', { backoffMs: 60_000 });
    const started = a.rebalancer.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(a.conflicts).toBe(1);
    const released = Date.now();
    zk.expire(7);
    await started;
    await settle(a);
    expect(a.owned()).toEqual([0, 1]);
    // Far below the 60 s backoff: the release woke the retry.
    expect(Date.now() - released).toBeLessThan(10_000);
  }, 20_000);

  it('fails with ConsumerRebalanceFailedError after rebalance.max.retries attempts, owning nothing', async () => {
    const zk = cluster(2);
    zk.put('/consumers/g/ids/g_old', registrationJson(new Map([[TOPIC, 1]]), 1), 7);
    zk.put('/consumers/g/owners/t/0', 'g_old-0', 7);
    zk.put('/consumers/g/owners/t/1', 'g_old-0', 7);
    // Alone after the stale member is gone from ids but not from owners: every claim conflicts.
    zk.remove('/consumers/g/ids/g_old');
    const a = member(zk, 1, 'g_a', { maxRetries: 3 });
    const err = await a.rebalancer.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerRebalanceFailedError);
    expect((err as ConsumerRebalanceFailedError).attempts).toBe(3);
    expect(a.conflicts).toBe(3);
    expect(a.owned()).toEqual([]);
    expect(zk.nodes.get('/consumers/g/owners/t/0')?.data).toBe('g_old-0');
  });

  it('merges the triggers arriving during a rebalance into one more', async () => {
    const zk = cluster(2);
    const a = member(zk, 1, 'g_a');
    await a.rebalancer.start();
    const before = a.events.length;
    // The first starts a rebalance at once; the nine arriving while it runs make one more.
    for (let i = 0; i < 10; i++) a.rebalancer.trigger();
    await settle(a);
    expect(a.events.length - before).toBe(2);
  });

  it('a new session re-registers and rebalances without committing or deleting the dead session’s nodes', async () => {
    const zk = cluster(2);
    const a = member(zk, 1, 'g_a');
    await a.rebalancer.start();
    zk.expire(1);
    const logBefore = zk.log.length;
    a.rebalancer.onNewSession();
    await settle(a);
    expect(zk.nodes.has('/consumers/g/ids/g_a')).toBe(true);
    expect(a.owned()).toEqual([0, 1]);
    // Up to its new claims, the first rebalance of the new session wrote no offset and deleted
    // nothing: positions and owners of the dead session may be someone else's by now. (Our own
    // re-registration then changes the ids children: a normal rebalance follows.)
    const ops = zk.log.slice(logBefore);
    expect(ops.slice(0, 3)).toEqual([
      '1 create /consumers/g/ids/g_a',
      '1 create /consumers/g/owners/t/0',
      '1 create /consumers/g/owners/t/1',
    ]);
  });

  it('a registration of the same id held by another session is waited out (Kafka’s “ZK bug” loop), then refused', async () => {
    const zk = cluster(1);
    zk.put('/consumers/g/ids/g_same', 'other data', 7);
    const a = member(zk, 1, 'g_same', { maxRetries: 3, sessionTimeoutMs: 5 });
    const err = await a.rebalancer.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumerRebalanceFailedError);

    const b = member(zk, 2, 'g_same', { maxRetries: 10, sessionTimeoutMs: 20 });
    const started = b.rebalancer.start();
    setTimeout(() => zk.expire(7), 30);
    await started;
    expect(b.owned()).toEqual([0]);
  });
});
