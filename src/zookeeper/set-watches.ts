import { encodeRequest, setWatchesBody } from './codec.js';
import { OpCode, SET_WATCHES_MAX_CHARS, Xid } from './constants.js';
import type { WatchRegistry } from './watches.js';

/**
 * The SetWatches frames that re-arm every watch on a new connection of the same session,
 * split like the Java client's once the paths add up to SET_WATCHES_MAX_CHARS, so no frame
 * comes near the server's jute.maxbuffer.
 */
export function setWatchesFrames(
  watches: WatchRegistry,
  lastZxid: bigint,
  toServerPath: (clientPath: string) => string,
): Buffer[] {
  const frames: Buffer[] = [];
  let batch: [string[], string[], string[]] = [[], [], []];
  let chars = 0;
  const flush = (): void => {
    if (batch[0].length + batch[1].length + batch[2].length === 0) return;
    frames.push(encodeRequest(Xid.setWatches, OpCode.setWatches, setWatchesBody(lastZxid, ...batch)));
    batch = [[], [], []];
    chars = 0;
  };
  (['data', 'exist', 'child'] as const).forEach((kind, k) => {
    for (const p of watches.paths(kind)) {
      const serverPath = toServerPath(p);
      batch[k]?.push(serverPath);
      chars += serverPath.length;
      if (chars >= SET_WATCHES_MAX_CHARS) flush();
    }
  });
  flush();
  return frames;
}
