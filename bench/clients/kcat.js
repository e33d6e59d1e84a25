// kcat (librdkafka's legacy consumer, all partitions) with the 0.8 fallback settings. kcat is a
// native process, so this driver runs it under GNU time and reports ITS RSS and CPU as `child`;
// the runner uses those instead of this wrapper's. Elapsed time is kcat's wall time from spawn
// to exit (a C process starts in milliseconds), with messages written to /dev/null.
import { runTimed, signalChildOf } from '../lib/timed.js';
import { parseArgs, report } from './common.js';

const { brokers, topic, expected, options } = parseArgs();
const args = [
  '-C',
  '-b',
  brokers,
  '-t',
  topic,
  '-o',
  'beginning',
  '-c',
  String(expected),
  '-q',
  '-f',
  '%o\n',
  '-X',
  'api.version.request=false',
  '-X',
  'broker.version.fallback=0.8.2.1',
  // librdkafka skips CRC checks by default (check.crcs=false); the "kcat-crc" client turns them
  // on so it can be compared with kafka08, which always checks them in these runs.
  ...(options.checkCrcs ? ['-X', 'check.crcs=true'] : []),
];
let child;
process.once('SIGTERM', () => child && signalChildOf(child.pid, 'SIGTERM'));
const r = await runTimed('kcat', args, {
  timeoutMs: options.timeoutMs ?? 600_000,
  onSpawn: (c) => {
    child = c;
  },
});
// kcat prints one offset per message; counting lines keeps it honest when it stops early.
let count = 0;
for (let i = r.stdout.indexOf('\n'); i !== -1; i = r.stdout.indexOf('\n', i + 1)) count++;
report({
  client: options.checkCrcs ? 'kcat-crc' : 'kcat',
  complete: count >= expected,
  count,
  bytes: null,
  elapsedMs: r.time ? r.time.wallSec * 1000 : r.wallMs,
  child: r.time,
  ...(count >= expected
    ? {}
    : { error: `kcat exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(-300)}` }),
});
