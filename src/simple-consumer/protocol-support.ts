import { type ApiVersionsResponse, versionRange } from '../protocol/api-versions.js';
import { ApiKey, type KafkaRequest } from '../protocol/request.js';
import { apiName, requestName } from './broker-version.js';
import { type BrokerAddress, ClosedByBrokerError, UnsupportedBrokerError } from './errors.js';

/**
 * Asks the broker for its API versions on a fresh connection; undefined when it cannot say
 * (a 0.8 broker hangs up on ApiVersions too, and a restarting one does not answer at all).
 */
export type ApiVersionsProbe = () => Promise<ApiVersionsResponse | undefined>;

/**
 * Requests every broker from 0.8.0 to 3.9 serves at v0 and Kafka 4.0 dropped. Produce is not
 * among them: 4.0 still advertises Produce v0 (for librdkafka) while it rejects it.
 */
const CORE_V0_APIS: readonly ApiKey[] = [ApiKey.Fetch, ApiKey.Offsets];

/**
 * Turns "the broker hung up while a request waited" into UnsupportedBrokerError when the broker,
 * asked, turns out not to have that request's version or the 0.8 protocol's core. Any other
 * failure, and any broker that cannot be asked, keeps its original error (a restart looks alike).
 */
export async function explainHangUp(
  err: unknown,
  request: KafkaRequest<unknown>,
  address: BrokerAddress,
  probe: ApiVersionsProbe,
): Promise<unknown> {
  if (!(err instanceof ClosedByBrokerError) || err.inFlight === 0) return err;
  if (request.apiKey === ApiKey.ApiVersions) return err;
  const versions = await probe().catch(() => undefined);
  if (versions === undefined) return err;
  const missing = missingVersion(versions, request);
  if (missing === undefined) return err;
  return new UnsupportedBrokerError(address, requestName(request), missing, err);
}

/** What the broker lacks of the 0.8 protocol ("Fetch below v4"), or undefined if nothing. */
export function missingVersion(
  versions: ApiVersionsResponse,
  request: { apiKey: number; apiVersion: number },
): string | undefined {
  const wanted = [
    { apiKey: request.apiKey, version: request.apiVersion },
    ...CORE_V0_APIS.map((apiKey) => ({ apiKey, version: 0 })),
  ];
  for (const { apiKey, version } of wanted) {
    const range = versionRange(versions, apiKey);
    if (range === undefined) return `${apiName(apiKey)} API at all`;
    if (version < range.minVersion) return `${apiName(apiKey)} below v${range.minVersion}`;
    if (version > range.maxVersion) return `${apiName(apiKey)} above v${range.maxVersion}`;
  }
  return undefined;
}
