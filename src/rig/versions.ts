/** Kafka versions the rig can run, with what each one supports. */
export const KAFKA_VERSIONS = ['0.8.2.2', '0.8.1.1'] as const;
export type KafkaVersion = (typeof KAFKA_VERSIONS)[number];
export const DEFAULT_KAFKA_VERSION: KafkaVersion = '0.8.2.2';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4';

export function isKafkaVersion(v: string): v is KafkaVersion {
  return (KAFKA_VERSIONS as readonly string[]).includes(v);
}

/** LZ4 (codec 3) exists only from 0.8.2 on. */
export function supportedCompressions(version: KafkaVersion): Compression[] {
  return version === '0.8.1.1' ? ['none', 'gzip', 'snappy'] : ['none', 'gzip', 'snappy', 'lz4'];
}
