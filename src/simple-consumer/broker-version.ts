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

function requestName(request: KafkaRequest<unknown>): string {
  switch (request.apiKey) {
    case ApiKey.ConsumerMetadata:
      return 'ConsumerMetadata';
    case ApiKey.OffsetCommit:
      return `OffsetCommit v${request.apiVersion}`;
    case ApiKey.OffsetFetch:
      return `OffsetFetch v${request.apiVersion}`;
    default:
      return `api key ${request.apiKey} v${request.apiVersion}`;
  }
}

export function isBrokerGeneration(v: unknown): v is KafkaBrokerGeneration {
  return v === '0.8.1' || v === '0.8.2';
}
