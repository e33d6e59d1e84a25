import { CorruptError } from '../protocol/errors.js';
import type { Reader } from '../protocol/reader.js';
import {
  type ChildrenResult,
  createBody,
  deleteBody,
  type GetDataResult,
  pathWatchBody,
  readCreateResponse,
  readEmptyResponse,
  readGetChildren2Response,
  readGetChildrenResponse,
  readGetDataResponse,
  readStatResponse,
  setDataBody,
  type ZnodeData,
} from './codec.js';
import { type CreateMode, ErrorCodes, OpCode } from './constants.js';
import {
  createEphemeralExpectConflict,
  deleteRecursive,
  mkdirp,
  readStringOrNull,
  updatePersistentPath,
} from './helpers.js';
import { validatePath } from './paths.js';
import { ZooKeeperSession } from './session.js';
import type { ZooKeeperClientOptions } from './session-types.js';
import type { ZnodeStat } from './stat.js';
import type { WatchTarget } from './watches.js';

/**
 * A ZooKeeper client speaking the jute protocol to 3.3.x and 3.4.x servers, with the operations
 * Kafka 0.8 consumers need. Paths are client paths: the chroot of the connect string is added
 * on the way out and removed on the way back.
 *
 * `watch` arguments: `true` delivers the one-shot event on the client's `watch` event, a function
 * receives it directly. The watch is set only if the call succeeds (for `exists`, also when the
 * node is missing: it then fires on NodeCreated).
 */
export class ZooKeeperClient extends ZooKeeperSession {
  /** Connects and resolves once a session exists. */
  static async connect(
    connectString: string,
    options: ZooKeeperClientOptions = {},
  ): Promise<ZooKeeperClient> {
    const client = new ZooKeeperClient(connectString, options);
    await client.start();
    return client;
  }

  /** Creates a node and returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data: ZnodeData = null, mode: CreateMode = 'persistent'): Promise<string> {
    validatePath(path, mode.endsWith('sequential'));
    return this.submit({
      op: OpCode.create,
      path,
      body: createBody(this.serverPath(path), data, mode),
      onReply: (r) => this.clientPath(readCreateResponse(need(r))),
    });
  }

  /** Deletes a node; `version` -1 matches any version. */
  delete(path: string, version = -1): Promise<void> {
    validatePath(path);
    return this.submit({
      op: OpCode.delete,
      path,
      body: deleteBody(this.serverPath(path), version),
      onReply: (r) => readEmptyResponse(need(r), 'DeleteResponse'),
    });
  }

  /** The node's Stat, or null when it does not exist. */
  exists(path: string, watch?: WatchTarget | false): Promise<ZnodeStat | null> {
    validatePath(path);
    return this.submit({
      op: OpCode.exists,
      path,
      body: pathWatchBody(this.serverPath(path), !!watch),
      acceptErrors: [ErrorCodes.noNode],
      onReply: (r, err) => {
        const stat = r === null ? null : readStatResponse(r, 'ExistsResponse');
        if (watch) this.addWatch(err === ErrorCodes.noNode ? 'exist' : 'data', path, watch);
        return stat;
      },
    });
  }

  getData(path: string, watch?: WatchTarget | false): Promise<GetDataResult> {
    validatePath(path);
    return this.submit({
      op: OpCode.getData,
      path,
      body: pathWatchBody(this.serverPath(path), !!watch),
      onReply: (r) => {
        const result = readGetDataResponse(need(r));
        if (watch) this.addWatch('data', path, watch);
        return result;
      },
    });
  }

  /** Replaces the data; `version` -1 matches any version. Returns the new Stat. */
  setData(path: string, data: ZnodeData, version = -1): Promise<ZnodeStat> {
    validatePath(path);
    return this.submit({
      op: OpCode.setData,
      path,
      body: setDataBody(this.serverPath(path), data, version),
      onReply: (r) => readStatResponse(need(r), 'SetDataResponse'),
    });
  }

  /** Child names (unsorted, as the server lists them). */
  getChildren(path: string, watch?: WatchTarget | false): Promise<string[]> {
    validatePath(path);
    return this.submit({
      op: OpCode.getChildren,
      path,
      body: pathWatchBody(this.serverPath(path), !!watch),
      onReply: (r) => {
        const children = readGetChildrenResponse(need(r));
        if (watch) this.addWatch('child', path, watch);
        return children;
      },
    });
  }

  /** Child names and the parent's Stat (getChildren2, 3.3.0+). */
  getChildrenWithStat(path: string, watch?: WatchTarget | false): Promise<ChildrenResult> {
    validatePath(path);
    return this.submit({
      op: OpCode.getChildren2,
      path,
      body: pathWatchBody(this.serverPath(path), !!watch),
      onReply: (r) => {
        const result = readGetChildren2Response(need(r));
        if (watch) this.addWatch('child', path, watch);
        return result;
      },
    });
  }

  /** Creates the node and any missing ancestors as persistent nodes; existing ones are kept. */
  mkdirp(path: string, data: ZnodeData = null): Promise<void> {
    return mkdirp(this, path, data);
  }

  /** Same as {@link mkdirp}, under the name ZkClient uses. */
  createRecursive(path: string, data: ZnodeData = null): Promise<void> {
    return mkdirp(this, path, data);
  }

  /**
   * Kafka's `createEphemeralPathExpectConflict`: creates an ephemeral node (persistent parents
   * as needed). An existing node with identical data counts as success (our own write, retried
   * after a connection loss); other data throws NodeConflictError.
   */
  createEphemeralExpectConflict(path: string, data: ZnodeData): Promise<void> {
    return createEphemeralExpectConflict(this, path, data);
  }

  /** Kafka's `updatePersistentPath`: setData, creating parents and the node when missing. */
  updatePersistentPath(path: string, data: ZnodeData): Promise<void> {
    return updatePersistentPath(this, path, data);
  }

  /** The node's data as UTF-8, or null when the node does not exist. */
  getString(path: string): Promise<string | null> {
    return readStringOrNull(this, path);
  }

  /** Deletes the node and everything below it; a missing node is not an error. */
  deleteRecursive(path: string): Promise<void> {
    return deleteRecursive(this, path);
  }
}

function need(r: Reader | null): Reader {
  // Only calls with acceptErrors get a null reader; this keeps the others honest.
  if (r === null) throw new CorruptError('bad-value', 'reply body missing', 0, 'reply');
  return r;
}
