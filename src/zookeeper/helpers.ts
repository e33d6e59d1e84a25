import type { ZooKeeperClient } from './client.js';
import { dataBytes, type ZnodeData } from './codec.js';
import { NodeConflictError, NodeExistsError, NoNodeError } from './errors.js';
import { parentPath, validatePath } from './paths.js';

/**
 * Kafka's ZkUtils helpers on top of the raw operations. Each loops only on the races the
 * operation itself can lose (a node appearing or vanishing between two calls), a bounded
 * number of times, so a flapping node cannot spin us forever.
 */
const MAX_RACE_RETRIES = 10;

export async function mkdirp(zk: ZooKeeperClient, path: string, data: ZnodeData = null): Promise<void> {
  validatePath(path);
  if (path === '/') return;
  try {
    await zk.create(path, data, 'persistent');
    return;
  } catch (err) {
    if (err instanceof NodeExistsError) return;
    if (!(err instanceof NoNodeError)) throw err;
  }
  const parent = parentPath(path);
  if (parent !== undefined && parent !== '/') await mkdirp(zk, parent);
  try {
    await zk.create(path, data, 'persistent');
  } catch (err) {
    if (!(err instanceof NodeExistsError)) throw err;
  }
}

async function createParents(zk: ZooKeeperClient, path: string): Promise<void> {
  const parent = parentPath(path);
  if (parent !== undefined && parent !== '/') await mkdirp(zk, parent);
}

export async function createEphemeralExpectConflict(
  zk: ZooKeeperClient,
  path: string,
  data: ZnodeData,
): Promise<void> {
  validatePath(path);
  const want = Buffer.from(dataBytes(data) ?? new Uint8Array(0));
  for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
    try {
      await zk.create(path, data, 'ephemeral');
      return;
    } catch (err) {
      if (err instanceof NoNodeError) {
        await createParents(zk, path);
        continue;
      }
      if (!(err instanceof NodeExistsError)) throw err;
    }
    let existing: Buffer;
    try {
      existing = (await zk.getData(path)).data;
    } catch (err) {
      if (err instanceof NoNodeError) continue; // it vanished: try to create it again
      throw err;
    }
    if (existing.equals(want)) return;
    throw new NodeConflictError(path, existing);
  }
  throw new NodeExistsError(path, `ZooKeeper node ${path} kept appearing and vanishing`);
}

export async function updatePersistentPath(
  zk: ZooKeeperClient,
  path: string,
  data: ZnodeData,
): Promise<void> {
  validatePath(path);
  for (let attempt = 0; attempt < MAX_RACE_RETRIES; attempt++) {
    try {
      await zk.setData(path, data);
      return;
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
    await createParents(zk, path);
    try {
      await zk.create(path, data, 'persistent');
      return;
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
  throw new NoNodeError(path);
}

export async function readStringOrNull(zk: ZooKeeperClient, path: string): Promise<string | null> {
  try {
    return (await zk.getData(path)).data.toString('utf8');
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

export async function deleteRecursive(zk: ZooKeeperClient, path: string): Promise<void> {
  validatePath(path);
  let children: string[];
  try {
    children = await zk.getChildren(path);
  } catch (err) {
    if (err instanceof NoNodeError) return;
    throw err;
  }
  for (const child of children) await deleteRecursive(zk, path === '/' ? `/${child}` : `${path}/${child}`);
  if (path === '/') return;
  try {
    await zk.delete(path);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}
