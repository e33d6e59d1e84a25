import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaVersion } from '../../src/rig/index.js';
import { SimpleConsumer } from '../../src/simple-consumer/simple-consumer.js';
import {
  BadVersionError,
  NodeConflictError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  type WatchEvent,
  ZooKeeperClient,
  type ZooKeeperClientOptions,
  ZooKeeperClosedError,
} from '../../src/zookeeper/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';

const versions: KafkaVersion[] = ['0.8.2.2', '0.8.1.1'];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function zkFor(
  version: KafkaVersion,
  opts: ZooKeeperClientOptions = {},
  suffix = '',
): Promise<ZooKeeperClient> {
  const zk = await ZooKeeperClient.connect(sharedCluster(version).zookeeper + suffix, opts);
  closers.push(() => zk.close());
  return zk;
}

/** Resolves with the first `n` events a watch callback receives; more would show up in `seen`. */
function recorder(): { seen: WatchEvent[]; cb: (e: WatchEvent) => void; next: () => Promise<WatchEvent> } {
  const seen: WatchEvent[] = [];
  const waiters: Array<(e: WatchEvent) => void> = [];
  return {
    seen,
    cb: (e) => {
      seen.push(e);
      waiters.shift()?.(e);
    },
    next: () =>
      new Promise<WatchEvent>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no watch event within 5 s')), 5000);
        waiters.push((e) => {
          clearTimeout(t);
          resolve(e);
        });
      }),
  };
}

describe.each(versions)('ZooKeeperClient against the ZooKeeper of Kafka %s', (version) => {
  it('establishes a session; the readOnly byte comes back from 3.4 only', async () => {
    const zk = await ZooKeeperClient.connect(sharedCluster(version).zookeeper, { sessionTimeoutMs: 4000 });
    closers.push(() => zk.close());
    expect(zk.state).toBe('connected');
    expect(zk.sessionId).not.toBe(0n);
    // tickTime 500 on the rig: 4000 is inside [2, 20] ticks, so granted as asked.
    expect(zk.sessionTimeoutMs).toBe(4000);
    expect(zk.sessionInfo).toMatchObject({
      sessionId: zk.sessionId,
      server: sharedCluster(version).zookeeper,
    });
    // Kafka 0.8.2.2 ships ZooKeeper 3.4.6 (answers the flag), 0.8.1.1 ships 3.3.4 (ignores it).
    expect(zk.sessionInfo?.readOnly).toBe(version === '0.8.2.2' ? false : undefined);
  });

  it('creates, reads, updates and deletes znodes that Kafka’s own ZkClient sees', async () => {
    const k = sharedCluster(version);
    const zk = await zkFor(version);
    const base = `/kafka08-zk-it/${uniqueTopic('crud')}`;
    await zk.mkdirp(base);
    expect(await k.zkChildren('/kafka08-zk-it')).toContain(base.split('/')[2]);

    expect(await zk.create(`${base}/a`, 'grüße ✓')).toBe(`${base}/a`);
    expect(await k.zkGet(`${base}/a`)).toBe('grüße ✓');
    const got = await zk.getData(`${base}/a`);
    expect(got.data.toString('utf8')).toBe('grüße ✓');
    expect(got.stat).toMatchObject({ version: 0, numChildren: 0, ephemeralOwner: 0n });
    expect(got.stat.dataLength).toBe(Buffer.byteLength('grüße ✓'));

    const s1 = await zk.setData(`${base}/a`, 'v1', 0);
    expect(s1.version).toBe(1);
    expect(s1.mzxid).toBeGreaterThan(got.stat.mzxid);
    await expect(zk.setData(`${base}/a`, 'stale', 0)).rejects.toBeInstanceOf(BadVersionError);
    await expect(zk.delete(`${base}/a`, 0)).rejects.toBeInstanceOf(BadVersionError);
    expect(await k.zkGet(`${base}/a`)).toBe('v1');

    await k.zkSet(`${base}/a`, 'from-jvm');
    expect(await zk.getString(`${base}/a`)).toBe('from-jvm');

    await expect(zk.create(`${base}/a`, 'again')).rejects.toBeInstanceOf(NodeExistsError);
    await expect(zk.create(`${base}/missing/child`, 'x')).rejects.toBeInstanceOf(NoNodeError);
    await expect(zk.getData(`${base}/nope`)).rejects.toMatchObject({ code: -101, path: `${base}/nope` });
    expect(await zk.exists(`${base}/nope`)).toBeNull();
    expect(await zk.getString(`${base}/nope`)).toBeNull();

    await zk.create(`${base}/b`);
    await zk.create(`${base}/b/c`, Buffer.from([0, 1, 2, 255]));
    expect((await zk.getData(`${base}/b/c`)).data).toEqual(Buffer.from([0, 1, 2, 255]));
    expect((await zk.getData(`${base}/b`)).data.length).toBe(0);
    await expect(zk.delete(`${base}/b`)).rejects.toBeInstanceOf(NotEmptyError);
    const children = await zk.getChildrenWithStat(base);
    expect(children.children.sort()).toEqual(['a', 'b']);
    expect(children.stat.numChildren).toBe(2);
    expect((await zk.getChildren(base)).sort()).toEqual(await k.zkChildren(base));

    await zk.delete(`${base}/b/c`);
    await zk.delete(`${base}/b`);
    expect(await zk.exists(`${base}/b`)).toBeNull();
    expect(await k.zkGet(`${base}/b`)).toBeNull();
    await zk.deleteRecursive(base);
    expect(await zk.exists(base)).toBeNull();
  });

  it('names sequential nodes with a 10-digit counter and lets ephemeral nodes vanish on close', async () => {
    const k = sharedCluster(version);
    const base = `/kafka08-zk-it/${uniqueTopic('seq')}`;
    const zk = await zkFor(version);
    await zk.mkdirp(base);
    const names = [
      await zk.create(`${base}/item-`, 'x', 'persistent-sequential'),
      await zk.create(`${base}/item-`, 'x', 'ephemeral-sequential'),
      await zk.create(`${base}/item-`, 'x', 'persistent-sequential'),
    ];
    expect(names).toEqual([`${base}/item-0000000000`, `${base}/item-0000000001`, `${base}/item-0000000002`]);

    const owner = await ZooKeeperClient.connect(k.zookeeper);
    await owner.create(`${base}/eph`, 'mine', 'ephemeral');
    const stat = await zk.exists(`${base}/eph`);
    expect(stat?.ephemeralOwner).toBe(owner.sessionId);
    await owner.close();
    expect(owner.state).toBe('closed');
    await expect(owner.getData(`${base}/eph`)).rejects.toBeInstanceOf(ZooKeeperClosedError);
    // closeSession removes ephemerals at once, not after the session timeout.
    expect(await zk.exists(`${base}/eph`)).toBeNull();
    expect(await k.zkGet(`${base}/eph`)).toBeNull();
    // The ephemeral-sequential node was the first client's: it stays until that one closes.
    expect((await zk.getChildren(base)).sort()).toEqual([
      'item-0000000000',
      'item-0000000001',
      'item-0000000002',
    ]);
  });

  it('fires each watch once, for data, child, exists-on-missing and delete', async () => {
    const k = sharedCluster(version);
    const base = `/kafka08-zk-it/${uniqueTopic('watch')}`;
    const zk = await zkFor(version);
    const other = await zkFor(version);
    await zk.mkdirp(`${base}/n`, 'v0');

    const data = recorder();
    await zk.getData(`${base}/n`, data.cb);
    const ev1 = data.next();
    await k.zkSet(`${base}/n`, 'v1');
    expect(await ev1).toEqual({ type: 'NodeDataChanged', path: `${base}/n` });
    await other.setData(`${base}/n`, 'v2');
    await other.getData(`${base}/n`); // a round trip after the change: a second event would be here by now
    await new Promise((r) => setTimeout(r, 100));
    expect(data.seen).toHaveLength(1);

    const child = recorder();
    expect(await zk.getChildren(base, child.cb)).toEqual(['n']);
    const ev2 = child.next();
    await other.create(`${base}/m`);
    expect(await ev2).toEqual({ type: 'NodeChildrenChanged', path: base });

    const created = recorder();
    expect(await zk.exists(`${base}/later`, created.cb)).toBeNull();
    const ev3 = created.next();
    await other.create(`${base}/later`, 'x', 'ephemeral');
    expect(await ev3).toEqual({ type: 'NodeCreated', path: `${base}/later` });

    const emitted: WatchEvent[] = [];
    zk.on('watch', (e) => emitted.push(e));
    await zk.exists(`${base}/later`, true);
    await zk.getData(`${base}/later`, true); // the same target twice on one path: one event
    const gone = new Promise<WatchEvent>((resolve) => zk.once('watch', resolve));
    await other.close(); // its ephemeral node goes with it
    expect(await gone).toEqual({ type: 'NodeDeleted', path: `${base}/later` });
    await zk.exists(base);
    expect(emitted).toHaveLength(1);
  });

  it('confines a chrooted client under its root, paths in and out', async () => {
    const k = sharedCluster(version);
    const root = `/kafka08-zk-it/${uniqueTopic('chroot')}`;
    const plain = await zkFor(version);
    await plain.mkdirp(root);
    const zk = await zkFor(version, {}, root);
    expect(zk.chroot).toBe(root);
    expect(await zk.create('/a', 'in-chroot')).toBe('/a');
    expect(await k.zkGet(`${root}/a`)).toBe('in-chroot');
    expect(await zk.create('/seq-', 'x', 'persistent-sequential')).toBe('/seq-0000000001');
    expect((await zk.getChildren('/')).sort()).toEqual(['a', 'seq-0000000001']);
    await zk.updatePersistentPath('/deep/er/node', '7');
    expect(await plain.getString(`${root}/deep/er/node`)).toBe('7');
    const w = recorder();
    await zk.getData('/a', w.cb);
    const ev = w.next();
    await plain.setData(`${root}/a`, 'changed');
    expect(await ev).toEqual({ type: 'NodeDataChanged', path: '/a' });
    await plain.deleteRecursive(root);
  });

  it("reads Kafka's broker registration and topic znodes", async () => {
    const k = sharedCluster(version);
    const zk = await zkFor(version);
    const broker = k.brokerList[0];
    expect(broker).toBeDefined();
    const ids = await zk.getChildren('/brokers/ids');
    expect(ids).toEqual(await k.zkChildren('/brokers/ids'));
    const reg = JSON.parse((await zk.getString(`/brokers/ids/${broker?.id}`)) ?? 'null') as Record<
      string,
      unknown
    >;
    expect(reg).toMatchObject({ version: 1, host: broker?.host, port: broker?.port });
    const stat = await zk.exists(`/brokers/ids/${broker?.id}`);
    expect(stat?.ephemeralOwner).not.toBe(0n);

    const topic = uniqueTopic('zk-topic');
    await k.createTopic({ name: topic, partitions: 3 });
    const t = JSON.parse((await zk.getString(`/brokers/topics/${topic}`)) ?? 'null') as {
      partitions: Record<string, number[]>;
    };
    expect(Object.keys(t.partitions).sort()).toEqual(['0', '1', '2']);
    expect(t.partitions['0']).toEqual([broker?.id]);
    expect(await zk.getString(`/brokers/topics/${topic}`)).toBe(await k.zkGet(`/brokers/topics/${topic}`));
  });

  it('reads offsets the broker commits through OffsetCommit v0 and writes offsets the broker serves', async () => {
    const k = sharedCluster(version);
    const topic = uniqueTopic('zk-offsets');
    const group = uniqueTopic('zk-group');
    await k.createTopic({ name: topic, partitions: 2 });
    const b = k.brokerList[0];
    if (b === undefined) throw new Error('no broker');
    const sc = new SimpleConsumer({
      host: b.host,
      port: b.port,
      soTimeoutMs: 10_000,
      bufferSize: 64 * 1024,
      clientId: 'zk-it',
      brokerVersion: version === '0.8.1.1' ? '0.8.1' : '0.8.2',
    });
    closers.push(() => sc.close());
    await sc.commitOffsets({
      version: 0,
      consumerGroupId: group,
      topics: [{ topic, partitions: [{ partition: 0, offset: 1234567890123n, metadata: '' }] }],
    });
    const zk = await zkFor(version);
    expect(await zk.getChildren(`/consumers/${group}/offsets`)).toEqual([topic]);
    expect(await zk.getString(`/consumers/${group}/offsets/${topic}/0`)).toBe('1234567890123');

    await zk.updatePersistentPath(`/consumers/${group}/offsets/${topic}/1`, '77');
    await zk.updatePersistentPath(`/consumers/${group}/offsets/${topic}/0`, '78');
    const fetched = await sc.fetchOffsets({
      version: 0,
      consumerGroupId: group,
      topics: [{ topic, partitions: [0, 1] }],
    });
    const byPartition = new Map(fetched.topics[0]?.partitions.map((p) => [p.partition, p.offset]));
    expect(byPartition.get(0)).toBe(78n);
    expect(byPartition.get(1)).toBe(77n);
  });

  it('treats an identical ephemeral node as ours and a different one as a conflict', async () => {
    const base = `/kafka08-zk-it/${uniqueTopic('eph')}`;
    const zk = await zkFor(version);
    const other = await zkFor(version);
    await zk.createEphemeralExpectConflict(`${base}/ids/me`, '{"version":1}');
    await zk.createEphemeralExpectConflict(`${base}/ids/me`, '{"version":1}');
    const err = await other.createEphemeralExpectConflict(`${base}/ids/me`, '{"version":2}').catch((e) => e);
    expect(err).toBeInstanceOf(NodeConflictError);
    expect(err).toBeInstanceOf(NodeExistsError);
    expect((err as NodeConflictError).existingData.toString()).toBe('{"version":1}');
    expect((await zk.exists(`${base}/ids/me`))?.ephemeralOwner).toBe(zk.sessionId);
    expect((await zk.exists(`${base}/ids`))?.ephemeralOwner).toBe(0n);
    await expect(zk.create(`${base}/ids/me/child`)).rejects.toMatchObject({ code: -108 });
  });
});
