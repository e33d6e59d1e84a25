import type { FetchEngine } from '../simple-consumer/fetch-engine/index.js';
import { partitionKey } from './checkpoint-state.js';
import type { ConsumerEvents } from './consumer-base.js';
import type { PartitionPosition } from './record-reader.js';

/** The consumer side of the relay: where the engine's events are emitted again. */
export interface EngineEventTarget {
  emit<K extends keyof ConsumerEvents>(event: K, ...args: ConsumerEvents[K]): boolean;
}

/**
 * Emits the fetch engine's events as the consumer's own, and keeps the consumer's positions in
 * step with the engine's offset resets. Each event touches its own partition only: a start of
 * many partitions resets all of them, so anything more per event would grow with the square.
 *
 * `resolved` hears of each partition whose symbolic start position (earliest / latest) a reset
 * turned into an offset, by `partitionKey`, and of each that failed first (a start must not wait
 * for it: the next read raises its error).
 */
export function relayEngineEvents(
  engine: FetchEngine,
  consumer: EngineEventTarget,
  positions: ReadonlyMap<string, PartitionPosition>,
  resolved?: (key: string) => void,
): void {
  engine.on('leader-change', (e) => consumer.emit('leader-change', e));
  engine.on('fetch-size-grown', (e) => consumer.emit('fetch-size-grown', e));
  engine.on('partition-stalled', (e) => consumer.emit('partition-stalled', e));
  engine.on('error', (e) => consumer.emit('retriable-error', e));
  engine.on('partition-failed', (e) => resolved?.(partitionKey(e.topic, e.partition)));
  engine.on('offset-reset', (e) => {
    const key = partitionKey(e.topic, e.partition);
    const pos = positions.get(key);
    // Moved only when nothing of the partition was handed out since the position the engine
    // moved away from.
    if (pos !== undefined && (typeof pos.offset !== 'bigint' || pos.offset === e.from)) {
      const wasSymbolic = typeof pos.offset !== 'bigint';
      pos.offset = e.to;
      if (wasSymbolic) resolved?.(key);
    }
    consumer.emit('offset-reset', e);
  });
}
