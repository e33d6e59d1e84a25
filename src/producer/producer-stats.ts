import { LatencyWindow, RateWindow } from '../simple-consumer/measures.js';

/** What `Producer.metrics()` reports. */
export interface ProducerMetrics {
  /** Records and wire bytes the brokers acknowledged (or that went out, with acks=0). */
  records: number;
  bytes: number;
  /** Over the last 10 seconds (or since start, when younger). */
  recordsPerSecond: number;
  bytesPerSecond: number;
  requests: number;
  /** Produce round trips, send to answer, over the last 1024 requests (ms). */
  requestLatencyP50Ms: number;
  requestLatencyP99Ms: number;
  /** Batches sent again after a retriable error. */
  retries: number;
  /** Records whose send was rejected (retries used up, or an error that is not retriable). */
  failedRecords: number;
  /** Bytes held for records not yet acknowledged, against buffer.memory. */
  bufferedBytes: number;
  /** Sends waiting to be let in (for a topic's metadata or room in buffer.memory), outside buffer.memory. */
  waitingSends: number;
}

/** The producer's counters; the sender increments them as answers come. */
export class ProducerStats {
  records = 0;
  bytes = 0;
  requests = 0;
  retries = 0;
  failedRecords = 0;
  readonly latencies = new LatencyWindow();
  private readonly window = new RateWindow();

  acknowledged(records: number, bytes: number): void {
    this.records += records;
    this.bytes += bytes;
    this.window.sample(this.records, this.bytes);
  }

  snapshot(bufferedBytes: number, waitingSends: number): ProducerMetrics {
    const [recordsPerSecond, bytesPerSecond] = this.window.rates(this.records, this.bytes);
    return {
      records: this.records,
      bytes: this.bytes,
      recordsPerSecond,
      bytesPerSecond,
      requests: this.requests,
      requestLatencyP50Ms: this.latencies.quantile(0.5),
      requestLatencyP99Ms: this.latencies.quantile(0.99),
      retries: this.retries,
      failedRecords: this.failedRecords,
      bufferedBytes,
      waitingSends,
    };
  }
}
