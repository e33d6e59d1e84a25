/**
 * Kafka versions the rig can run, and what differs between them. Every version runs in ZooKeeper
 * mode from Maven Central's jars on Java 17; 4.0 dropped both ZooKeeper and the 0.8 requests, so
 * it is not here (see `UnsupportedBrokerError`).
 */
export const KAFKA_VERSIONS = [
  '0.8.2.2',
  '0.8.1.1',
  '0.9.0.1',
  '0.10.2.2',
  '1.1.1',
  '2.8.2',
  '3.9.2',
] as const;
export type KafkaVersion = (typeof KAFKA_VERSIONS)[number];
export const DEFAULT_KAFKA_VERSION: KafkaVersion = '0.8.2.2';
/** The newest broker that still serves the 0.8 requests. */
export const NEWEST_KAFKA_VERSION: KafkaVersion = '3.9.2';
/**
 * KRaft-only versions the rig can start (`startKraftNode`), to show what a 0.8 client gets from a
 * broker that dropped the protocol: no ZooKeeper, no 0.8 request versions.
 */
export const KRAFT_VERSIONS = ['4.0.0'] as const;
export type KraftVersion = (typeof KRAFT_VERSIONS)[number];
/** Any version the rig can fetch and run. */
export type RigVersion = KafkaVersion | KraftVersion;

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
/** The codecs of the 0.8 message format (magic 0): all but zstd. */
export type V0Compression = Exclude<Compression, 'zstd'>;

export function isKafkaVersion(v: string): v is KafkaVersion {
  return (KAFKA_VERSIONS as readonly string[]).includes(v);
}

interface MavenDependency {
  group: string;
  artifact: string;
  version: string;
  /** groupId:artifactId pairs left out of its transitive dependencies. */
  exclusions?: readonly string[];
}

export interface VersionProfile {
  version: RigVersion;
  /** The broker and everything its own start scripts would put on the classpath. */
  dependencies: readonly MavenDependency[];
  /**
   * The helper JVM: the 0.8 Scala producer/SimpleConsumer for 0.8.x, the Java clients of the same
   * version for the rest (the Scala producer is gone from 2.0 on).
   */
  toolMainClass: 'Kafka08Tool' | 'KafkaClientsTool' | 'KraftTool';
  /** `listeners` exists from 0.9; `host.name`/`port` are gone in 3.0. */
  listeners: boolean;
  /** Offsets in Kafka (OffsetCommit v1, the offsets topic): 0.8.2 and later. */
  kafkaOffsetStorage: boolean;
  /** Transactions (0.11+) need their own log settings on a single broker. */
  transactions: boolean;
  /** ZooKeeper 3.5+ (Kafka 2.4+) starts an admin server on 8080 of every address unless told not to. */
  zookeeper35: boolean;
  /** Codecs the broker and the version's own producer write. */
  compressions: readonly Compression[];
  /** Message format the version's own producer stores (0.10: v1, 0.11+: v2; a v0 fetch down-converts). */
  storedMagic: 0 | 1 | 2;
  /** `message.downconversion.enable` (KIP-283) exists: 2.0 and later. */
  downConversionConfig: boolean;
}

const LOG4J = { group: 'log4j', artifact: 'log4j', version: '1.2.17' };
const slf4jLog4j = (version: string) => ({ group: 'org.slf4j', artifact: 'slf4j-log4j12', version });

function kafka(scala: string, version: string, exclusions?: readonly string[]): MavenDependency {
  return { group: 'org.apache.kafka', artifact: `kafka_${scala}`, version, exclusions };
}

const CODECS_081: readonly Compression[] = ['none', 'gzip', 'snappy'];
const CODECS_082: readonly Compression[] = [...CODECS_081, 'lz4'];
const CODECS_21: readonly Compression[] = [...CODECS_082, 'zstd'];

function profile(
  version: RigVersion,
  dependencies: MavenDependency[],
  compressions: readonly Compression[],
): VersionProfile {
  const major = Number(version.split('.')[0]);
  const minor = Number(version.split('.')[1]);
  const atLeast = (m: number, n: number) => major > m || (major === m && minor >= n);
  return {
    version,
    dependencies,
    toolMainClass: atLeast(4, 0) ? 'KraftTool' : atLeast(0, 9) ? 'KafkaClientsTool' : 'Kafka08Tool',
    listeners: atLeast(0, 9),
    kafkaOffsetStorage: version !== '0.8.1.1',
    transactions: atLeast(0, 11),
    zookeeper35: atLeast(2, 4),
    compressions,
    storedMagic: atLeast(0, 11) ? 2 : atLeast(0, 10) ? 1 : 0,
    downConversionConfig: atLeast(2, 0),
  };
}

// 0.8's log4j 1.2.15 pom drags in Sun jars that are not on Maven Central.
const SUN_JARS = ['com.sun.jmx:jmxri', 'com.sun.jdmk:jmxtools', 'javax.jms:jms'];

const PROFILES: Record<RigVersion, VersionProfile> = {
  '0.8.1.1': profile('0.8.1.1', [kafka('2.10', '0.8.1.1', SUN_JARS)], CODECS_081),
  '0.8.2.2': profile('0.8.2.2', [kafka('2.10', '0.8.2.2', SUN_JARS)], CODECS_082),
  '0.9.0.1': profile('0.9.0.1', [kafka('2.11', '0.9.0.1', SUN_JARS)], CODECS_082),
  // JAXB left the JDK in 11; 0.10's ZooKeeper auth code still loads DatatypeConverter at start.
  '0.10.2.2': profile(
    '0.10.2.2',
    [kafka('2.12', '0.10.2.2'), { group: 'javax.xml.bind', artifact: 'jaxb-api', version: '2.3.1' }],
    CODECS_082,
  ),
  // From 1.0 the pom names no log binding: without one the broker writes no log at all.
  '1.1.1': profile('1.1.1', [kafka('2.12', '1.1.1'), LOG4J, slf4jLog4j('1.7.25')], CODECS_082),
  '2.8.2': profile('2.8.2', [kafka('2.13', '2.8.2'), LOG4J, slf4jLog4j('1.7.30')], CODECS_21),
  '3.9.2': profile(
    '3.9.2',
    [
      kafka('2.13', '3.9.2'),
      { group: 'org.slf4j', artifact: 'slf4j-reload4j', version: '1.7.36' },
      { group: 'ch.qos.reload4j', artifact: 'reload4j', version: '1.2.25' },
    ],
    CODECS_21,
  ),
  // No log binding: the node's stdout and stderr go to its console.log.
  '4.0.0': profile('4.0.0', [kafka('2.13', '4.0.0')], CODECS_21),
};

export function versionProfile(version: RigVersion): VersionProfile {
  return PROFILES[version];
}

/** Codecs the broker and that version's own producer write (zstd from 2.1). */
export function supportedCompressions(version: KafkaVersion): Compression[] {
  return [...PROFILES[version].compressions];
}

/**
 * Codecs a Kafka 0.8 (Fetch v0) client can read from that broker: zstd has no magic-0 form, and
 * reading it needs Fetch v10.
 */
export function v0ReadableCompressions(version: KafkaVersion): V0Compression[] {
  return supportedCompressions(version).filter((c): c is V0Compression => c !== 'zstd');
}
