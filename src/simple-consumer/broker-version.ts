import { ApiKey, type KafkaRequest } from '../protocol/request.js';
import { type KafkaBrokerGeneration, UnsupportedByBrokerVersionError } from './errors.js';

/** Re-exported so version-aware code can import the type together with the check. */
export type { KafkaBrokerGeneration };

/**
 * Refuses requests the configured broker generation does not have. A 0.8 broker cannot be asked
 * (no ApiVersions until 0.10), and a 0.8.1 broker does not check the OffsetCommit version: a v1
 * commit would be parsed as v0 and silently garbled, so the check has to happen here.
 */
export function checkBrokerSupports(
  request: KafkaRequest<unknown>,
  brokerVersion: KafkaBrokerGeneration,
): void {
  if (brokerVersion === '0.8.2') return;
  const needs082 =
    request.apiKey === ApiKey.ConsumerMetadata ||
    ((request.apiKey === ApiKey.OffsetCommit || request.apiKey === ApiKey.OffsetFetch) &&
      request.apiVersion >= 1);
  if (needs082) {
    throw new UnsupportedByBrokerVersionError(requestName(request), brokerVersion, '0.8.2');
  }
}

const API_NAMES: Record<ApiKey, string> = {
  [ApiKey.Produce]: 'Produce',
  [ApiKey.Fetch]: 'Fetch',
  [ApiKey.Offsets]: 'Offsets (ListOffsets)',
  [ApiKey.Metadata]: 'Metadata',
  [ApiKey.OffsetCommit]: 'OffsetCommit',
  [ApiKey.OffsetFetch]: 'OffsetFetch',
  [ApiKey.ConsumerMetadata]: 'ConsumerMetadata',
  [ApiKey.ApiVersions]: 'ApiVersions',
};

/** The API's name as error messages use it, e.g. "Fetch". */
export function apiName(apiKey: number): string {
  return API_NAMES[apiKey as ApiKey] ?? `api key ${apiKey}`;
}

/** "Fetch v0", "OffsetCommit v1": how error messages name a request. */
export function requestName(request: KafkaRequest<unknown>): string {
  if (request.apiKey === ApiKey.ConsumerMetadata) return 'ConsumerMetadata';
  return `${apiName(request.apiKey)} v${request.apiVersion}`;
}

export function isBrokerGeneration(v: unknown): v is KafkaBrokerGeneration {
  return v === '0.8.1' || v === '0.8.2';
}
