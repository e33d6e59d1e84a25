export { ZooKeeperClient } from './client.js';
export type { ChildrenResult, GetDataResult, ZnodeData } from './codec.js';
export type { CreateMode } from './constants.js';
export {
  BadVersionError,
  ConnectionLossError,
  NodeConflictError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  SessionExpiredError,
  ZooKeeperArgumentError,
  ZooKeeperClosedError,
  ZooKeeperError,
  ZooKeeperTimeoutError,
} from './errors.js';
export { type ParsedConnectString, parseConnectString, type ServerAddress } from './paths.js';
export type {
  SessionInfo,
  ZooKeeperClientEvents,
  ZooKeeperClientOptions,
  ZooKeeperState,
} from './session-types.js';
export type { ZnodeStat } from './stat.js';
export type { WatchCallback, WatchEvent, WatchEventType, WatchTarget } from './watches.js';
