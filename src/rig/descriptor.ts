import type { KafkaVersion } from './versions.js';

export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
}

export interface BrokerProcessInfo extends BrokerInfo {
  /** Pid at start; after a restart by another handle the rig finds brokers by marker instead. */
  pid: number | undefined;
  dir: string;
  logFile: string;
}

/**
 * Everything another process needs to use a running cluster: JSON-serializable so vitest's
 * globalSetup can `provide` it to workers, and the CLI can keep it in state.json.
 */
export interface LocalKafkaDescriptor {
  format: 1;
  clusterId: string;
  version: KafkaVersion;
  dir: string;
  /** The process whose death takes the cluster down; null for the CLI's background cluster. */
  ownerPid: number | null;
  java: string;
  classpath: string;
  toolClassesDir: string;
  zookeeper: string;
  zookeeperPid: number | undefined;
  zookeeperLog: string;
  brokers: string;
  brokerList: BrokerProcessInfo[];
  keepData: boolean;
  /** True when the rig created `dir` itself (a temp dir), so stop() may delete all of it. */
  ownsDir: boolean;
  /** `StartOptions.brokerProperties`: written over the rig's broker settings at every (re)start. */
  brokerProperties?: Record<string, string | number | boolean>;
}
