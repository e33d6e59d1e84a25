import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KafkaVersion, versionProfile } from './versions.js';

/** Large enough for the tens-of-MB messages our tests send, small enough to stay sane. */
export const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

function props(entries: Record<string, string | number | boolean>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n')}\n`;
}

/** Each JVM logs to a file in its own directory; without this config log4j prints nothing. */
export function writeLog4j(dir: string, logFile: string): string {
  const path = join(dir, 'log4j.properties');
  writeFileSync(
    path,
    props({
      'log4j.rootLogger': 'INFO, file',
      'log4j.appender.file': 'org.apache.log4j.FileAppender',
      'log4j.appender.file.File': logFile,
      'log4j.appender.file.Append': 'true',
      'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
      'log4j.logger.kafka.request.logger': 'WARN',
      'log4j.logger.state.change.logger': 'WARN',
      'log4j.logger.org.I0Itec.zkclient': 'WARN',
    }),
  );
  return path;
}

export function writeZookeeperConfig(
  dir: string,
  dataDir: string,
  port: number,
  version: KafkaVersion,
): string {
  const path = join(dir, 'zookeeper.properties');
  // 3.5+ starts an HTTP admin server on 0.0.0.0:8080 by default, and answers `ruok` (our
  // readiness check) only when four-letter words are allowed.
  const zookeeper35: Record<string, string | boolean> = versionProfile(version).zookeeper35
    ? { 'admin.enableServer': false, '4lw.commands.whitelist': '*' }
    : {};
  writeFileSync(
    path,
    props({
      dataDir,
      clientPort: port,
      clientPortAddress: '127.0.0.1',
      // Short ticks let brokers use short sessions, so a killed broker is noticed quickly.
      tickTime: 500,
      maxClientCnxns: 0,
      ...zookeeper35,
    }),
  );
  return path;
}

export interface BrokerConfigInput {
  version: KafkaVersion;
  id: number;
  port: number;
  logDir: string;
  zookeeper: string;
  brokerCount: number;
  /** Written last, over the rig's settings. */
  overrides?: Readonly<Record<string, string | number | boolean>>;
}

export function writeBrokerConfig(dir: string, c: BrokerConfigInput): string {
  const path = join(dir, 'server.properties');
  const profile = versionProfile(c.version);
  // Loopback only, for every version: 0.8 binds `host.name`, later versions their listeners.
  const address: Record<string, string | number> = profile.listeners
    ? {
        listeners: `PLAINTEXT://127.0.0.1:${c.port}`,
        'advertised.listeners': `PLAINTEXT://127.0.0.1:${c.port}`,
      }
    : {
        port: c.port,
        'host.name': '127.0.0.1',
        'advertised.host.name': '127.0.0.1',
        'advertised.port': c.port,
      };
  const common: Record<string, string | number | boolean> = {
    'broker.id': c.id,
    ...address,
    'log.dirs': c.logDir,
    'zookeeper.connect': c.zookeeper,
    'zookeeper.session.timeout.ms': 6000,
    'zookeeper.connection.timeout.ms': 10000,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'auto.create.topics.enable': true,
    'controlled.shutdown.enable': false,
    'num.network.threads': 2,
    'num.io.threads': 2,
    // No log.flush.interval.messages: Kafka's default (and its sample config since 0.8.1) leaves
    // flushing to the OS. 10,000 made the broker fsync every 10,000 messages inside the request
    // handler, 3-4 ms each on this disk, about a third of a 1M-record produce run.
    'log.retention.hours': 168,
    'log.cleaner.enable': false,
    'message.max.bytes': MAX_MESSAGE_BYTES,
    'replica.fetch.max.bytes': MAX_MESSAGE_BYTES + 1024 * 1024,
    'socket.request.max.bytes': MAX_MESSAGE_BYTES + 4 * 1024 * 1024,
    'replica.lag.time.max.ms': 10000,
    'replica.socket.timeout.ms': 10000,
    'controller.socket.timeout.ms': 10000,
    // A restarted broker takes its preferred leaderships back within seconds.
    'auto.leader.rebalance.enable': true,
    'leader.imbalance.check.interval.seconds': 5,
  };
  const offsets: Record<string, string | number | boolean> = profile.kafkaOffsetStorage
    ? {
        'delete.topic.enable': true,
        'offsets.topic.num.partitions': 3,
        'offsets.topic.replication.factor': Math.min(3, c.brokerCount),
        'offsets.topic.segment.bytes': 10 * 1024 * 1024,
        'offsets.commit.required.acks': -1,
      }
    : {};
  // 0.11+ refuses to create these internal topics with fewer brokers than their defaults ask for.
  const transactions: Record<string, string | number | boolean> = profile.transactions
    ? {
        'transaction.state.log.replication.factor': Math.min(3, c.brokerCount),
        'transaction.state.log.min.isr': 1,
        'group.initial.rebalance.delay.ms': 0,
      }
    : {};
  writeFileSync(path, props({ ...common, ...offsets, ...transactions, ...c.overrides }));
  return path;
}
