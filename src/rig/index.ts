export { type Artifacts, cacheRoot, ensureArtifacts } from './artifacts.js';
export { LocalKafka, type StartInfo, type TopicSpec } from './cluster.js';
export type { BrokerInfo, BrokerProcessInfo, LocalKafkaDescriptor } from './descriptor.js';
export {
  JavaNotFoundError,
  JvmExitedError,
  MavenFailedError,
  MavenNotFoundError,
  PortInUseError,
  RigConfigError,
  RigError,
  StartTimeoutError,
  ToolCommandError,
  ToolCompileError,
} from './errors.js';
export { findJava, type JavaTools } from './java.js';
export type { FetchedRecord, RigRecord } from './records.js';
export { attachLocalKafka, type StartOptions, startLocalKafka } from './start.js';
export {
  type Compression,
  DEFAULT_KAFKA_VERSION,
  KAFKA_VERSIONS,
  type KafkaVersion,
  supportedCompressions,
} from './versions.js';
