import { afterEach, describe, expect, it } from 'vitest';
import {
  type FetchSizeGrownEvent,
  MessageTooLargeError,
} from '../../src/simple-consumer/fetch-engine/index.js';
import { sharedCluster, uniqueTopic } from '../helpers/cluster.js';
import { type EngineHandle, engineFor, pullUntil, valuesOf } from './fetch-engine-support.js';

const handles: EngineHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

const MiB = 1024 * 1024;

describe('fetch engine: messages larger than the fetch size (Kafka 0.8.2.2)', () => {
  it('grows from 1 MiB to deliver a 5 MiB message, then raises MessageTooLargeError above the 16 MiB ceiling', async () => {
    const k = sharedCluster('0.8.2.2');
    const topic = uniqueTopic('fe-big');
    await k.createTopic({ name: topic, partitions: 1 });
    const big = Buffer.alloc(5 * MiB, 0x61);
    big.write('head', 0);
    big.write('tail', big.length - 4);
    const huge = Buffer.alloc(20 * MiB, 0x62);
    await k.produce(topic, [{ value: 'before' }]);
    await k.produce(topic, [{ value: big }]);
    await k.produce(topic, [{ value: 'after' }]);
    await k.produce(topic, [{ value: huge }]);
    await k.produce(topic, [{ value: 'never' }]);

    const h = engineFor(k, { fetchSizeBytes: MiB, maxFetchSizeBytes: 16 * MiB, prefetchBytes: 32 * MiB });
    handles.push(h);
    const grown: FetchSizeGrownEvent[] = [];
    h.engine.on('fetch-size-grown', (e) => grown.push(e));
    h.engine.assign([{ topic, partition: 0, offset: 0n }]);
    const got = await pullUntil(h.engine, (b) => valuesOf(b).length >= 3, 60_000);
    const values = got.flatMap((b) => b.messages.map((m) => m.value));
    expect(values.map((v) => v?.length)).toEqual([6, 5 * MiB, 5]);
    expect(values[1]?.equals(big)).toBe(true);
    expect(values[2]?.toString()).toBe('after');
    expect(grown[0]).toMatchObject({ topic, partition: 0, offset: 1n, from: MiB });
    // The entry header arrived in the first 1 MiB, so one step straight to the entry size.
    expect(grown[0]?.to).toBeGreaterThan(5 * MiB);
    expect(grown[0]?.to).toBeLessThan(5 * MiB + 100);

    const err = await h.engine.next().then(
      () => new Error('expected MessageTooLargeError, got a batch'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MessageTooLargeError);
    const tooLarge = err as MessageTooLargeError;
    expect([tooLarge.topic, tooLarge.partition, tooLarge.offset]).toEqual([topic, 0, 3n]);
    expect(tooLarge.maxFetchBytes).toBe(16 * MiB);
    expect(tooLarge.messageBytes).toBeGreaterThan(20 * MiB);
    // Never skipped: the caller decides, e.g. by seeking past it.
    expect(h.engine.position(topic, 0)).toBe(3n);
    h.engine.seek(topic, 0, 4n);
    const rest = await pullUntil(h.engine, (b) => b.length > 0, 30_000);
    expect(valuesOf(rest)).toEqual(['never']);
  });
});
