import { describe, expect, it } from 'vitest';
import { ZooKeeperArgumentError } from '../../../src/zookeeper/errors.js';
import {
  parentPath,
  parseConnectString,
  toClientPath,
  toServerPath,
  validatePath,
} from '../../../src/zookeeper/paths.js';
import { type WatchCallback, WatchRegistry } from '../../../src/zookeeper/watches.js';

describe('connect strings and paths', () => {
  it('parses hosts, default port, IPv6 and chroot', () => {
    expect(parseConnectString('a:1,b:2/kafka/x')).toEqual({
      servers: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
      chroot: '/kafka/x',
    });
    expect(parseConnectString('h')).toEqual({ servers: [{ host: 'h', port: 2181 }], chroot: undefined });
    expect(parseConnectString('[::1]:9/')).toEqual({
      servers: [{ host: '::1', port: 9 }],
      chroot: undefined,
    });
    expect(parseConnectString('h:1/c/').chroot).toBe('/c');
    for (const bad of ['', '/c', 'h:0', 'h:70000', 'h:x', 'h:1/c//d']) {
      expect(() => parseConnectString(bad)).toThrow(ZooKeeperArgumentError);
    }
  });

  it('validates paths as the server does', () => {
    for (const ok of ['/', '/a', '/a/b.c', '/consumers/g/offsets/t/0'])
      expect(() => validatePath(ok)).not.toThrow();
    for (const bad of ['', 'a', '/a/', '//a', '/a/./b', '/a/../b', '/a\u0000b', '/a\u0001']) {
      expect(() => validatePath(bad)).toThrow(ZooKeeperArgumentError);
    }
    expect(() => validatePath('/q/item-', true)).not.toThrow();
    expect(() => validatePath('/q/', true)).not.toThrow();
    expect(() => validatePath('/q/', false)).toThrow(ZooKeeperArgumentError);
  });

  it('maps paths into and out of a chroot', () => {
    expect(toServerPath('/c', '/')).toBe('/c');
    expect(toServerPath('/c', '/a/b')).toBe('/c/a/b');
    expect(toServerPath(undefined, '/a')).toBe('/a');
    expect(toClientPath('/c', '/c')).toBe('/');
    expect(toClientPath('/c', '/c/a')).toBe('/a');
    expect(toClientPath('/c', '/cd/a')).toBe('/cd/a');
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/')).toBeUndefined();
  });
});

describe('WatchRegistry', () => {
  it('fires data and exist watches on data events, child watches on child events, all on delete', () => {
    const w = new WatchRegistry();
    const a: WatchCallback = () => undefined;
    const b: WatchCallback = () => undefined;
    w.add('data', '/n', a);
    w.add('exist', '/n', b);
    w.add('child', '/n', a);
    expect([...w.take('NodeChildrenChanged', '/n')]).toEqual([a]);
    expect(w.take('NodeChildrenChanged', '/n').size).toBe(0); // one-shot
    expect([...w.take('NodeDataChanged', '/n')]).toEqual([a, b]);
    expect(w.size).toBe(0);
    w.add('data', '/n', a);
    w.add('data', '/n', a);
    w.add('child', '/n', true);
    expect([...w.take('NodeDeleted', '/n')]).toEqual([a, true]);
  });

  it('lists paths for SetWatches and clears each target once on expiry', () => {
    const w = new WatchRegistry();
    const a: WatchCallback = () => undefined;
    w.add('data', '/x', a);
    w.add('child', '/x', a);
    w.add('exist', '/y', true);
    expect(w.paths('data')).toEqual(['/x']);
    expect(w.paths('exist')).toEqual(['/y']);
    expect(w.paths('child')).toEqual(['/x']);
    expect(w.clear()).toEqual([
      ['/x', a],
      ['/y', true],
    ]);
    expect(w.size).toBe(0);
  });
});
