import { LatencyWindow } from '../measures.js';
import type { PartitionState } from './partition-state.js';

/** What the engine has measured since it started; `FetchEngine.stats()` returns a copy. */
export interface FetchEngineStats {
  /** Fetch answers received (decoded or not). */
  fetches: number;
  /** Message-set bytes received. */
  fetchedBytes: number;
  /** Round trip of a Fetch, send to answer, over the last 1024 fetches (ms); 0 before any. */
  fetchLatencyP50Ms: number;
  fetchLatencyP99Ms: number;
  /** Times a partition's fetch size grew for a message larger than it. */
  fetchSizeGrowths: number;
  /** Requests lost with their connection (a broker died or the network broke); each reconnects. */
  transportFailures: number;
  /** Per assigned partition: the log end its leader reported with the last answer. */
  highWatermarks: { topic: string; partition: number; highWatermark: bigint | undefined }[];
}

/** Counters and a window of fetch latencies, cheap to update on every answer. */
export class FetchStats {
  fetches = 0;
  fetchedBytes = 0;
  fetchSizeGrowths = 0;
  transportFailures = 0;
  readonly latencies = new LatencyWindow();

  /** A copy of the figures, with the log end each of `partitions` last reported. */
  snapshot(partitions: Iterable<PartitionState>): FetchEngineStats {
    return {
      fetches: this.fetches,
      fetchedBytes: this.fetchedBytes,
      fetchLatencyP50Ms: this.latencies.quantile(0.5),
      fetchLatencyP99Ms: this.latencies.quantile(0.99),
      fetchSizeGrowths: this.fetchSizeGrowths,
      transportFailures: this.transportFailures,
      highWatermarks: [...partitions].map((p) => ({
        topic: p.topic,
        partition: p.partition,
        highWatermark: p.highWatermark,
      })),
    };
  }
}
