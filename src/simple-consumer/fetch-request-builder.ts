import type { FetchRequest, FetchRequestTopic } from '../protocol/fetch.js';

/**
 * The Java `kafka.api.FetchRequestBuilder`, for code ported from it:
 * `new FetchRequestBuilder().addFetch(topic, partition, offset, fetchSize).build()`.
 * Defaults match Java's: maxWait 0 ms and minBytes 0 (answer at once).
 */
export class FetchRequestBuilder {
  private maxWaitMs = 0;
  private minBytesValue = 0;
  private replicaIdValue = -1;
  private readonly topics = new Map<string, FetchRequestTopic>();

  maxWait(ms: number): this {
    this.maxWaitMs = ms;
    return this;
  }

  minBytes(bytes: number): this {
    this.minBytesValue = bytes;
    return this;
  }

  /** -1 (consumer, default) or -2 (debugging consumer, may read a follower). */
  replicaId(id: number): this {
    this.replicaIdValue = id;
    return this;
  }

  addFetch(topic: string, partition: number, offset: bigint | number, fetchSize: number): this {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = { topic, partitions: [] };
      this.topics.set(topic, t);
    }
    t.partitions.push({ partition, fetchOffset: BigInt(offset), maxBytes: fetchSize });
    return this;
  }

  build(): FetchRequest {
    return {
      replicaId: this.replicaIdValue,
      maxWaitMs: this.maxWaitMs,
      minBytes: this.minBytesValue,
      topics: [...this.topics.values()].map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
    };
  }
}
