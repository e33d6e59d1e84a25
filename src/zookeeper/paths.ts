import { ZooKeeperArgumentError } from './errors.js';

export interface ServerAddress {
  host: string;
  port: number;
}

export interface ParsedConnectString {
  servers: ServerAddress[];
  /** Normalised chroot ("/kafka"), or undefined for none (the string ended at the port or in "/"). */
  chroot: string | undefined;
}

const DEFAULT_PORT = 2181;

/**
 * `host:port[,host:port...][/chroot]`, the format of `zookeeper.connect`. A host without a port
 * gets 2181, as in the Java client; `[v6]:port` is accepted.
 */
export function parseConnectString(s: string): ParsedConnectString {
  const slash = s.indexOf('/');
  const hostsPart = slash === -1 ? s : s.slice(0, slash);
  let chroot = slash === -1 ? undefined : s.slice(slash);
  if (chroot !== undefined) {
    if (chroot.length > 1 && chroot.endsWith('/')) chroot = chroot.slice(0, -1);
    if (chroot === '/') chroot = undefined;
    else validatePath(chroot);
  }
  const servers: ServerAddress[] = [];
  for (const raw of hostsPart.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(item);
    const host = m?.[1] ?? m?.[2];
    const port = m?.[3] === undefined ? DEFAULT_PORT : Number(m[3]);
    if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ZooKeeperArgumentError(`bad ZooKeeper server "${item}" in connect string "${s}"`);
    }
    servers.push({ host, port });
  }
  if (servers.length === 0) {
    throw new ZooKeeperArgumentError(`no ZooKeeper server in connect string "${s}"`);
  }
  return { servers, chroot };
}

/**
 * The server's rules (`PathUtils.validatePath`): absolute, no empty, "." or ".." segment, no
 * trailing slash (except for a sequential create, whose name the server completes), no NUL or
 * other control characters.
 */
export function validatePath(path: string, sequential = false): void {
  const bad = (why: string): never => {
    throw new ZooKeeperArgumentError(`invalid ZooKeeper path "${path}": ${why}`, path);
  };
  if (typeof path !== 'string' || path.length === 0) bad('empty');
  if (path[0] !== '/') bad('must start with "/"');
  if (path.length === 1) {
    if (sequential) bad('cannot create a sequential node at the root');
    return;
  }
  const body = sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.endsWith('/')) bad('must not end with "/"');
  for (const seg of body.slice(1).split('/')) {
    if (seg === '') bad('empty segment');
    if (seg === '.' || seg === '..') bad('relative segment');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the server refuses these characters
  if (/[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(path)) bad('forbidden character');
}

/** Client path → server path. */
export function toServerPath(chroot: string | undefined, path: string): string {
  if (chroot === undefined) return path;
  return path === '/' ? chroot : chroot + path;
}

/** Server path → client path; a path outside the chroot is returned unchanged. */
export function toClientPath(chroot: string | undefined, serverPath: string): string {
  if (chroot === undefined) return serverPath;
  if (serverPath === chroot) return '/';
  if (serverPath.startsWith(`${chroot}/`)) return serverPath.slice(chroot.length);
  return serverPath;
}

/** Parent of an absolute path; the root's parent is undefined. */
export function parentPath(path: string): string | undefined {
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
