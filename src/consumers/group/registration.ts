import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** The consumer znode paths of ZookeeperConsumerConnector (ZkUtils.ZKGroupDirs / ZKGroupTopicDirs). */
export const groupPaths = {
  ids: (group: string): string => `/consumers/${group}/ids`,
  id: (group: string, consumerId: string): string => `/consumers/${group}/ids/${consumerId}`,
  owner: (group: string, topic: string, partition: number): string =>
    `/consumers/${group}/owners/${topic}/${partition}`,
  offset: (group: string, topic: string, partition: number): string =>
    `/consumers/${group}/offsets/${topic}/${partition}`,
  topic: (topic: string): string => `/brokers/topics/${topic}`,
  brokerIds: '/brokers/ids',
};

/**
 * Kafka's consumerIdString: `<group>_<consumer.id>` when configured, else
 * `<group>_<host>-<ms>-<first 8 hex digits of a random 64-bit value>` (Java takes them from a
 * UUID's most significant bits via Long.toHexString, which drops leading zeros; so do we).
 */
export function consumerIdString(
  group: string,
  consumerId: string | undefined,
  now = Date.now(),
  host = hostname(),
): string {
  if (consumerId !== undefined) return `${group}_${consumerId}`;
  const hex = randomBytes(8).readBigUInt64BE().toString(16).slice(0, 8);
  return `${group}_${host}-${now}-${hex}`;
}

/** The ids znode value for a static subscription, in 0.8.2's key order. */
export function registrationJson(subscription: ReadonlyMap<string, number>, timestamp = Date.now()): string {
  return JSON.stringify({
    version: 1,
    subscription: Object.fromEntries(subscription),
    pattern: 'static',
    timestamp: String(timestamp),
  });
}

/**
 * A member's subscription as it applies to `topics` (those we care about): static counts as
 * given; a `white_list` / `black_list` regex (Java `matches`: the whole name) expands over them.
 * Anything unreadable counts as no subscription, as a member that left would.
 */
export function parseRegistration(data: string, topics: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return out;
  }
  if (typeof json !== 'object' || json === null) return out;
  const { subscription, pattern } = json as { subscription?: unknown; pattern?: unknown };
  if (typeof subscription !== 'object' || subscription === null) return out;
  const entries = Object.entries(subscription as Record<string, unknown>).filter(
    (e): e is [string, number] => Number.isInteger(e[1]) && (e[1] as number) > 0,
  );
  if (pattern === 'white_list' || pattern === 'black_list') {
    const [regex, n] = entries[0] ?? [];
    if (regex === undefined || n === undefined) return out;
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${regex})$`);
    } catch {
      return out;
    }
    for (const t of topics) {
      if (t === '__consumer_offsets') continue;
      if (re.test(t) === (pattern === 'white_list')) out.set(t, n);
    }
    return out;
  }
  for (const [t, n] of entries) out.set(t, n);
  return out;
}
