import { describe, expect, it } from 'vitest';
import { BufferMemory } from '../../../src/producer/buffer-memory.js';

const timeout = () => new Error('timed out');

describe('BufferMemory', () => {
  it('grants room in arrival order, so a large waiter is not starved by small ones', async () => {
    const m = new BufferMemory(100);
    expect(m.tryReserve(80)).toBe(true);
    const order: string[] = [];
    const big = m.reserve(60, 1000, timeout).then(() => order.push('big'));
    // Fits right now, but someone is queued ahead: it waits its turn.
    expect(m.tryReserve(10)).toBe(false);
    const small = m.reserve(10, 1000, timeout).then(() => order.push('small'));
    m.release(40);
    await big;
    expect(m.used).toBe(100);
    m.release(50);
    await small;
    expect(order).toEqual(['big', 'small']);
    expect(m.used).toBe(60);
  });

  it('rejects after the timeout and lets the next waiter through', async () => {
    const m = new BufferMemory(100);
    m.tryReserve(100);
    const first = m.reserve(100, 20, timeout);
    const second = m.reserve(10, 1000, timeout);
    await expect(first).rejects.toThrow('timed out');
    m.release(50);
    await second;
    expect(m.used).toBe(60);
    expect(m.waiting).toBe(0);
  });

  it('is full from 95% (or while a send waits) until whenRoom, at 75%; rejectAll ends every wait', async () => {
    const m = new BufferMemory(100);
    m.tryReserve(96);
    expect(m.full).toBe(true);
    let roomy = false;
    const room = m.whenRoom().then(() => {
      roomy = true;
    });
    const waiting = m.reserve(50, 1000, timeout);
    m.release(50);
    await waiting;
    await Promise.resolve();
    expect(roomy).toBe(false);
    m.release(20);
    await Promise.resolve();
    expect(roomy).toBe(false);
    m.release(1);
    await room;
    expect(roomy).toBe(true);
    expect(m.full).toBe(false);
    const stuck = m.reserve(100, 60_000, timeout);
    m.rejectAll(() => new Error('closed'));
    await expect(stuck).rejects.toThrow('closed');
  });
});
