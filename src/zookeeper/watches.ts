import { EventTypeCode } from './constants.js';

export type WatchEventType =
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  /** The session expired: the server dropped every watch, this one included, without firing it. */
  | 'SessionExpired';

export interface WatchEvent {
  type: WatchEventType;
  /** Client path (chroot stripped). */
  path: string;
}

export type WatchCallback = (event: WatchEvent) => void;

/** `true` routes the event to the client's `watch` event; a function receives it directly. */
export type WatchTarget = WatchCallback | true;

export type WatchKind = 'data' | 'exist' | 'child';

const TYPE_NAMES: ReadonlyMap<number, WatchEventType> = new Map([
  [EventTypeCode.nodeCreated, 'NodeCreated'],
  [EventTypeCode.nodeDeleted, 'NodeDeleted'],
  [EventTypeCode.nodeDataChanged, 'NodeDataChanged'],
  [EventTypeCode.nodeChildrenChanged, 'NodeChildrenChanged'],
]);

export function watchEventType(code: number): WatchEventType | undefined {
  return TYPE_NAMES.get(code);
}

/**
 * Client-side bookkeeping of one-shot watches, keyed by client path, mirroring the Java client's
 * ZKWatchManager: the server keeps at most one watch of each kind per path and session, so
 * one notification fires every target registered for that path and kind, then forgets them.
 */
export class WatchRegistry {
  private readonly maps: Record<WatchKind, Map<string, Set<WatchTarget>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
  };

  add(kind: WatchKind, path: string, target: WatchTarget): void {
    const m = this.maps[kind];
    let set = m.get(path);
    if (set === undefined) {
      set = new Set();
      m.set(path, set);
    }
    set.add(target);
  }

  /** Removes and returns the targets a notification of this type fires. */
  take(type: WatchEventType, path: string): Set<WatchTarget> {
    const out = new Set<WatchTarget>();
    const drain = (kind: WatchKind): void => {
      const set = this.maps[kind].get(path);
      if (set === undefined) return;
      for (const t of set) out.add(t);
      this.maps[kind].delete(path);
    };
    switch (type) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        drain('data');
        drain('exist');
        break;
      case 'NodeChildrenChanged':
        drain('child');
        break;
      case 'NodeDeleted':
        drain('data');
        drain('exist');
        drain('child');
        break;
      case 'SessionExpired':
        break;
    }
    return out;
  }

  /** Paths per kind, for SetWatches after a reconnect. */
  paths(kind: WatchKind): string[] {
    return [...this.maps[kind].keys()];
  }

  get size(): number {
    return this.maps.data.size + this.maps.exist.size + this.maps.child.size;
  }

  /** Removes every watch, returning (path, target) pairs so each can be told once. */
  clear(): Array<[string, WatchTarget]> {
    const out: Array<[string, WatchTarget]> = [];
    const seen = new Map<string, Set<WatchTarget>>();
    for (const kind of ['data', 'exist', 'child'] as const) {
      for (const [path, set] of this.maps[kind]) {
        let s = seen.get(path);
        if (s === undefined) {
          s = new Set();
          seen.set(path, s);
        }
        for (const t of set) {
          if (!s.has(t)) {
            s.add(t);
            out.push([path, t]);
          }
        }
      }
      this.maps[kind].clear();
    }
    return out;
  }
}
