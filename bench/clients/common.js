// The driver contract every client program follows, so the runner can treat them alike:
//
//   node bench/clients/<name>.js <brokers> <topic> <partitions> <expected> [options-json]
//
// It consumes <topic> partitions 0..<partitions>-1 from offset 0 until it has seen <expected>
// messages, then prints ONE JSON line on stdout (see `report`) and exits 0. On SIGTERM (the
// runner's timeout) it prints the same line with `complete: false` and what it saw so far, so a
// slow or stalled peer still yields a partial rate instead of nothing. Any failure prints a line
// with `error`. Logging goes to stderr only.
import { performance } from 'node:perf_hooks';

export function parseArgs(argv = process.argv.slice(2)) {
  const [brokers, topic, partitions, expected, json] = argv;
  if (!brokers || !topic || !partitions || !expected) {
    process.stderr.write('usage: <driver> <brokers> <topic> <partitions> <expected> [options-json]\n');
    process.exit(2);
  }
  return {
    brokers,
    topic,
    partitions: Number(partitions),
    expected: Number(expected),
    options: json ? JSON.parse(json) : {},
  };
}

/**
 * Progress shared by a driver and the exit paths: `start()` when consuming begins (after the
 * runtime and libraries have loaded), `add()` per message or batch.
 */
export function tracker(client, expected) {
  const t = {
    client,
    expected,
    count: 0,
    bytes: 0,
    t0: performance.now(),
    firstAt: undefined,
    done: false,
    extra: {},
    start() {
      t.t0 = performance.now();
    },
    /** Returns true once the expected count is reached (and reports exactly once). */
    add(n, bytes) {
      if (t.firstAt === undefined) t.firstAt = performance.now();
      t.count += n;
      t.bytes += bytes;
      if (t.count >= t.expected && !t.done) {
        t.finish(true);
        return true;
      }
      return t.done;
    },
    finish(complete, error) {
      if (t.done && complete) return;
      t.done = true;
      report({
        client,
        complete,
        count: t.count,
        bytes: t.bytes,
        elapsedMs: performance.now() - t.t0,
        firstMessageMs: t.firstAt === undefined ? null : t.firstAt - t.t0,
        ...t.extra,
        ...(error === undefined ? {} : { error: describe(error) }),
      });
    },
  };
  process.once('SIGTERM', () => {
    if (!t.done) t.finish(false, 'timed out (SIGTERM from the runner)');
    process.exit(0);
  });
  return t;
}

let reported = false;
export function report(obj) {
  if (reported) return;
  reported = true;
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

export function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 400);
  return String(error).slice(0, 400);
}

/** Ends the process after reporting: drivers do not wait for graceful client shutdowns. */
export function exitSoon(code = 0) {
  setImmediate(() => process.exit(code));
}
