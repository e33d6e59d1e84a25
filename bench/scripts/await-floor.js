// The per-record price of the promise protocols, with no consumer at all: empty loops over N
// in-memory values (default 5M), ns per record, 3 rounds. What `for await` and `await read()`
// cannot go below on the Node running this (compare versions by running it under each).
// `--json` prints one JSON line instead (bench/forms.js runs it so, beside its rows).
//
//   node bench/scripts/await-floor.js [records] [rounds] [--json]
const args = process.argv.slice(2).filter((a) => a !== '--json');
const json = process.argv.includes('--json');
const N = Number(args[0] ?? 5_000_000);
const ROUNDS = Number(args[1] ?? 3);
const buffer = Buffer.alloc(100);
const object = { a: 1 };

function iterator(v) {
  let i = 0;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      return Promise.resolve(i++ < N ? { value: v, done: false } : { value: undefined, done: true });
    },
  };
}

async function forAwait(v) {
  let n = 0;
  for await (const x of iterator(v)) n += x === v ? 1 : 0;
  return n;
}

async function awaitEach(v) {
  let n = 0;
  for (let i = 0; i < N; i++) n += (await Promise.resolve(v)) === v ? 1 : 0;
  return n;
}

const loops = [
  ['for await, Buffer values', () => forAwait(buffer)],
  ['await Promise.resolve(Buffer)', () => awaitEach(buffer)],
  ['await Promise.resolve(object)', () => awaitEach(object)],
];
const out = Object.fromEntries(loops.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, loop] of loops) {
    const t = process.hrtime.bigint();
    if ((await loop()) !== N) throw new Error(`${name}: lost values`);
    out[name].push(+(Number(process.hrtime.bigint() - t) / N).toFixed(1));
  }
}
if (json) {
  console.log(
    JSON.stringify({
      node: process.version,
      records: N,
      forAwait: out['for await, Buffer values'],
      awaitBuffer: out['await Promise.resolve(Buffer)'],
      awaitObject: out['await Promise.resolve(object)'],
    }),
  );
} else {
  console.log(`Node ${process.version}, ns per record over ${N} records:`);
  for (const [name, ns] of Object.entries(out)) console.log(`  ${name.padEnd(32)} ${ns.join(' / ')}`);
}
