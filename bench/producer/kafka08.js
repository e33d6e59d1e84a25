// kafka08's Producer: `send` per record (the API users call; the promise form unless options.api
// is 'callback'; with 'batch', sendBatch of options.batchRecords records), acks, codec and
// (options.wasmCompressors) the compressors from the options, every other setting at its Kafka
// 0.8.2 default. The loop waits for buffer.memory room when it is full, which is how a Node
// caller applies the backpressure Java's blocked send() gives.
// Prints one JSON line: { client, complete, count, elapsedMs, error? }.
import { performance } from 'node:perf_hooks';
import { BLOCK_VALUES, payloadBlock } from './payload.js';

const { Producer } = await import('../../dist/producer/index.js');
const [brokers, topic, countArg, sizeArg, json] = process.argv.slice(2);
const count = Number(countArg);
const size = Number(sizeArg);
const options = json ? JSON.parse(json) : {};
// options.wasmCompressors false: snappy and LZ4 compressed by the JS fallbacks, for before/after.
if (options.wasmCompressors === false) {
  const { configureCompressWasm } = await import('../../dist/protocol/compression/compress-wasm.js');
  configureCompressWasm({ enabled: false });
}
const block = payloadBlock(size, 1, options.payload);
const values = Array.from({ length: BLOCK_VALUES }, (_, i) => block.subarray(i * size, (i + 1) * size));

const producer = new Producer({
  bootstrapServers: brokers,
  acks: options.acks ?? 1,
  compressionType: options.compression ?? 'none',
  ...(options.producer ?? {}),
});
let acked = 0;
let failure;
const onAck = () => {
  acked++;
};
const onError = (e) => {
  failure ??= e;
};
const onOutcome = (e) => (e ? onError(e) : onAck());
// options.api 'callback': send(record, callback), Java's form, with no promise per record.
// options.api 'batch': sendBatch() of options.batchRecords (default 1000) records, a promise each.
const callbackForm = options.api === 'callback';
const batchRecords = options.api === 'batch' ? (options.batchRecords ?? 1000) : 0;
const onAcks = (metadata) => {
  acked += metadata.length;
};
try {
  await producer.partitionCount(topic);
  const t0 = performance.now();
  if (batchRecords > 0) {
    for (let i = 0; i < count && failure === undefined; ) {
      const records = [];
      for (const end = Math.min(count, i + batchRecords); i < end; i++) {
        records.push({ topic, value: values[i % BLOCK_VALUES] });
      }
      producer.sendBatch(records).then(onAcks, onError);
      if (producer.bufferFull) await producer.waitForRoom();
    }
  }
  for (let i = 0; batchRecords === 0 && i < count && failure === undefined; i++) {
    if (callbackForm) producer.send({ topic, value: values[i % BLOCK_VALUES] }, onOutcome);
    else producer.send({ topic, value: values[i % BLOCK_VALUES] }).then(onAck, onError);
    if (producer.bufferFull) await producer.waitForRoom();
  }
  await producer.flush();
  const elapsedMs = performance.now() - t0;
  await producer.close();
  console.log(
    JSON.stringify({
      client: 'kafka08',
      complete: acked === count,
      count: acked,
      elapsedMs,
      ...(failure ? { error: String(failure) } : {}),
    }),
  );
} catch (e) {
  console.log(JSON.stringify({ client: 'kafka08', complete: false, count: acked, error: String(e) }));
}
process.exit(0);
