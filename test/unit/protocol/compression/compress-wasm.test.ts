import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as snappyjs from 'snappyjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  COMPRESS_WASM_MAX_BYTES,
  compressWasmAvailable,
  compressWasmStage,
  configureCompressWasm,
  lz4WasmCompress,
  snappyMaxBlock,
  snappyWasmCompress,
} from '../../../../src/protocol/compression/compress-wasm.js';
import {
  compressLz4Block,
  decodeLz4Block,
  lz4BlockBound,
} from '../../../../src/protocol/compression/lz4-block.js';
import { lz4FrameCompress } from '../../../../src/protocol/compression/lz4-frame.js';
import { snappyCompress, snappyCompressRaw } from '../../../../src/protocol/compression/snappy.js';
import { xorshift } from './snappy-blocks.js';

// Which compressor runs where: wasm when available and the input is within its limit, the JS
// ones otherwise; the module's bytes against its source; block calls beyond what the frames use.

const here = new URL('../../../../src/protocol/compression/', import.meta.url);

afterEach(() => configureCompressWasm({ enabled: true }));

function text(n: number, seed: number): Buffer {
  const r = xorshift(seed);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = 0x61 + (r() % 16);
  return out;
}

/** A raw snappy block of `data` straight from the wasm module. */
function wasmSnappyBlock(data: Uint8Array): Buffer {
  const staged = compressWasmStage(data, snappyMaxBlock(data.length))!;
  const end = snappyWasmCompress(staged.src, staged.src + data.length, staged.out);
  return Buffer.from(staged.mem.subarray(staged.out, end));
}

/** An LZ4 block of `data` straight from the wasm module. */
function wasmLz4Block(data: Uint8Array): Buffer {
  const staged = compressWasmStage(data, lz4BlockBound(data.length))!;
  const end = lz4WasmCompress(staged.src, staged.src + data.length, staged.out);
  return Buffer.from(staged.mem.subarray(staged.out, end));
}

describe('the wasm compressors', () => {
  it('are available here (the rest of this file would prove nothing otherwise)', () => {
    expect(compressWasmAvailable()).toBe(true);
  });

  it('were assembled from the .wat next to them', () => {
    const wat = readFileSync(new URL('compress-wasm.wat', here));
    const ts = readFileSync(new URL('compress-wasm.ts', here), 'utf8');
    const recorded = /compress-wasm\.wat sha256 ([0-9a-f]{64})/.exec(ts)?.[1];
    expect(recorded).toBe(createHash('sha256').update(wat).digest('hex'));
  });

  it('do the work when on, and the JS compressors (snappyjs, compressLz4Block) when off', () => {
    const data = text(5000, 1);
    const viaJs = Buffer.from(snappyjs.compress(data));
    const viaWasm = wasmSnappyBlock(data);
    // Different bytes for the same input, so the results below tell the two paths apart.
    expect(viaWasm.equals(viaJs)).toBe(false);
    expect(snappyCompressRaw(data).equals(viaWasm)).toBe(true);
    expect(snappyCompress(data).subarray(20).equals(viaWasm)).toBe(true);

    const jsBlock = Buffer.alloc(lz4BlockBound(data.length));
    const jsEnd = compressLz4Block(data, 0, data.length, jsBlock, 0);
    const wasmBlock = wasmLz4Block(data);
    expect(wasmBlock.equals(jsBlock.subarray(0, jsEnd))).toBe(false);
    expect(lz4FrameCompress(data).subarray(11, -4).equals(wasmBlock)).toBe(true);

    configureCompressWasm({ enabled: false });
    expect(compressWasmAvailable()).toBe(false);
    expect(compressWasmStage(data, 100)).toBeUndefined();
    expect(snappyCompressRaw(data).equals(viaJs)).toBe(true);
    expect(snappyCompress(data).subarray(20).equals(viaJs)).toBe(true);
    expect(lz4FrameCompress(data).subarray(11, -4).equals(jsBlock.subarray(0, jsEnd))).toBe(true);
  });

  it('leave input over the limit to the JS compressors, and memory within it', () => {
    expect(compressWasmStage(new Uint8Array(COMPRESS_WASM_MAX_BYTES - 1000), 1001)).toBeUndefined();
    // Just over the limit with its output bound: compressed by snappyjs, byte for byte.
    const big = text(Math.ceil(COMPRESS_WASM_MAX_BYTES / 2), 2);
    const framed = snappyCompress(big);
    configureCompressWasm({ enabled: false });
    expect(framed.equals(snappyCompress(big))).toBe(true);
    configureCompressWasm({ enabled: true });
    // The largest input wasm takes, then a small one: memory grew once and stays under the limit
    // plus the table and the slack.
    const most = text(Math.floor(COMPRESS_WASM_MAX_BYTES / 2.5), 3);
    lz4FrameCompress(most);
    snappyCompress(most);
    const staged = compressWasmStage(text(100, 4), 200)!;
    expect(staged.mem.length).toBeGreaterThan(most.length);
    expect(staged.mem.length).toBeLessThanOrEqual(COMPRESS_WASM_MAX_BYTES + 3 * 65536);
  });

  it('LZ4: one call compresses at most 64 KiB, so every offset fits 16 bits', () => {
    const half = text(32_768, 5);
    const block = wasmLz4Block(Buffer.concat([half, half]));
    // The second half is one match 32 KiB back, then the 5 literals the format ends with.
    expect(block.length).toBeLessThan(32_768 + 300);
    const out = Buffer.alloc(65_536);
    expect(decodeLz4Block(block, 0, block.length, out, 0, out.length)).toBe(65_536);
    expect(out.equals(Buffer.concat([half, half]))).toBe(true);
    const staged = compressWasmStage(text(65_537, 6), lz4BlockBound(65_537))!;
    expect(() => lz4WasmCompress(staged.src, staged.src + 65_537, staged.out)).toThrow(RangeError);
  });

  it('a snappy block over 64 KiB is matched in 64 KiB fragments, never across them', () => {
    const head = text(100_000, 8);
    const data = Buffer.concat([head, head.subarray(0, 60_000), head, Buffer.alloc(200_000, 1)]);
    const block = wasmSnappyBlock(data);
    expect(Buffer.from(snappyjs.uncompress(block)).equals(data)).toBe(true);
    // A fragment that repeats the one before it finds nothing to copy from: no offset reaches back.
    const twice = Buffer.concat([text(65_536, 9), text(65_536, 9)]);
    expect(wasmSnappyBlock(twice).length).toBeGreaterThan(twice.length * 0.9);
    expect(Buffer.from(snappyjs.uncompress(wasmSnappyBlock(twice))).equals(twice)).toBe(true);
  });
});
