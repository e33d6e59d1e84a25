import { describe, expect, it } from 'vitest';
import { PortInUseError } from '../../../src/rig/errors.js';
import { freePort } from '../../../src/rig/ports.js';

/** A probe that answers the given ports in turn. */
const answers = (...ports: (number | undefined)[]) => {
  let i = 0;
  return async () => ports[i++];
};

describe('freePort', () => {
  it('asks again when the kernel hands out a port already picked for this rig', async () => {
    // The kernel did this in CI: two ephemeral probes in a row got the same port.
    expect(await freePort([41000, 41001], answers(41001, 41000, 41002))).toBe(41002);
    expect(await freePort([], answers(41001))).toBe(41001);
  });

  it('gives up with PortInUseError when the kernel refuses or keeps answering taken ports', async () => {
    await expect(freePort([], answers(undefined))).rejects.toBeInstanceOf(PortInUseError);
    await expect(freePort([5], async () => 5)).rejects.toBeInstanceOf(PortInUseError);
  });

  it('finds a real free loopback port', async () => {
    const p = await freePort();
    expect(p).toBeGreaterThan(0);
    expect(await freePort([p])).not.toBe(p);
  });
});
