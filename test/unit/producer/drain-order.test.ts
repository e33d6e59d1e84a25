import { describe, expect, it } from 'vitest';
import { PartitionQueue } from '../../../src/producer/accumulator.js';
import { DrainOrder } from '../../../src/producer/drain-order.js';
import type { PlannedRequest } from '../../../src/producer/request-builder.js';

const queues = [0, 1, 2, 3].map((p) => new PartitionQueue('t', p, p));
const carrying = (...qs: PartitionQueue[]): PlannedRequest =>
  ({ carried: qs.map((queue) => ({ queue, batches: [] })), topics: [], leftOver: false }) as PlannedRequest;
const order = (qs: PartitionQueue[]) => qs.map((q) => q.order);

describe('DrainOrder', () => {
  it('starts each request to a broker after the last partition the previous one carried', () => {
    const d = new DrainOrder();
    expect(order(d.rotate(1, queues))).toEqual([0, 1, 2, 3]);
    d.built(1, carrying(queues[0]!, queues[1]!));
    expect(order(d.rotate(1, queues))).toEqual([2, 3, 0, 1]);
    // Past the last queue it wraps to the first.
    d.built(1, carrying(queues[2]!, queues[3]!));
    expect(order(d.rotate(1, queues))).toEqual([0, 1, 2, 3]);
    // Another broker keeps its own place.
    d.built(2, carrying(queues[2]!));
    expect(order(d.rotate(2, queues))).toEqual([3, 0, 1, 2]);
    expect(order(d.rotate(1, queues))).toEqual([0, 1, 2, 3]);
  });

  it('starts at the next ready queue when the one after the last is not ready', () => {
    const d = new DrainOrder();
    d.built(1, carrying(queues[0]!));
    // Queue 1 has nothing ready: 2 goes first, then around.
    expect(order(d.rotate(1, [queues[0]!, queues[2]!, queues[3]!]))).toEqual([2, 3, 0]);
    d.built(1, carrying(queues[3]!));
    expect(order(d.rotate(1, [queues[1]!, queues[2]!]))).toEqual([1, 2]);
    // A request that carried nothing leaves the place as it was.
    d.built(1, carrying());
    expect(order(d.rotate(1, [queues[1]!, queues[2]!]))).toEqual([1, 2]);
  });
});
