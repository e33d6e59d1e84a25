import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointStoreError } from '../../../src/consumers/checkpoint/checkpoint-store.js';
import {
  type CorruptCheckpointEvent,
  FileCheckpointStore,
} from '../../../src/consumers/checkpoint/file-checkpoint-store.js';
import { STATE_FORMAT } from '../../../src/consumers/checkpoint-state.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'kafka08-cp-'));
  dirs.push(d);
  return d;
}

const consumer = (offset: number) => ({
  format: STATE_FORMAT as typeof STATE_FORMAT,
  offsets: [{ topic: 't', partition: 0, offset: String(offset) }],
});

async function saveMany(store: FileCheckpointStore<{ n: number }>, ids: number[]): Promise<void> {
  for (const id of ids) await store.save({ id, consumer: consumer(id * 10), state: { n: id } });
}

const files = (dir: string) => readdirSync(dir).sort();

describe('FileCheckpointStore', () => {
  it('loads the newest checkpoint, keeps the last N, and starts empty', async () => {
    const dir = join(scratch(), 'nested', 'cp');
    const store = new FileCheckpointStore<{ n: number }>(dir, { keep: 2 });
    expect(await store.load()).toBeUndefined();
    await saveMany(store, [1, 2, 3]);
    expect(files(dir)).toEqual(['checkpoint-0000000000000002.json', 'checkpoint-0000000000000003.json']);
    expect(await store.load()).toEqual({ id: 3, consumer: consumer(30), state: { n: 3 } });
  });

  it('falls back to the previous checkpoint when the newest is torn or corrupt, and says so', async () => {
    const dir = scratch();
    const store = new FileCheckpointStore<{ n: number }>(dir);
    await saveMany(store, [1, 2, 3]);
    const events: CorruptCheckpointEvent[] = [];
    store.on('corrupt-checkpoint', (e) => events.push(e));
    const newest = join(dir, 'checkpoint-0000000000000003.json');
    // Torn: a crash (without our fsync) kept only part of the file.
    truncateSync(newest, readFileSync(newest).length - 3);
    expect((await store.load())?.id).toBe(2);
    // Corrupt: a flipped byte in the body.
    const second = join(dir, 'checkpoint-0000000000000002.json');
    const bytes = readFileSync(second);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    writeFileSync(second, bytes);
    expect(await store.load()).toEqual({ id: 1, consumer: consumer(10), state: { n: 1 } });
    expect(events.map((e) => [e.file, e.reason.split(' ')[0]])).toEqual([
      [newest, 'body'],
      [newest, 'body'],
      [second, 'checksum'],
    ]);
  });

  it('refuses to start over when no checkpoint is intact', async () => {
    const dir = scratch();
    const store = new FileCheckpointStore<{ n: number }>(dir);
    await saveMany(store, [1]);
    writeFileSync(join(dir, 'checkpoint-0000000000000001.json'), 'garbage');
    await expect(store.load()).rejects.toBeInstanceOf(CheckpointStoreError);
  });

  it('rejects a file whose id does not match its name, or whose consumer state is not ours', async () => {
    const dir = scratch();
    const store = new FileCheckpointStore<{ n: number }>(dir);
    await saveMany(store, [1, 2]);
    const two = join(dir, 'checkpoint-0000000000000002.json');
    writeFileSync(join(dir, 'checkpoint-0000000000000007.json'), readFileSync(two));
    expect((await store.load())?.id).toBe(2);
  });

  it('raises CheckpointStoreError for a state JSON cannot hold, and leaves no temporary file', async () => {
    const dir = scratch();
    const store = new FileCheckpointStore<{ n: bigint }>(dir);
    await expect(store.save({ id: 1, consumer: consumer(1), state: { n: 1n } })).rejects.toBeInstanceOf(
      CheckpointStoreError,
    );
    expect(files(dir)).toEqual([]);
  });

  it('removes temporary files an earlier crash left behind', async () => {
    const dir = scratch();
    writeFileSync(join(dir, '.checkpoint-4-99999.tmp'), 'half');
    const store = new FileCheckpointStore<{ n: number }>(dir);
    await saveMany(store, [5]);
    expect(files(dir)).toEqual(['checkpoint-0000000000000005.json']);
  });

  it('validates its options', () => {
    expect(() => new FileCheckpointStore('')).toThrow(TypeError);
    expect(() => new FileCheckpointStore('/tmp/x', { keep: 0 })).toThrow(RangeError);
  });
});
