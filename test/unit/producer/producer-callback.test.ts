import { describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  ProduceFailedError,
  type Producer,
  type RecordMetadata,
} from '../../../src/producer/index.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { type ProducerFakeCluster, producerOnFakeCluster } from './fake-cluster.js';

const setup = producerOnFakeCluster();

interface Outcome {
  error: Error | null;
  metadata: RecordMetadata | undefined;
}

/** Sends with a callback; the promise settles when the callback is called. */
function sendWithCallback(
  p: Producer,
  record: Parameters<Producer['send']>[0],
): { returned: unknown; outcome: Promise<Outcome>; calledSync: boolean } {
  let calledSync = true;
  let settle!: (o: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  const returned = p.send(record, (error, metadata) => settle({ error, metadata }));
  const result = { returned, outcome, calledSync: false };
  void outcome.then(() => {
    result.calledSync = calledSync;
  });
  calledSync = false;
  return result;
}

describe('Producer.send(record, callback)', () => {
  it('returns nothing and calls back with broker offsets in order, interleaved with promise sends', async () => {
    const { c, p } = await setup([0]);
    // The first send waits for the topic's metadata (the slow path); the rest are appended at once.
    const sends = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 1
        ? {
            returned: undefined,
            outcome: p.send({ topic: 't', value: `v${i}` }).then((metadata) => ({ error: null, metadata })),
            calledSync: false,
          }
        : sendWithCallback(p, { topic: 't', value: `v${i}` }),
    );
    const outcomes = await Promise.all(sends.map((s) => s.outcome));
    expect(sends.every((s) => s.returned === undefined && !s.calledSync)).toBe(true);
    expect(outcomes.map((o) => o.error)).toEqual(outcomes.map(() => null));
    expect(outcomes.map((o) => o.metadata?.offset)).toEqual(Array.from({ length: 60 }, (_, i) => BigInt(i)));
    expect(outcomes.every((o) => o.metadata?.topic === 't' && o.metadata.partition === 0)).toBe(true);
    expect(values(c)).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
  });

  it('calls back with the typed error for bad input, after send returned', async () => {
    const { p } = await setup([0]);
    await p.send({ topic: 't', value: 'warm-up' });
    const bad = sendWithCallback(p, { topic: 't', value: 42 as unknown as string });
    const { error, metadata } = await bad.outcome;
    expect(bad.calledSync).toBe(false);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(metadata).toBeUndefined();
  });

  it('calls back with ProduceFailedError carrying topic and partition when the broker refuses', async () => {
    const { c, p } = await setup([0, 0], { retries: 0 });
    await p.send({ topic: 't', partition: 0, value: 'warm-up' });
    c.inject('t', 1, ErrorCode.MESSAGE_TOO_LARGE);
    const failed = sendWithCallback(p, { topic: 't', partition: 1, value: 'x' });
    const ok = sendWithCallback(p, { topic: 't', partition: 0, value: 'y' });
    const { error } = await failed.outcome;
    expect(error).toBeInstanceOf(ProduceFailedError);
    expect(error).toMatchObject({ topic: 't', partition: 1, code: 10, attempts: 1 });
    expect((await ok.outcome).metadata?.offset).toBe(1n);
  });

  it('calls back with no offset under acks=0', async () => {
    const { p } = await setup([0], { acks: 0 });
    await p.send({ topic: 't', value: 'warm-up' });
    const { error, metadata } = await sendWithCallback(p, { topic: 't', value: 'x' }).outcome;
    expect(error).toBeNull();
    expect(metadata).toEqual({ topic: 't', partition: 0, offset: undefined });
  });
});

const values = (c: ProducerFakeCluster) => c.log('t', 0).map((m) => m.value);
