import type { RecordMetadata, SendCallback } from './accumulator.js';
import { InvalidRecordError } from './errors.js';
import { describe, type ProducerRecord } from './record.js';

/**
 * Sends `records` in order through `send` with callbacks and settles one promise for all of
 * them: their metadata in the same order, or the first failure (the other records are still
 * sent). A promise per record would cost more than the record itself.
 */
export function sendEach(
  records: readonly ProducerRecord[],
  send: (record: ProducerRecord, callback: SendCallback) => void,
): Promise<RecordMetadata[]> {
  if (!Array.isArray(records)) {
    return Promise.reject(
      new InvalidRecordError('record', `sendBatch takes an array of records, got ${describe(records)}`, {}),
    );
  }
  return new Promise((resolve, reject) => {
    const out = new Array<RecordMetadata>(records.length);
    let waiting = records.length;
    let failed = false;
    if (waiting === 0) resolve(out);
    for (let i = 0; i < records.length; i++) {
      send(records[i]!, (err, metadata) => {
        if (failed) return;
        if (err !== null) {
          failed = true;
          reject(err);
          return;
        }
        out[i] = metadata!;
        if (--waiting === 0) resolve(out);
      });
    }
  });
}
