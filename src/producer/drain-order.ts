import type { PartitionQueue } from './accumulator.js';
import type { PlannedRequest } from './request-builder.js';

/**
 * Per broker, which partition its next request starts with: the one after the last partition
 * the previous request carried, as Java's drainIndex. Starting from the first queue every time,
 * a partition whose backlog filled each request kept the others of its broker waiting for as
 * long as that backlog lasted.
 */
export class DrainOrder {
  private readonly from = new Map<number, number>();

  /** `queues` (in queue order) rotated to start where `broker`'s last request left off. */
  rotate(broker: number, queues: PartitionQueue[]): PartitionQueue[] {
    return startingAt(queues, this.from.get(broker) ?? 0);
  }

  /** Notes a request built for `broker`: the next one starts after its last partition. */
  built(broker: number, planned: PlannedRequest): void {
    const last = planned.carried[planned.carried.length - 1];
    if (last !== undefined) this.from.set(broker, last.queue.order + 1);
  }
}

/** `queues` (in queue order) rotated to start at the first whose order is `from` or more. */
export function startingAt(queues: PartitionQueue[], from: number): PartitionQueue[] {
  const at = queues.findIndex((q) => q.order >= from);
  return at <= 0 ? queues : [...queues.slice(at), ...queues.slice(0, at)];
}
