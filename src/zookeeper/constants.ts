/**
 * Numbers of the ZooKeeper client protocol (jute) as the 3.3/3.4 servers define them
 * (`ZooDefs.OpCode`, `KeeperException.Code`, `Watcher.Event`, `CreateMode`).
 */
export const OpCode = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getChildren: 8,
  ping: 11,
  getChildren2: 12,
  setWatches: 101,
  closeSession: -11,
} as const;
export type OpCodeNumber = (typeof OpCode)[keyof typeof OpCode];

/** Reserved xids: replies carrying them are not answers to numbered requests. */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

/** `KeeperException.Code` values this client tells apart. */
export const ErrorCodes = {
  ok: 0,
  systemError: -1,
  connectionLoss: -4,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
  invalidAcl: -114,
  authFailed: -115,
} as const;

/** `Watcher.Event.EventType` on the wire. */
export const EventTypeCode = {
  none: -1,
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
} as const;

/** `Watcher.Event.KeeperState` on the wire. */
export const KeeperStateCode = {
  disconnected: 0,
  syncConnected: 3,
  expired: -112,
} as const;

export type CreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

/** CreateRequest.flags: bit 0 ephemeral, bit 1 sequential. */
export const CREATE_MODE_FLAGS: Readonly<Record<CreateMode, number>> = {
  persistent: 0,
  ephemeral: 1,
  'persistent-sequential': 2,
  'ephemeral-sequential': 3,
};

/** `ZooDefs.Perms.ALL` (READ|WRITE|CREATE|DELETE|ADMIN). */
export const PERMS_ALL = 31;

/** A ConnectRequest's passwd before the server has issued one: 16 zero bytes, as the Java client sends. */
export const EMPTY_PASSWORD_LENGTH = 16;

/** The Java client splits SetWatches when the paths add up to more than this many characters. */
export const SET_WATCHES_MAX_CHARS = 128 * 1024;
