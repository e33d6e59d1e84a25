import type { KafkaConsumerBase } from '../consumer-base.js';
import { ConsumerConfigError, ProcessingError } from '../errors.js';
import type { Checkpoint, CheckpointStore } from './checkpoint-store.js';

export interface RunCheckpointedOptions<T, S> {
  store: CheckpointStore<S>;
  /** The state of a first run, when the store holds no checkpoint. */
  initialState: () => S;
  /**
   * Applies one record to the state. Return a new state, or change the one given and return
   * nothing. Awaited before the next record; a throw or rejection stops the run (nothing after
   * the last checkpoint is kept, so a restart processes the record again).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a function that changes the state in place returns nothing.
  process: (record: T, state: S) => S | void | Promise<S | void>;
  /** Checkpoint after this many records (default 1000). */
  everyRecords?: number;
  /** Checkpoint at least this often while records arrive, and when idle after some (default 5000). */
  everyMs?: number;
  /** Stops after the record in progress, with a final checkpoint. */
  signal?: AbortSignal;
  /** After each durable checkpoint, once its offsets were committed (or the commit failed). */
  onCheckpoint?: (checkpoint: Checkpoint<S>) => void;
  /** Committing offsets to Kafka/ZooKeeper failed; the checkpoint itself is safe and the next one retries. */
  onCommitFailed?: (error: unknown) => void;
}

export interface RunCheckpointedResult<S> {
  state: S;
  /** Records processed by this run. */
  processed: number;
  /** Id of the last checkpoint written (or restored, when this run wrote none). */
  lastCheckpoint: number | undefined;
  /** True when every partition reached its end-of-stream element; false when stopped by the signal. */
  ended: boolean;
}

/**
 * Drives a checkpointed consumer (`FlinkKafkaConsumer081/082`, `PersistentKafkaSource`) and an
 * application's state the way Flink drives a source and its operators: restores both from the
 * newest checkpoint, applies records one at a time, and every `everyRecords` records or
 * `everyMs` milliseconds takes one consistent checkpoint of the consumer's positions and the
 * state (snapshotState runs between two records, so it covers exactly the records applied),
 * stores it durably, then commits the offsets. Whatever happens between two checkpoints is
 * redone after a crash from the state of the first, so a state (or sink) that is stored with
 * the checkpoint sees each record exactly once. Closes the consumer when it returns or throws.
 */
export async function runCheckpointed<T, S>(
  consumer: KafkaConsumerBase<T>,
  options: RunCheckpointedOptions<T, S>,
): Promise<RunCheckpointedResult<S>> {
  const everyRecords = positive('everyRecords', options.everyRecords ?? 1000);
  const everyMs = positive('everyMs', options.everyMs ?? 5000);
  const { store, signal } = options;
  let failed = false;
  try {
    const restored = await store.load();
    if (restored !== undefined) consumer.restoreState(restored.consumer);
    let state = restored === undefined ? options.initialState() : restored.state;
    let lastCheckpoint = restored?.id;
    let processed = 0;
    let since = 0;
    let lastAt = Date.now();

    const checkpoint = async (): Promise<void> => {
      const id = (lastCheckpoint ?? 0) + 1;
      const taken: Checkpoint<S> = { id, consumer: consumer.snapshotState(id), state };
      await store.save(taken);
      lastCheckpoint = id;
      since = 0;
      lastAt = Date.now();
      await consumer.notifyCheckpointComplete(id).catch((err: unknown) => options.onCommitFailed?.(err));
      options.onCheckpoint?.(taken);
    };

    // A function, so the compiler does not narrow `aborted` across the awaits below.
    const stopped = (): boolean => signal?.aborted === true;
    let ended = false;
    let pending: Promise<boolean> | undefined;
    while (!stopped()) {
      pending ??= consumer.ready();
      const woke = await wake(pending, Math.max(0, everyMs - (Date.now() - lastAt)), signal);
      if (woke === 'timeout') {
        if (since > 0) await checkpoint();
        else lastAt = Date.now();
        continue;
      }
      if (woke === 'aborted') break;
      pending = undefined;
      if (!woke) {
        ended = true;
        break;
      }
      for (let r = consumer.poll(); r !== undefined; r = consumer.poll()) {
        let next: S | undefined;
        try {
          next = (await options.process(r.value, state)) ?? undefined;
        } catch (err) {
          const where = consumer.recordContext();
          throw where === undefined
            ? err
            : new ProcessingError(where.topic, where.partition, where.offset, err);
        }
        if (next !== undefined) state = next;
        processed++;
        since++;
        if (since >= everyRecords || Date.now() - lastAt >= everyMs) await checkpoint();
        if (stopped()) break;
      }
    }
    if (since > 0) await checkpoint();
    return { state, processed, lastCheckpoint, ended };
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // Checkpointed consumers commit nothing on close; failed or not, the next run restores.
    await consumer.close().catch((err: unknown) => {
      if (!failed) throw err;
    });
  }
}

function positive(key: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ConsumerConfigError(key, `must be an integer >= 1, got ${value}`);
  return value;
}

/** Whichever comes first: the consumer ready (its answer), the timer, or the signal. */
function wake(
  ready: Promise<boolean>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<boolean | 'timeout' | 'aborted'> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      resolve('aborted');
    };
    const timer = setTimeout(() => {
      done();
      resolve('timeout');
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    ready.then(
      (v) => {
        done();
        resolve(v);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}
