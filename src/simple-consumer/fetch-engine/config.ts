import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../../protocol/message-set-types.js';
import { FetchConfigError } from './errors.js';

/**
 * What to do when a fetch offset is outside the log. Kafka 0.8 spells them `smallest` /
 * `largest`; the later `earliest` / `latest` are accepted as synonyms.
 */
export type AutoOffsetReset = 'smallest' | 'earliest' | 'largest' | 'latest' | 'none';

/** Names follow the Kafka 0.8 consumer properties they mirror (in the comments). */
export interface FetchEngineOptions {
  /**
   * `fetch.wait.max.ms`: how long a broker may hold a fetch waiting for `minBytes` (default 100).
   * Also how often a partition at its log end is asked while others still have data.
   */
  maxWaitMs?: number;
  /** `fetch.min.bytes`: bytes a broker waits for before answering (default 1). */
  minBytes?: number;
  /**
   * Per-partition MaxBytes the engine starts with and returns to after a grown fetch made
   * progress (default 1 MiB, Kafka's `fetch.message.max.bytes` default).
   */
  fetchSizeBytes?: number;
  /**
   * `fetch.message.max.bytes` as a CEILING: the largest per-partition fetch size the engine grows
   * to when one message does not fit; a bigger message raises MessageTooLargeError
   * (default: `fetchSizeBytes`, i.e. no growth, as in Kafka 0.8).
   */
  maxFetchSizeBytes?: number;
  /**
   * Per-partition MaxBytes asked for while a partition is behind (its last fetch came back
   * full), capped so that every assigned partition could ask for it twice within
   * `prefetchBytes` (default 2 MiB; set it to `fetchSizeBytes` or less to turn it off). A 0.8
   * broker pays a cost per request, so larger answers read a partition that is behind faster;
   * but the next answer arrives while this one is decoded, and there larger was slower: on the
   * benchmark broker a 4 MiB answer took 2.5 ms to arrive at a waiting client and 8-14 ms at
   * one busy decoding. 2 MiB read 100-byte messages faster than 4 MiB and 10 KB ones faster
   * than 1 MiB (bench/README.md). A partition whose entries average 4 KiB or more asks for twice
   * this (within the same cap): such entries cost the client little per byte, and 4 MiB read 10 KB
   * messages faster than 2 MiB. It changes only how much a request asks for: a message bigger
   * than the fetch size is handled exactly as without it (growth, MessageTooLargeError), and the
   * answer is still handed out in batches of about `batchBytes`. Partitions whose data arrives
   * compressed keep the plain fetch size. It is also what one request asks of all partitions
   * with data together, counting what each likely holds (or the fetch size, if larger): with
   * many partitions, requests of about this size kept the broker and the reader busy where
   * requests of as many partitions as the budget held left each waiting for the other.
   */
  catchUpFetchBytes?: number;
  /**
   * Answers are handed out in batches of about this many bytes (default 256 KiB, or the fetch
   * size if that is smaller; a message bigger than this is a batch of its own). It does not
   * change what is fetched. Smaller batches mean fewer records alive at once in a reader that
   * builds them all before returning (the consumer classes' `pollBatch`): with 1 MiB batches
   * their one-partition rate was 9 % lower and their peak RSS higher (bench/README.md).
   */
  batchBytes?: number;
  /** `auto.offset.reset` (default `largest`, as in Kafka 0.8). */
  autoOffsetReset?: AutoOffsetReset;
  /** `socket.timeout.ms`: per-request timeout; must exceed `maxWaitMs` (default 30 000). */
  socketTimeoutMs?: number;
  /**
   * Bytes of fetched data the engine may hold (in flight plus not yet handed out), across all
   * brokers (default 16 MiB). A request only asks for as many partitions' fetch sizes as fit; a
   * single partition whose fetch size alone exceeds the budget is still fetched, alone.
   */
  prefetchBytes?: number;
  /** `refresh.leader.backoff.ms`: first wait before a leader lookup is retried (default 200). */
  refreshLeaderBackoffMs?: number;
  /** Upper bound of the growing leader-lookup backoff (default 5000). */
  maxRefreshLeaderBackoffMs?: number;
  /** Verify message CRCs (default true). */
  verifyCrc?: boolean;
  /**
   * Fetch answers from one broker that may fail to decode in a row before the partitions asked
   * for raise UndecodableResponseError (default 5). Until then each is retried like a lost
   * connection, since a broker restarting or a proxy in between can garble one answer.
   */
  maxUndecodableFetches?: number;
  /**
   * Bytes one batch's compressed wrappers may expand to (default 64 MiB). A broker, or what sits
   * between it and us, can send a few KiB that decompress to gigabytes; a batch over this limit
   * is refused with a CorruptError in its place, before more than the limit is allocated. Set
   * it near `prefetchBytes` to keep a hostile answer within the memory you budgeted; it must
   * hold the largest decompressed wrapper your producers write.
   */
  maxDecompressedBytes?: number;
  /**
   * Frees each response's memory at the `next()` after its last batch was handed out, instead of
   * whenever V8's collector gets to it (default false), and reads later large answers into that
   * memory instead of fresh pages. Every key and value view into a batch then reads as empty once
   * the next batch is asked for: copy what you keep before that. The consumer classes turn it on
   * (they copy every record out of the response). It lowers peak RSS and reads faster, most with
   * large messages and many partitions; bench/README.md ("Fresh pages") has the figures.
   */
  releaseFrames?: boolean;
}

export interface FetchEngineConfig {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly fetchSizeBytes: number;
  readonly maxFetchSizeBytes: number;
  readonly catchUpFetchBytes: number;
  readonly batchBytes: number;
  readonly autoOffsetReset: AutoOffsetReset;
  readonly socketTimeoutMs: number;
  readonly prefetchBytes: number;
  readonly refreshLeaderBackoffMs: number;
  readonly maxRefreshLeaderBackoffMs: number;
  readonly verifyCrc: boolean;
  readonly maxUndecodableFetches: number;
  readonly maxDecompressedBytes: number;
  readonly releaseFrames: boolean;
}

const MAX_INT32 = 0x7fffffff;
const RESETS: readonly AutoOffsetReset[] = ['smallest', 'earliest', 'largest', 'latest', 'none'];

function int(name: string, value: number, min: number, max = MAX_INT32): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FetchConfigError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function resolveFetchEngineConfig(o: FetchEngineOptions = {}): FetchEngineConfig {
  const fetchSizeBytes = int('fetchSizeBytes', o.fetchSizeBytes ?? 1024 * 1024, 1);
  const maxWaitMs = int('maxWaitMs', o.maxWaitMs ?? 100, 0);
  const socketTimeoutMs = int('socketTimeoutMs', o.socketTimeoutMs ?? 30_000, 1);
  // A socket timeout at or below the long-poll wait would kill every idle fetch as a timeout.
  if (socketTimeoutMs <= maxWaitMs) {
    throw new FetchConfigError(`socketTimeoutMs (${socketTimeoutMs}) must exceed maxWaitMs (${maxWaitMs})`);
  }
  const autoOffsetReset = o.autoOffsetReset ?? 'largest';
  if (!RESETS.includes(autoOffsetReset)) {
    throw new FetchConfigError(`autoOffsetReset must be one of ${RESETS.join(', ')}`);
  }
  const refreshLeaderBackoffMs = int('refreshLeaderBackoffMs', o.refreshLeaderBackoffMs ?? 200, 0);
  return {
    maxWaitMs,
    minBytes: int('minBytes', o.minBytes ?? 1, 0),
    fetchSizeBytes,
    maxFetchSizeBytes: int('maxFetchSizeBytes', o.maxFetchSizeBytes ?? fetchSizeBytes, fetchSizeBytes),
    catchUpFetchBytes: int('catchUpFetchBytes', o.catchUpFetchBytes ?? 2 * 1024 * 1024, 1),
    batchBytes: int('batchBytes', o.batchBytes ?? Math.min(256 * 1024, fetchSizeBytes), 1),
    autoOffsetReset,
    socketTimeoutMs,
    prefetchBytes: int('prefetchBytes', o.prefetchBytes ?? 16 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
    refreshLeaderBackoffMs,
    maxRefreshLeaderBackoffMs: int(
      'maxRefreshLeaderBackoffMs',
      o.maxRefreshLeaderBackoffMs ?? Math.max(5000, refreshLeaderBackoffMs),
      refreshLeaderBackoffMs,
    ),
    verifyCrc: o.verifyCrc ?? true,
    maxUndecodableFetches: int('maxUndecodableFetches', o.maxUndecodableFetches ?? 5, 1),
    maxDecompressedBytes: int(
      'maxDecompressedBytes',
      o.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    releaseFrames: o.releaseFrames ?? false,
  };
}
