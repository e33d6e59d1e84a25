// kafka-node 3.0.1 (the last release with 0.8 support): the ZooKeeper `Client` and the plain
// `Consumer` on explicit partitions from offset 0, autoCommit off, values as Buffers (the
// default 'utf8' would add string decoding that the other drivers do not do), 1 MiB fetches.
import { exitSoon, parseArgs, tracker } from './common.js';
import { requirePeer } from './peer-require.js';

const { topic, partitions, expected, options } = parseArgs();
const t = tracker('kafka-node', expected);
try {
  const kafka = requirePeer('kafka-node');
  t.start();
  const client = new kafka.Client(options.zookeeper, `bench-${process.pid}`);
  const consumer = new kafka.Consumer(
    client,
    Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0 })),
    {
      autoCommit: false,
      fromOffset: true,
      encoding: 'buffer',
      fetchMaxBytes: 1024 * 1024,
      fetchMaxWaitMs: 100,
    },
  );
  consumer.on('message', (m) => {
    if (t.add(1, m.value ? m.value.length : 0)) exitSoon();
  });
  consumer.on('error', (e) => {
    t.finish(false, e);
    exitSoon();
  });
  consumer.on('offsetOutOfRange', (e) => {
    t.finish(false, `offsetOutOfRange: ${JSON.stringify(e)}`);
    exitSoon();
  });
} catch (e) {
  t.finish(false, e);
  exitSoon();
}
