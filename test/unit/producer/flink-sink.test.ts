import { afterEach, describe, expect, it } from 'vitest';
import {
  FixedPartitioner,
  FlinkKafkaProducer,
  JsonSerializationSchema,
  type KafkaPartitioner,
  KafkaSink,
  type KeyedSerializationSchema,
  PartitionerError,
  ProduceFailedError,
  ProducerConfigError,
  SerializationError,
  StringSerializationSchema,
} from '../../../src/producer/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProducerFakeCluster } from './fake-cluster.js';

let cluster: ProducerFakeCluster | undefined;
const sinks: FlinkKafkaProducer<never>[] = [];

async function start(leaders: number[]): Promise<ProducerFakeCluster> {
  cluster = await ProducerFakeCluster.start(1);
  cluster.addTopic('t', leaders);
  return cluster;
}

function track<T>(s: FlinkKafkaProducer<T>): FlinkKafkaProducer<T> {
  sinks.push(s as unknown as FlinkKafkaProducer<never>);
  return s;
}

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.producer.close()));
  await cluster?.stop();
  cluster = undefined;
});

const values = (c: ProducerFakeCluster, p: number) => c.log('t', p).map((m) => m.value);

describe('FlinkKafkaProducer and KafkaSink', () => {
  it('(brokerList, topicId, SerializationSchema) writes values with null keys', async () => {
    const c = await start([0]);
    const sink = track(new FlinkKafkaProducer(c.bootstrap, 't', new StringSerializationSchema()));
    await sink.open();
    for (const v of ['a', 'b', 'c']) await sink.invoke(v);
    await sink.close();
    expect(c.log('t', 0).map((m) => [m.key, m.value])).toEqual([
      [null, 'a'],
      [null, 'b'],
      [null, 'c'],
    ]);
  });

  it('(topicId, KeyedSerializationSchema, config, partitioner) uses keys and the custom partitioner', async () => {
    const c = await start([0, 0, 0]);
    const schema: KeyedSerializationSchema<{ id: number }> = {
      serializeKey: (e) => `k${e.id}`,
      serializeValue: (e) => JSON.stringify(e),
    };
    // Flink's customPartitioningTestTopology rule: < 10 → 0, < 20 → 1, else 2.
    const partitioner: KafkaPartitioner<{ id: number }> = {
      partition: (next) => (next.id < 10 ? 0 : next.id < 20 ? 1 : 2),
    };
    const sink = track(
      new FlinkKafkaProducer('t', schema, { 'bootstrap.servers': c.bootstrap }, partitioner),
    );
    for (let id = 0; id < 30; id++) await sink.invoke({ id });
    await sink.flush();
    for (const p of [0, 1, 2]) {
      expect(c.log('t', p).map((m) => m.key)).toEqual(Array.from({ length: 10 }, (_, i) => `k${p * 10 + i}`));
    }
  });

  it("sends a schema's Buffer and Uint8Array bytes as they are, and shows the partitioner Buffers", async () => {
    const c = await start([0, 0]);
    const backing = new Uint8Array([0, 1, 2, 107, 49, 118, 49, 9, 9]);
    const schema: KeyedSerializationSchema<number> = {
      // A Uint8Array that is a window of a larger buffer, and a Buffer that is one too.
      serializeKey: () => backing.subarray(3, 5),
      serializeValue: (n) => Buffer.from(`xxv${n}`).subarray(2),
    };
    const seen: [boolean, string, boolean, string][] = [];
    const partitioner: KafkaPartitioner<number> = {
      partition: (n, key, value) => {
        seen.push([Buffer.isBuffer(key), String(key), Buffer.isBuffer(value), String(value)]);
        return n % 2;
      },
    };
    const sink = track(
      new FlinkKafkaProducer('t', schema, { 'bootstrap.servers': c.bootstrap }, partitioner),
    );
    for (const n of [1, 2, 3]) await sink.invoke(n);
    await sink.close();
    expect(seen).toEqual([
      [true, 'k1', true, 'v1'],
      [true, 'k1', true, 'v2'],
      [true, 'k1', true, 'v3'],
    ]);
    expect(c.log('t', 1).map((m) => [m.key, m.value])).toEqual([
      ['k1', 'v1'],
      ['k1', 'v3'],
    ]);
    expect(c.log('t', 0).map((m) => [m.key, m.value])).toEqual([['k1', 'v2']]);
  });

  it('a schema or partitioner that throws rejects only that element, with a typed error', async () => {
    const c = await start([0, 0]);
    const schema = {
      serialize: (e: string) => {
        if (e === 'bad') throw new Error('cannot serialize');
        if (e === 'number') return 5 as unknown as string;
        return e;
      },
    };
    const partitioner: KafkaPartitioner<string> = {
      partition: (e) => {
        if (e === 'boom') throw new Error('partitioner failed');
        return e === 'far' ? 9 : 1;
      },
    };
    const sink = track(new FlinkKafkaProducer('t', schema, { bootstrapServers: c.bootstrap }, partitioner));
    await expect(sink.invoke('bad')).rejects.toBeInstanceOf(SerializationError);
    await expect(sink.invoke('number')).rejects.toBeInstanceOf(SerializationError);
    await expect(sink.invoke('boom')).rejects.toBeInstanceOf(PartitionerError);
    await expect(sink.invoke('far')).rejects.toMatchObject({ topic: 't' });
    await sink.invoke('good');
    await sink.close();
    expect(values(c, 1)).toEqual(['good']);
  });

  it('reports a failed send on the next call, or only logs it with setLogFailuresOnly', async () => {
    const c = await start([0]);
    const sink = track(new FlinkKafkaProducer(c.bootstrap, 't', new StringSerializationSchema()));
    c.inject('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    await sink.invoke('refused');
    await expect(sink.flush()).rejects.toBeInstanceOf(ProduceFailedError);
    await sink.invoke('accepted');
    await sink.flush();
    c.inject('t', 0, ErrorCode.MESSAGE_TOO_LARGE);
    sink.setLogFailuresOnly(true);
    await sink.invoke('refused quietly');
    await sink.close();
    expect(values(c, 0)).toEqual(['accepted']);
  });

  it('elements invoked without awaiting, before and after open, land in call order', async () => {
    const c = await start([0]);
    const sink = track(
      new FlinkKafkaProducer('t', new StringSerializationSchema(), {
        bootstrapServers: c.bootstrap,
        bufferMemory: 20 * 4096,
        maxRequestSize: 4096,
      }),
    );
    // The first 200 before the topic's partitions are known, the next 200 without waiting for room.
    const invoked = Array.from({ length: 200 }, (_, i) => sink.invoke(`e${i}`));
    await Promise.all(invoked);
    for (let i = 200; i < 400; i++) sink.invoke(`e${i}`).catch(() => undefined);
    await sink.flush();
    expect(values(c, 0)).toEqual(Array.from({ length: 400 }, (_, i) => `e${i}`));
  });

  it('an element refused while open() is pending rejects alone; the others around it are sent', async () => {
    const c = await start([0]);
    const schema = {
      serialize: (e: string) => {
        if (e === 'bad') throw new Error('cannot serialize');
        return e;
      },
    };
    const sink = track(new FlinkKafkaProducer('t', schema, { bootstrapServers: c.bootstrap }));
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((e) => sink.invoke(e)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(SerializationError);
    await sink.flush();
    expect(values(c, 0)).toEqual(['a', 'c']);
  });

  it('refuses a bad topic name or schema in the constructor', () => {
    expect(() => new FlinkKafkaProducer('h:1', 'bad topic', new StringSerializationSchema())).toThrow(
      ProducerConfigError,
    );
    expect(() => new FlinkKafkaProducer('h:1', 't', {} as never)).toThrow(TypeError);
  });

  it('KafkaSink takes Flink 0.9 shapes; FixedPartitioner pins instance i to partition i % n', async () => {
    const c = await start([0, 0, 0]);
    const first = track(
      new KafkaSink(c.bootstrap, 't', new JsonSerializationSchema<number>(), new FixedPartitioner()),
    );
    await first.open({ subtaskIndex: 1, parallelism: 2 });
    const second = track(
      new KafkaSink(
        c.bootstrap,
        't',
        { 'linger.ms': 1 },
        new StringSerializationSchema(),
        new FixedPartitioner(),
      ),
    );
    await second.open({ subtaskIndex: 5, parallelism: 6 });
    await first.invoke(41);
    await second.invoke('x');
    await Promise.all([first.close(), second.close()]);
    expect(values(c, 1)).toEqual(['41']);
    expect(values(c, 2)).toEqual(['x']);
    expect(second.producer.config.lingerMs).toBe(1);
  });
});
