import { CRC_TABLE, crc32Js, NATIVE_CRC_THRESHOLD } from './crc32.js';
import { HEADER, int32, MIN_MESSAGE_SIZE, type OffsetMark, readOffset } from './message-set-bytes.js';
import type { MessageSetSummary } from './message-set-types.js';
import { instantiateWasm, viewWithRoom, type WasmMemory } from './wasm-instance.js';

/*
 * The verify-only pass over an uncompressed message set in one wasm call per copied window.
 *
 * Why: verifying a set entry by entry from JS cost a JS walk plus a JS-to-wasm call per message
 * for the CRC. Here wasm walks the entries itself (sizes, magic, codec, key/value lengths, CRC,
 * rising offsets, the fetch-offset count) and stops at the first entry it does not accept: a bad
 * or compressed one, one larger than MAX_SIZE (zlib.crc32 is faster there), one cut by the window
 * or the set.
 * JS runs the ordinary scan on that one entry, so every error, wrapper and partial tail is
 * handled by the same code as before, then resumes the wasm walk after it.
 *
 * The module's source is wasm-verify.wat next to this file (assembled with wabt 1.0.36).
 *
 * Measured on the 2-core dev box (bench/codec/verify.js, ~1 MiB of 100-byte messages): 95 ns per
 * message with the JS scan, 63 with this walk, of which ~55 is the CRC kernel. Windows of 64 KiB
 * to 4 MiB were within a few ns of each other; 1 MiB takes a usual fetch in one copy. A
 * slice-by-16 kernel was slower in wasm (~72 ns) than this slice-by-8 one, and wasm's CRC loses
 * to zlib.crc32 on 1000-byte messages (525 vs 415 ns), hence MAX_SIZE.
 */
const WASM_VERIFY =
  'AGFzbQEAAAABGwNgAn9/AX9gCX9/f39/f39/fwF/YAN/f38BfwMEAwABAgUDAQABBgsCfwFBAAt/AUEACwc0BgZtZW1vcnkCAAVjb3VudAMABGxhc3QDAQNjcmMAAAt2ZXJpZnlQbGFpbgABBHNlYWwAAgqcBgPhAQEDf0F/IQICQANAIABBCGogAUsNASAAKAAAIAJzIQMgACgABCEEIANB/wFxQQJ0KAKAOCADQQh2Qf8BcUECdCgCgDBzIANBEHZB/wFxQQJ0KAKAKCADQRh2QQJ0KAKAIHNzIARB/wFxQQJ0KAKAGCAEQQh2Qf8BcUECdCgCgBBzIARBEHZB/wFxQQJ0KAKACCAEQRh2QQJ0KAIAc3NzIQIgAEEIaiEADAALCwJAA0AgACABTw0BIAIgAC0AAHNB/wFxQQJ0KAIAIAJBCHZzIQIgAEEBaiEADAALCyACQX9zC6wDAQl/AkADQCABIABrQQxIDQEgACgACCEOIA5B/4H8B3FBGHcgDkGA/oN4cUEId3IhCSAJQQ5IDQEgCSAESg0BIAkgASAAa0EMa0oNASAAQQxqIQogCiAJaiELIAotAAQNASAKLQAFQQdxDQEgCigABiEOIA5B/4H8B3FBGHcgDkGA/oN4cUEId3IhDSAKQQpqIQwgDUF/RwRAIA0gCUEOa0sNAiAMIA1qIQwLIAwoAAAhDiAOQf+B/AdxQRh3IA5BgP6DeHFBCHdyIQ0gDEEEaiEMIA1Bf0YEQCAMIAtHDQIFIA0gCyAMa0cNAgsgBQRAIAooAAAhDiAOQf+B/AdxQRh3IA5BgP6DeHFBCHdyIApBBGogCxAARw0CCyAAKAAAIQ4gDkH/gfwHcUEYdyAOQYD+g3hxQQh3ciEPIAAoAAQhDiAOQf+B/AdxQRh3IA5BgP6DeHFBCHdyIREgCCAPIAZKIA8gBkYgESAHS3FyRXENASAPIQYgESEHQQEhCCAPIAJKIA8gAkYgESADT3FyBEAgEEEBaiEQCyAAJAEgCyEADAALCyAQJAAgAAuIAQEDfwJAA0AgASAAa0EMSA0BIAAoAAghBSAFQf+B/AdxQRh3IAVBgP6DeHFBCHdyIQMgA0EOSA0BIAMgAkoNASADIAEgAGtBDGtKDQEgAEEMaiADaiEEIABBEGogBBAAIQUgACAFQf+B/AdxQRh3IAVBgP6DeHFBCHdyNgAMIAQhAAwACwsgAAs=';

/** Tables T0..T7 at k * 1024; the window of the set follows them. */
const BASE = 8 * 1024;
/** An entry's Message size above which the JS path (native CRC) takes it. */
export const MAX_SIZE = NATIVE_CRC_THRESHOLD + 3;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

interface Verifier {
  seal: (p: number, e: number, maxSize: number) => number;
  verifyPlain: (
    p: number,
    e: number,
    fHi: number,
    fLo: number,
    maxSize: number,
    crcOn: number,
    pHi: number,
    pLo: number,
    any: number,
  ) => number;
  count: { value: number };
  last: { value: number };
  memory: WasmMemory;
  mem: Uint8Array;
}

let windowBytes = 1024 * 1024;
let maxSize = MAX_SIZE;
let enabled = true;
/** Undefined until first use; null when WebAssembly is unavailable or the module misbehaves. */
let verifier: Verifier | null | undefined;

function load(): Verifier | null {
  try {
    const exports = instantiateWasm(WASM_VERIFY);
    const memory = exports.memory as Verifier['memory'];
    const v: Verifier = {
      seal: exports.seal as Verifier['seal'],
      verifyPlain: exports.verifyPlain as Verifier['verifyPlain'],
      count: exports.count as Verifier['count'],
      last: exports.last as Verifier['last'],
      memory,
      mem: new Uint8Array(memory.buffer),
    };
    // Wasm is little-endian whatever the host is; DataView writes the tables that way.
    const view = new DataView(memory.buffer);
    for (let i = 0; i < 8 * 256; i++) view.setInt32(i * 4, CRC_TABLE[i]!, true);
    return probe(v) ? v : null;
  } catch {
    // No WebAssembly (e.g. --jitless): the JS scan does the work.
    return null;
  }
}

/** Refuses a module that disagrees with the JS code (never expected; keeps a broken build safe). */
function probe(v: Verifier): boolean {
  const body = Buffer.from('\0\0\xff\xff\xff\xff\0\0\0\x09123456789', 'latin1');
  const entry = Buffer.alloc(HEADER + 4 + body.length);
  entry.writeInt32BE(7, 4);
  entry.writeInt32BE(4 + body.length, 8);
  entry.writeUInt32BE(crc32Js(body, 0, body.length), 12);
  body.copy(entry, 16);
  v.mem.set(entry, BASE);
  const e = BASE + entry.length;
  // Sealing the entry with its CRC zeroed must write it back.
  v.mem.fill(0, BASE + 12, BASE + 16);
  const sealed =
    v.seal(BASE, e, MAX_SIZE) === e && Buffer.from(v.mem.buffer, BASE, entry.length).equals(entry);
  const ok =
    v.verifyPlain(BASE, e, 0, 7, MAX_SIZE, 1, 0, 6, 1) === e && v.count.value === 1 && v.last.value === BASE;
  // An offset that does not rise, and a flipped value byte, must stop the walk at the entry.
  const back = v.verifyPlain(BASE, e, 0, 0, MAX_SIZE, 1, 0, 7, 1) === BASE;
  v.mem[e - 1] = v.mem[e - 1]! ^ 1;
  return (
    sealed && ok && back && v.verifyPlain(BASE, e, 0, 8, MAX_SIZE, 1, 0, 0, 0) === BASE && v.count.value === 0
  );
}

function ready(): Verifier | null {
  if (verifier === undefined) verifier = load();
  if (verifier === null) return null;
  // Grows once to fit the window.
  verifier.mem = viewWithRoom(verifier.memory, verifier.mem, BASE + windowBytes);
  return verifier;
}

/**
 * Test and benchmark hooks: turn the wasm walk off (the plain JS scan), change its window, or the
 * largest Message it takes.
 */
export function configureWasmVerify(options: {
  enabled?: boolean;
  windowBytes?: number;
  maxSize?: number;
}): void {
  if (options.enabled !== undefined) enabled = options.enabled;
  if (options.maxSize !== undefined)
    maxSize = Math.max(MIN_MESSAGE_SIZE, Math.min(0x7fffffff, Math.floor(options.maxSize)));
  if (options.windowBytes !== undefined) windowBytes = Math.max(64, Math.floor(options.windowBytes));
}

/** Whether {@link verifyPlainSet} would run in wasm here (false under --jitless). */
export function wasmVerifyAvailable(): boolean {
  return enabled && ready() !== null;
}

/** The ordinary scan of `buf[start, end)` (outer set), counting into the caller's state. */
export type ScanRange = (start: number, end: number) => MessageSetSummary;

/**
 * Verifies the outer set `buf` like `scanRange(0, buf.length)` would, with the same summary and
 * the same errors; returns the messages wasm counted (those `scanRange` saw it counts itself).
 * `mark` is the scan's offset order, shared with `scanRange`: it is kept current across the
 * wasm runs so either walk can judge the next entry (undefined: the order is not checked).
 * Undefined when the wasm walk cannot run: the caller scans as before.
 */
export function verifyPlainSet(
  buf: Buffer,
  fetchOffset: bigint | undefined,
  verifyCrc: boolean,
  mark: OffsetMark | undefined,
  scanRange: ScanRange,
): { summary: MessageSetSummary; count: number } | undefined {
  if (!enabled) return undefined;
  const v = ready();
  if (v === null) return undefined;
  let fHi = -0x80000000;
  let fLo = 0;
  if (fetchOffset !== undefined && fetchOffset > INT64_MIN) {
    // Nothing counts: rare enough to leave to the JS scan rather than give wasm a third mode.
    if (fetchOffset > INT64_MAX) return undefined;
    fHi = Number(fetchOffset >> 32n);
    fLo = Number(fetchOffset & 0xffffffffn);
  }
  const crcOn = verifyCrc ? 1 : 0;
  const end = buf.length;
  const w = windowBytes;
  const max = maxSize;
  // The copied window is buf[winStart, winEnd); empty until an entry for wasm comes up.
  let winStart = 0;
  let winEnd = 0;
  let pos = 0;
  let last = -1;
  let count = 0;
  while (pos < end) {
    const avail = end - pos;
    const size = avail >= HEADER ? int32(buf, pos + 8) : -1;
    if (size < MIN_MESSAGE_SIZE || size > avail - HEADER) {
      // A cut header, a bad size or a partial tail: the JS scan finishes (throws or reports it).
      const rest = scanRange(pos, end);
      return {
        summary: {
          partialTail: rest.partialTail,
          nextOffset: rest.nextOffset ?? (last < 0 ? null : readOffset(buf, last) + 1n),
          firstEntrySize: last < 0 ? rest.firstEntrySize : undefined,
          validBytes: pos + rest.validBytes,
        },
        count,
      };
    }
    if (size > max || HEADER + size > w || (buf[pos + HEADER + 5]! & 0x07) !== 0) {
      // Large or compressed entries, which wasm would refuse: the run of them goes to the JS scan
      // in one call, without copying them into the window.
      let runEnd = pos;
      let runLast: number;
      let s = size;
      do {
        runLast = runEnd;
        runEnd += HEADER + s;
        s = end - runEnd >= HEADER ? int32(buf, runEnd + 8) : -1;
      } while (
        s >= MIN_MESSAGE_SIZE &&
        s <= end - runEnd - HEADER &&
        (s > max || HEADER + s > w || (buf[runEnd + HEADER + 5]! & 0x07) !== 0)
      );
      scanRange(pos, runEnd);
      // The scan may verify a decompressed set through this module, overwriting the window.
      winEnd = 0;
      last = runLast;
      pos = runEnd;
      continue;
    }
    if (pos + HEADER + size > winEnd) {
      winStart = pos;
      winEnd = Math.min(end, pos + w);
      v.mem.set(buf.subarray(winStart, winEnd), BASE);
    }
    const shift = BASE - winStart;
    const any = mark === undefined || mark.hi === Number.NEGATIVE_INFINITY ? 0 : 1;
    const pHi = any ? mark!.hi : 0;
    const pLo = any ? mark!.lo : 0;
    const stop = v.verifyPlain(pos + shift, winEnd + shift, fHi, fLo, max, crcOn, pHi, pLo, any) - shift;
    if (stop > pos) {
      count += v.count.value;
      last = v.last.value - shift;
      if (mark !== undefined) {
        mark.hi = int32(buf, last);
        mark.lo = int32(buf, last + 4) >>> 0;
      }
      pos = stop;
      continue;
    }
    // Complete, small, uncompressed and in the window, yet refused: the JS scan judges it.
    scanRange(pos, pos + HEADER + size);
    winEnd = 0;
    last = pos;
    pos += HEADER + size;
  }
  return {
    summary: {
      partialTail: false,
      nextOffset: last < 0 ? null : readOffset(buf, last) + 1n,
      firstEntrySize: undefined,
      validBytes: pos,
    },
    count,
  };
}

/**
 * Writes the CRC of every entry in `buf[from, to)` (entries written back to back, CRCs not yet
 * set) in one wasm call per run of small entries, the encode side of the walk above: a JS loop
 * making a wasm call per entry cost a quarter more (bench/codec/seal.js). Like that walk, it
 * copies a window only for an entry wasm will take, and keeps it while the next such entry lies
 * inside, so a set of large entries (sealed by `sealOne`, natively) copies nothing. `sealOne(at)`
 * seals an entry wasm does not take (over maxSize or the window) and returns where the next
 * starts; it throws for an entry that is not whole. False when wasm cannot run: nothing written.
 */
export function sealPlainSet(
  buf: Buffer,
  from: number,
  to: number,
  sealOne: (at: number) => number,
): boolean {
  if (!enabled) return false;
  const v = ready();
  if (v === null) return false;
  const w = windowBytes;
  const max = maxSize;
  // The copied window is buf[winStart, winEnd); empty until an entry for wasm comes up.
  let winStart = 0;
  let winEnd = 0;
  let pos = from;
  while (pos < to) {
    const size = to - pos >= HEADER ? int32(buf, pos + 8) : -1;
    if (size < MIN_MESSAGE_SIZE || size > max || HEADER + size > w || HEADER + size > to - pos) {
      pos = sealOne(pos);
      continue;
    }
    if (pos + HEADER + size > winEnd) {
      winStart = pos;
      winEnd = Math.min(to, pos + w);
      v.mem.set(buf.subarray(winStart, winEnd), BASE);
    }
    const shift = BASE - winStart;
    const stop = v.seal(pos + shift, winEnd + shift, max) - shift;
    buf.set(v.mem.subarray(pos + shift, stop + shift), pos);
    // wasm takes at least the entry at pos (whole, small, in the window); should it not, JS does.
    pos = stop > pos ? stop : sealOne(pos);
  }
  return true;
}
