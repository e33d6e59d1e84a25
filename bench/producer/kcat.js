// kcat -P (librdkafka's producer) sending one message per line of a prepared file, acks and codec
// from the options, librdkafka defaults otherwise. kcat is a native process: it runs under GNU
// time here and its own RSS and CPU are reported as `child`. Elapsed time is its wall time (a C
// process starts in milliseconds); it exits after every message is delivered or failed.
import { runTimed } from '../lib/timed.js';

const [brokers, topic, countArg, , json] = process.argv.slice(2);
const options = json ? JSON.parse(json) : {};
const args = [
  '-P',
  '-b',
  brokers,
  '-t',
  topic,
  '-l',
  options.file,
  '-z',
  options.compression ?? 'none',
  '-X',
  `request.required.acks=${options.acks ?? 1}`,
  '-X',
  'api.version.request=false',
  '-X',
  'broker.version.fallback=0.8.2.1',
];
const r = await runTimed('kcat', args, { timeoutMs: options.timeoutMs ?? 600_000 });
const failed = r.code !== 0 || /fail|error/i.test(r.stderr);
console.log(
  JSON.stringify({
    client: 'kcat',
    // The runner checks the topic's log end offset; a clean exit is kcat's own claim.
    complete: !failed,
    count: failed ? 0 : Number(countArg),
    elapsedMs: r.time ? r.time.wallSec * 1000 : r.wallMs,
    child: r.time,
    ...(failed ? { error: `kcat exited ${r.code ?? r.signal}: ${r.stderr.trim().slice(-300)}` } : {}),
  }),
);
