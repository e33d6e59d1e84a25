import { producerPropertyNames, producerPropertyOption } from '../producer/config.js';
import type { FetchEngineOptions } from '../simple-consumer/fetch-engine/index.js';
import { misspelledProperty } from '../simple-consumer/property-names.js';
import { int } from './args.js';
import { UsageError } from './usage.js';

/** `-X key=value` pairs, in order; a later one for the same key wins, as in kcat. */
export function parseProperties(pairs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`-X wants key=value, got "${pair}"`);
    out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return out;
}

const MAX_INT32 = 0x7fffffff;

/** The consumer properties `consume` takes, with what each sets in the fetch engine. */
const CONSUME: Record<string, (v: string, key: string) => Partial<FetchEngineOptions>> = {
  'fetch.message.max.bytes': (v, k) => ({ fetchSizeBytes: int(`-X ${k}`, v, 1, MAX_INT32) }),
  'fetch.message.max.bytes.ceiling': (v, k) => ({ maxFetchSizeBytes: int(`-X ${k}`, v, 1, MAX_INT32) }),
  'fetch.wait.max.ms': (v, k) => ({ maxWaitMs: int(`-X ${k}`, v, 0, MAX_INT32) }),
  'fetch.min.bytes': (v, k) => ({ minBytes: int(`-X ${k}`, v, 0, MAX_INT32) }),
  'socket.timeout.ms': (v, k) => ({ socketTimeoutMs: int(`-X ${k}`, v, 1, MAX_INT32) }),
  'check.crcs': (v, k) => {
    if (v !== 'true' && v !== 'false') throw new UsageError(`-X ${k} wants true or false, got "${v}"`);
    return { verifyCrc: v === 'true' };
  },
};

/**
 * Fetch engine options from `-X` properties. Unknown keys are an error (with the likely name for
 * a typo), since a property silently ignored is a setting the user believes in but does not get.
 */
export function consumeOptions(props: ReadonlyMap<string, string>): Partial<FetchEngineOptions> {
  let out: Partial<FetchEngineOptions> = {};
  for (const [key, value] of props) {
    const set = CONSUME[key];
    if (set === undefined) {
      const meant = misspelledProperty(key, Object.keys(CONSUME));
      const hint =
        meant === undefined ? `known: ${Object.keys(CONSUME).join(', ')}` : `did you mean ${meant}?`;
      throw new UsageError(`-X ${key} is not a property consume takes (${hint})`);
    }
    out = { ...out, ...set(value, key) };
  }
  return out;
}

/**
 * Producer properties from `-X`, checked against the Producer's own names (its config validates
 * the values), and the camelCase options they replace among the command's defaults.
 */
export function producerProperties(props: ReadonlyMap<string, string>): {
  properties: Record<`${string}.${string}`, string>;
  replaces: Set<string>;
} {
  const properties: Record<`${string}.${string}`, string> = {};
  const replaces = new Set<string>();
  for (const [key, value] of props) {
    const option = producerPropertyOption(key);
    if (option === undefined || !key.includes('.')) {
      const meant = misspelledProperty(key, producerPropertyNames());
      const hint =
        meant === undefined ? `known: ${producerPropertyNames().join(', ')}` : `did you mean ${meant}?`;
      throw new UsageError(`-X ${key} is not a producer property (${hint})`);
    }
    properties[key as `${string}.${string}`] = value;
    replaces.add(option);
  }
  return { properties, replaces };
}
