import { describe, expect, it } from 'vitest';
import { errorLine } from '../../../src/cli/error-line.js';
import { CorruptError, Kafka08Error } from '../../../src/protocol/errors.js';

describe('the CLI error line', () => {
  it('names the topic, partition and offset an error carries when its message does not', () => {
    const err = new CorruptError('bad-crc', 'stored CRC 1 != computed 2', 157, 'MessageSet[].Crc', {
      topic: 'orders',
      partition: 3,
      offset: 30n,
    });
    expect(errorLine(err)).toMatch(
      /^kafka08: CorruptError: orders\/3 offset 30: .*stored CRC 1 != computed 2/,
    );
  });

  it('adds nothing when the message already names the topic, or the error carries no place', () => {
    const named = new Kafka08Error('orders/3 offset 30: something', {
      topic: 'orders',
      partition: 3,
      offset: 30n,
    });
    expect(errorLine(named)).toBe('kafka08: Kafka08Error: orders/3 offset 30: something');
    expect(errorLine(new Kafka08Error('no place'))).toBe('kafka08: Kafka08Error: no place');
    expect(errorLine(new Kafka08Error('topic only', { topic: 't' }))).toBe(
      'kafka08: Kafka08Error: t: topic only',
    );
  });
});
