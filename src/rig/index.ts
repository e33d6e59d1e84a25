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
export { KraftNode, type KraftNodeOptions, startKraftNode } from './kraft.js';
export type { FetchedRecord, RigRecord } from './records.js';
export { attachLocalKafka, type StartOptions, startLocalKafka } from './start.js';
export {
  type Compression,
  DEFAULT_KAFKA_VERSION,
  KAFKA_VERSIONS,
  type KafkaVersion,
  KRAFT_VERSIONS,
  type KraftVersion,
  NEWEST_KAFKA_VERSION,
  type RigVersion,
  supportedCompressions,
  type V0Compression,
  type VersionProfile,
  v0ReadableCompressions,
  versionProfile,
} from './versions.js';
