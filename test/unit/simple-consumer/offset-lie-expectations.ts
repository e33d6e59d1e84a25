import { expect } from 'vitest';
import { CorruptError } from '../../../src/protocol/errors.js';
import type { FetchEngine } from '../../../src/simple-consumer/fetch-engine/index.js';
import { range, readToError, take, values } from './fetch-engine-harness.js';

// What reading partition 0 of `d` (m0..m59, entry 30's offset field rewritten) from offset 0
// must give, wherever the engine's batches and fetch answers happen to be cut.

/** Entry 30 claims 5: m0..m28, bad-offset at 29 (where the partition stands), then from 30 on m31..m59. */
export async function expectReadPastDownwardLie(e: FetchEngine): Promise<CorruptError> {
  const { delivered, error } = await readToError(e);
  expect(delivered).toEqual(range('m', 0, 29));
  expect(error).toBeInstanceOf(CorruptError);
  // The claim (5) lies behind what was delivered: the error names where the partition stands.
  expect(error).toMatchObject({ reason: 'bad-offset', offset: 29n });
  expect(e.position('d', 0)).toBe(29n);
  // The README's remedy neither delivers m5..m28 again nor meets the step again.
  e.seek('d', 0, (error as CorruptError).offset! + 1n);
  expect(values(await take(e, 29))).toEqual(range('m', 31, 60));
  return error as CorruptError;
}

/**
 * Entry 30 claims 45 (served first for every fetch offset up to 45, as a 0.8 broker serves it):
 * m0..m29, bad-offset at 31, position 30; reading on from 32, 31 or 40 gives what was asked for.
 */
export async function expectReadPastUpwardLie(e: FetchEngine): Promise<void> {
  const { delivered, error } = await readToError(e);
  expect(delivered).toEqual(range('m', 0, 30));
  expect(error).toMatchObject({ reason: 'bad-offset', offset: 31n });
  expect(e.position('d', 0)).toBe(30n);
  // From 32 the answer is m30 (claiming 45), m31, m32, ...: m30 is taken for what the run
  // after it says it is, an entry below 32, and the rest follows.
  e.seek('d', 0, (error as CorruptError).offset! + 1n);
  expect(values(await take(e, 28))).toEqual(range('m', 32, 60));
  // From 31 as well (m31 is then delivered), and from 40: nothing but what was asked for.
  e.seek('d', 0, 31n);
  expect(values(await take(e, 29))).toEqual(range('m', 31, 60));
  e.seek('d', 0, 40n);
  expect(values(await take(e, 20))).toEqual(range('m', 40, 60));
}
