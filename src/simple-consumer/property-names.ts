/**
 * Properties of other Kafka clients (the newer Java consumer and producer, librdkafka) that a
 * shared properties object may hold. They are ignored, never taken for typos of ours, even when
 * they are spelt almost like one (`fetch.max.bytes` and our `fetch.min.bytes`).
 */
const OTHER_CLIENTS = new Set([
  'allow.auto.create.topics',
  'auto.offset.reset',
  'bootstrap.servers',
  'check.crcs',
  'client.rack',
  'connections.max.idle.ms',
  'default.api.timeout.ms',
  'enable.auto.commit',
  'exclude.internal.topics',
  'fetch.max.bytes',
  'fetch.max.wait.ms',
  'group.instance.id',
  'heartbeat.interval.ms',
  'isolation.level',
  'key.deserializer',
  'max.partition.fetch.bytes',
  'max.poll.interval.ms',
  'max.poll.records',
  'metadata.max.age.ms',
  'receive.buffer.bytes',
  'reconnect.backoff.ms',
  'request.timeout.ms',
  'retry.backoff.ms',
  'send.buffer.bytes',
  'session.timeout.ms',
  'value.deserializer',
  'compression.level',
  'delivery.timeout.ms',
  'enable.idempotence',
  'key.serializer',
  'partitioner.class',
  'transactional.id',
  'value.serializer',
]);

/** Damerau-Levenshtein distance (a swap of neighbours counts once), cut off above `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known property an unknown dotted key most likely misspells (within 2 edits), or undefined
 * when it looks like a property of another client or of nothing we know.
 */
export function misspelledProperty(key: string, known: Iterable<string>): string | undefined {
  if (OTHER_CLIENTS.has(key)) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(key, name, 2);
    if (d <= 2 && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}
