import { decompress } from '../../protocol/compression/index.js';
import { crc32 } from '../../protocol/crc32.js';
import { Kafka08Error } from '../../protocol/errors.js';
import { verifyMessageSet } from '../../protocol/message-set.js';
import { HEADER } from '../../protocol/message-set-bytes.js';
import { outlineMessageSet } from '../../protocol/message-set-outline.js';

/**
 * For a compressed wrapper (the entry at `set[start, end)`) whose own layer is sound, the inner
 * messages in front of the first damaged one, as a plain set: those can be delivered before the
 * error, so that a reader who skips the damaged message (seeks to its offset + 1) loses nothing
 * else. Undefined when the entry is plain, when the wrapper itself is broken (structure, its own
 * CRC, its codec, decompression within `maxBytes`: nothing inside can be trusted then), or when
 * no inner message comes before the damage.
 *
 * Each inner message at or above `fetchOffset` is judged on its own here (structure, CRC, no
 * nested compression); those below it are left out unjudged, as the scan skips them. The caller
 * verifies the result again with the outer entries in front of it, which also checks that
 * offsets rise, and so stays the single judge.
 */
export function innerSoundPrefix(
  set: Buffer,
  start: number,
  end: number,
  options: { verifyCrc: boolean; fetchOffset: bigint; maxBytes: number },
): { set: Buffer; nextOffset: bigint } | undefined {
  const { verifyCrc, fetchOffset, maxBytes } = options;
  const inner = soundWrapperValue(set, start, end, verifyCrc, maxBytes);
  if (inner === undefined) return undefined;
  const entries = outlineMessageSet(inner, {
    pieceBytes: 1,
    requireRisingOffsets: false,
    cutAtFault: true,
  }).pieces;
  // Messages below the fetch offset are neither judged nor kept: they are not delivered.
  let keepFrom = 0;
  let sound = 0;
  let nextOffset = 0n;
  for (const e of entries) {
    const from = sound;
    if (e.nextOffset <= fetchOffset) keepFrom = e.end;
    else if (inner[from + HEADER + 5]! & 0x07 || !verifies(inner.subarray(from, e.end), verifyCrc)) break;
    sound = e.end;
    nextOffset = e.nextOffset;
  }
  return sound === keepFrom ? undefined : { set: inner.subarray(keepFrom, sound), nextOffset };
}

/** The decompressed value of a sound magic-0 wrapper at `set[start, end)`, else undefined. */
function soundWrapperValue(
  set: Buffer,
  start: number,
  end: number,
  verifyCrc: boolean,
  maxBytes: number,
): Buffer | undefined {
  const m = start + HEADER;
  if (end - m < 14 || set.readInt32BE(start + 8) !== end - m) return undefined;
  if (verifyCrc && set.readUInt32BE(m) !== crc32(set, m + 4, end)) return undefined;
  const codec = set[m + 5]! & 0x07;
  if (set[m + 4] !== 0 || codec < 1 || codec > 3) return undefined;
  const keyLength = set.readInt32BE(m + 6);
  if (keyLength < -1 || keyLength > end - m - 14) return undefined;
  const at = m + 10 + Math.max(0, keyLength);
  if (set.readInt32BE(at) !== end - at - 4) return undefined;
  try {
    return decompress(codec as 1 | 2 | 3, set.subarray(at + 4, end), maxBytes);
  } catch (err) {
    if (err instanceof Kafka08Error) return undefined;
    throw err;
  }
}

function verifies(entry: Buffer, verifyCrc: boolean): boolean {
  try {
    verifyMessageSet(entry, { verifyCrc, requireRisingOffsets: false });
    return true;
  } catch (err) {
    if (err instanceof Kafka08Error) return false;
    throw err;
  }
}
