// What each scenario writes and how the clients read it. `quick` shrinks counts for iteration.
const M = 1_000_000;

export function scenarios(quick) {
  const n = quick ? 200_000 : M;
  return [
    { name: '1p-100B', brokers: 1, partitions: 1, size: 100, compression: 'none', count: n },
    { name: '8p-100B', brokers: 1, partitions: 8, size: 100, compression: 'none', count: n },
    { name: 'snappy', brokers: 1, partitions: 1, size: 100, compression: 'snappy', count: n },
    { name: 'gzip', brokers: 1, partitions: 1, size: 100, compression: 'gzip', count: n },
    // 1M x 10 KB would be 10 GB; 30k x 10 KB (300 MB) keeps a run in seconds.
    {
      name: '10KB',
      brokers: 1,
      partitions: 1,
      size: 10 * 1024,
      compression: 'none',
      count: quick ? 5000 : 30_000,
    },
    { name: '3brokers-8p', brokers: 3, partitions: 8, size: 100, compression: 'none', count: n },
  ];
}

/** Clients in the table; `peer` names the bench/peers package a driver needs. */
export const CLIENTS = [
  { name: 'jvm', file: 'jvm.js', label: 'Kafka JVM ConsumerPerformance 0.8.2.2 (ceiling)' },
  { name: 'kcat', file: 'kcat.js', label: 'kcat (librdkafka, legacy consumer)', bin: 'kcat' },
  {
    name: 'kcat-crc',
    file: 'kcat.js',
    options: { checkCrcs: true },
    label: 'kcat with check.crcs=true (librdkafka skips CRCs by default)',
    bin: 'kcat',
  },
  {
    name: 'node-rdkafka',
    file: 'node-rdkafka.js',
    label: 'node-rdkafka 3.6.1, defaults',
    peer: 'node-rdkafka',
  },
  {
    name: 'node-rdkafka-tuned',
    file: 'node-rdkafka.js',
    options: { tuned: true },
    label: 'node-rdkafka 3.6.1, tuned',
    peer: 'node-rdkafka',
  },
  { name: 'kafka-node', file: 'kafka-node.js', label: 'kafka-node 3.0.1 Consumer', peer: 'kafka-node' },
  { name: 'no-kafka', file: 'no-kafka.js', label: 'no-kafka 3.4.3 SimpleConsumer', peer: 'no-kafka' },
  { name: 'kafkajs', file: 'kafkajs.js', label: 'kafkajs 2.2.4 (0.10+ only)', peer: 'kafkajs' },
  { name: 'kafka08', file: 'kafka08.js', label: 'kafka08 (ours): FetchEngine' },
  {
    name: 'kafka08-release',
    file: 'kafka08.js',
    options: { releaseFrames: true },
    label: "kafka08 (ours): FetchEngine with releaseFrames (a batch's views last until the next batch)",
  },
  {
    name: 'kafka08-consumer',
    file: 'kafka08-consumer.js',
    label: 'kafka08 (ours): FlinkKafkaConsumer082, checkpointing, pollBatch',
  },
  {
    name: 'kafka08-raw',
    file: 'kafka08.js',
    options: { layer: 'raw' },
    label: 'kafka08 lowest layer (BrokerConnection + forEachMessage)',
  },
];
