import type { EventEmitter } from 'node:events';
import { BrokerConnection, type BrokerConnectionOptions } from '../simple-consumer/connection.js';
import type { FetchEngine } from '../simple-consumer/fetch-engine/index.js';
import { RateWindow } from '../simple-consumer/measures.js';
import type { CheckpointPosition } from './checkpoint-state.js';
import type { PartitionPosition } from './record-reader.js';

/** The shape pino, bunyan and console share: an object of fields, then the message. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface PartitionMetrics {
  topic: string;
  partition: number;
  /** The next offset to hand out (what a checkpoint or commit says). */
  position: CheckpointPosition;
  /** The log end its leader reported with the last fetch answer; undefined before one. */
  highWatermark: bigint | undefined;
  /** highWatermark - position, when both are known. */
  lag: bigint | undefined;
}

export interface ConsumerMetrics {
  partitions: PartitionMetrics[];
  /** Records and key + value bytes handed out since the consumer was created. */
  records: number;
  bytes: number;
  /** Over the last 10 seconds (or since start, when younger). */
  recordsPerSecond: number;
  bytesPerSecond: number;
  fetches: number;
  fetchLatencyP50Ms: number;
  fetchLatencyP99Ms: number;
  fetchSizeGrowths: number;
  /** Connections to brokers that were lost and made again. */
  reconnects: number;
  /** Group rebalances this member took part in (KafkaSource; 0 for the others). */
  rebalances: number;
  commits: number;
  commitFailures: number;
}

/** What a consumer counts as it runs; the hot path only increments fields. */
export class ConsumerCounters {
  records = 0;
  bytes = 0;
  reconnects = 0;
  rebalances = 0;
  commits = 0;
  commitFailures = 0;
  private readonly window = new RateWindow();

  /** Called once per batch handed out: keeps the rate window current without a timer. */
  sample(): void {
    this.window.sample(this.records, this.bytes);
  }

  snapshot(positions: Iterable<PartitionPosition>, engine: FetchEngine | undefined): ConsumerMetrics {
    const stats = engine?.stats();
    const rates = this.window.rates(this.records, this.bytes);
    const fetched = new Map(stats?.highWatermarks.map((h) => [`${h.partition}:${h.topic}`, h.highWatermark]));
    const partitions: PartitionMetrics[] = [];
    for (const p of positions) {
      // The engine's is fresher (fetched, maybe not handed out); the position's outlives an
      // ended partition the engine let go.
      const engineEnd = fetched.get(`${p.partition}:${p.topic}`);
      const highWatermark =
        engineEnd !== undefined && (p.highWatermark === undefined || engineEnd > p.highWatermark)
          ? engineEnd
          : p.highWatermark;
      const lag =
        highWatermark !== undefined && typeof p.offset === 'bigint'
          ? highWatermark > p.offset
            ? highWatermark - p.offset
            : 0n
          : undefined;
      partitions.push({ topic: p.topic, partition: p.partition, position: p.offset, highWatermark, lag });
    }
    return {
      partitions,
      records: this.records,
      bytes: this.bytes,
      recordsPerSecond: rates[0],
      bytesPerSecond: rates[1],
      fetches: stats?.fetches ?? 0,
      fetchLatencyP50Ms: stats?.fetchLatencyP50Ms ?? 0,
      fetchLatencyP99Ms: stats?.fetchLatencyP99Ms ?? 0,
      fetchSizeGrowths: stats?.fetchSizeGrowths ?? 0,
      reconnects: this.reconnects,
      rebalances: this.rebalances,
      commits: this.commits,
      commitFailures: this.commitFailures,
    };
  }
}

/**
 * Connections for a consumer's broker pool that count reconnects and tell the logger about
 * connects and losses (with the cause).
 */
export function observedConnections(
  counters: ConsumerCounters,
  logger: Logger | undefined,
): (options: BrokerConnectionOptions) => BrokerConnection {
  return (options) => {
    const c = new BrokerConnection(options);
    let lost = false;
    const broker = `${options.host}:${options.port}`;
    c.on('connect', () => {
      if (lost) counters.reconnects++;
      logger?.debug({ broker, reconnect: lost }, lost ? 'reconnected to broker' : 'connected to broker');
      lost = false;
    });
    c.on('disconnect', (error?: Error) => {
      lost = true;
      logger?.warn({ broker, err: error }, 'lost connection to broker');
    });
    return c;
  };
}

const LEVELS: Record<string, { level: keyof Logger; message: string }> = {
  'leader-change': { level: 'info', message: 'partition leader changed' },
  'offset-reset': { level: 'info', message: 'offset reset' },
  'fetch-size-grown': { level: 'info', message: 'fetch size grown for a large message' },
  'partition-stalled': { level: 'warn', message: 'the broker serves no records below its high watermark' },
  'retriable-error': { level: 'warn', message: 'retrying after an error' },
  'commit-failed': { level: 'error', message: 'offset commit failed' },
  'partition-end': { level: 'info', message: 'partition reached its end-of-stream element' },
  'listener-error': { level: 'error', message: 'an event listener threw' },
  rebalance: { level: 'info', message: 'group rebalanced' },
  'rebalance-failed': { level: 'error', message: 'group rebalance failed' },
};

/** Sends a consumer's events to `logger` at fitting levels. */
export function logEvents(consumer: EventEmitter, logger: Logger): void {
  for (const [event, { level, message }] of Object.entries(LEVELS)) {
    consumer.on(event, (detail: unknown) => {
      const fields = detail instanceof Error ? { err: detail } : (detail as object);
      // Records the application read are gone from the broker's log: worth more than info.
      if ((fields as { beyondLogEnd?: unknown }).beyondLogEnd === true)
        logger.warn({ event, ...fields }, 'offset reset: the leader log was cut beneath the reader');
      else logger[level]({ event, ...fields }, message);
    });
  }
}
