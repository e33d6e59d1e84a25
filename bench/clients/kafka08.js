// kafka08 (ours). Two layers, chosen by options.layer:
// - 'engine' (default, client "kafka08"): the SimpleConsumer's FetchEngine over ClusterMetadata
//   and a BrokerPool, the layer our consumers build on; batches come out of `engine.next()`.
// - 'raw' (client "kafka08-raw"): our lowest layer, BrokerConnection + fetchRequest +
//   forEachMessage, one fetch loop per partition that pipelines its next fetch (found by walking
//   the entry headers) before decoding the current set. It is what the harness used before the
//   engine landed, and it shows what the engine's bookkeeping costs on top of the codec.
import { exitSoon, parseArgs, tracker } from './common.js';

const { brokers, topic, partitions, expected, options } = parseArgs();
const layer = options.layer ?? 'engine';
const t = tracker(layer === 'raw' ? 'kafka08-raw' : 'kafka08', expected);
const sc = await import('../../dist/simple-consumer/index.js');
const { fetchRequest, forEachMessage, metadataRequest } = await import('../../dist/protocol/index.js');

const FETCH_BYTES = options.fetchBytes ?? 1024 * 1024;
const VERIFY_CRC = options.verifyCrc ?? true;

t.start();
try {
  await (layer === 'raw' ? consumeRaw() : consumeEngine());
} catch (e) {
  t.finish(false, e);
}
exitSoon();

async function consumeEngine() {
  const pool = new sc.BrokerPool({ clientId: 'kafka08-bench', requestTimeoutMs: 30_000 });
  const cluster = new sc.ClusterMetadata({ seedBrokers: brokers, pool });
  const engine = new sc.FetchEngine(cluster, {
    autoOffsetReset: 'smallest',
    fetchSizeBytes: FETCH_BYTES,
    verifyCrc: VERIFY_CRC,
    ...(options.prefetchBytes ? { prefetchBytes: options.prefetchBytes } : {}),
    // Client "kafka08-release": a batch's views read as empty once the next batch is asked for,
    // and released answers lend their memory to the next ones (the consumer classes' setting).
    ...(options.releaseFrames ? { releaseFrames: true } : {}),
  });
  engine.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0n })));
  // 'visit' (default): the batch's allocation-light visitor; 'messages': the Message[] form the
  // consumers read today.
  const form = options.form ?? 'visit';
  let bytes = 0;
  const visit = (_o, _k, value) => {
    if (value !== null) bytes += value.length;
  };
  for (;;) {
    const batch = await engine.next();
    bytes = 0;
    if (form === 'messages') {
      for (const m of batch.messages) if (m.value !== null) bytes += m.value.length;
    } else batch.forEachMessage(visit);
    if (t.add(batch.count, bytes)) break;
  }
  await engine.close();
  await pool.close();
}

async function consumeRaw() {
  const { BrokerConnection } = sc;
  const [host, port] = brokers.split(',')[0].split(':');
  const bootstrap = new BrokerConnection({ host, port: Number(port), clientId: 'kafka08-bench' });
  const md = await bootstrap.send(metadataRequest({ topics: [topic] }));
  const conns = new Map();
  const connFor = (id) => {
    let c = conns.get(id);
    if (!c) {
      const b = md.brokers.find((x) => x.nodeId === id);
      if (!b) throw new Error(`no broker ${id} in metadata`);
      c = new BrokerConnection({ host: b.host, port: b.port, clientId: 'kafka08-bench' });
      conns.set(id, c);
    }
    return c;
  };
  const tm = md.topics.find((x) => x.topic === topic);
  if (tm?.errorCode !== 0) throw new Error(`topic ${topic} not in metadata (${tm?.errorCode})`);
  const loops = [];
  for (let p = 0; p < partitions; p++) {
    const pm = tm.partitions.find((x) => x.partition === p);
    if (!pm || pm.leader < 0) throw new Error(`partition ${p} has no leader`);
    loops.push(partitionLoop(connFor(pm.leader), p));
  }
  await Promise.all(loops);
  for (const c of [bootstrap, ...conns.values()]) c.close();
}

async function partitionLoop(conn, partition) {
  const send = (offset) =>
    conn.send(
      fetchRequest({
        maxWaitMs: 100,
        minBytes: 1,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset, maxBytes: FETCH_BYTES }] }],
      }),
    );
  let offset = 0n;
  let pending = send(offset);
  let count = 0;
  let bytes = 0;
  const visit = (_o, _k, value) => {
    count++;
    if (value !== null) bytes += value.length;
  };
  while (!t.done) {
    const resp = await pending;
    const part = resp.topics[0]?.partitions[0];
    if (!part) throw new Error('empty fetch response');
    if (part.errorCode !== 0) throw new Error(`fetch error ${part.errorCode} on partition ${partition}`);
    const set = part.messageSet;
    const next = nextOffsetOf(set);
    // Ask for the next chunk before decoding this one, so the broker works while we decode.
    if (next !== null && !t.done) pending = send(next);
    count = 0;
    bytes = 0;
    forEachMessage(set, visit, { fetchOffset: offset, verifyCrc: VERIFY_CRC, topic, partition });
    if (t.add(count, bytes)) break;
    if (next === null) {
      // Fetch v0 never returns a message larger than maxBytes whole; without growing we would spin.
      if (set.length >= FETCH_BYTES)
        throw new Error(`message at ${offset} exceeds the ${FETCH_BYTES}-byte fetch`);
      pending = send(offset);
    } else offset = next;
  }
  // The fetch already sent for the next chunk is abandoned when the connection closes.
  pending.catch(() => undefined);
}

/** Offset after the last complete outer entry (a wrapper carries its last inner offset). */
function nextOffsetOf(set) {
  let pos = 0;
  let last = null;
  while (pos + 12 <= set.length) {
    const size = set.readInt32BE(pos + 8);
    if (size < 0 || pos + 12 + size > set.length) break;
    last = set.readBigInt64BE(pos);
    pos += 12 + size;
  }
  return last === null ? null : last + 1n;
}
