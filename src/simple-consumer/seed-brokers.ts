import { type BrokerAddress, InvalidSeedBrokersError } from './errors.js';

export type SeedBrokers = string | readonly BrokerAddress[];

/**
 * Normalises a seed list: `"h1:9092,h2:9093"` (the `metadata.broker.list` form) or address objects.
 * Duplicates are dropped, order is kept (the first seed is tried first).
 */
export function parseSeedBrokers(seeds: SeedBrokers): BrokerAddress[] {
  const input = typeof seeds === 'string' ? seeds : JSON.stringify(seeds);
  const list: BrokerAddress[] =
    typeof seeds === 'string'
      ? seeds
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
          .map((s) => parseOne(input, s))
      : seeds.map((a) => ({ host: a.host, port: a.port }));
  if (list.length === 0) throw new InvalidSeedBrokersError(input, 'no broker given');
  const seen = new Set<string>();
  const out: BrokerAddress[] = [];
  for (const a of list) {
    if (typeof a.host !== 'string' || a.host.length === 0) {
      throw new InvalidSeedBrokersError(input, 'empty host');
    }
    if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) {
      throw new InvalidSeedBrokersError(input, `port ${String(a.port)} is not in [1, 65535]`);
    }
    const key = addressKey(a);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a);
    }
  }
  return out;
}

function parseOne(input: string, s: string): BrokerAddress {
  // Bracketed IPv6 ("[::1]:9092") or host:port with the port after the last colon.
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) throw new InvalidSeedBrokersError(input, `${JSON.stringify(s)} is not host:port`);
  return { host: m[1] as string, port: Number(m[2]) };
}

/** A map key for an address. */
export function addressKey(a: BrokerAddress): string {
  return `${a.host}:${a.port}`;
}
