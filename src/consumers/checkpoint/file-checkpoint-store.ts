import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { emitGuarded } from '../../simple-consumer/guarded-emit.js';
import { decodeState } from '../checkpoint-state.js';
import { type Checkpoint, type CheckpointStore, CheckpointStoreError } from './checkpoint-store.js';

const FORMAT = 'kafka08.checkpoint.v1';
const NAME = /^checkpoint-(\d{1,16})\.json$/;
const TEMP = /^\.checkpoint-.*\.tmp$/;

/** A checkpoint file that could not be used; the previous one was tried next. */
export interface CorruptCheckpointEvent {
  file: string;
  reason: string;
}

export interface FileCheckpointStoreEvents {
  'corrupt-checkpoint': [CorruptCheckpointEvent];
}

export interface FileCheckpointStoreOptions {
  /** Checkpoints kept on disk, newest first (default 3, at least 1). */
  keep?: number;
}

/**
 * Checkpoints as files in a directory, one per checkpoint, durable before `save` resolves:
 * written to a temporary file, fsynced, renamed into place, and the directory fsynced so the
 * rename itself survives a power loss. Each file carries a SHA-256 of its body, so a torn or
 * corrupted newest file is detected on `load` (a `corrupt-checkpoint` event says which and why)
 * and the one before it is used. The application state must survive `JSON.stringify`.
 */
export class FileCheckpointStore<S>
  extends EventEmitter<FileCheckpointStoreEvents>
  implements CheckpointStore<S>
{
  readonly dir: string;
  readonly keep: number;

  constructor(dir: string, options: FileCheckpointStoreOptions = {}) {
    super();
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('dir must be a non-empty path');
    const keep = options.keep ?? 3;
    if (!Number.isInteger(keep) || keep < 1)
      throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
    this.dir = dir;
    this.keep = keep;
  }

  override emit<K extends keyof FileCheckpointStoreEvents>(
    event: K,
    ...args: FileCheckpointStoreEvents[K]
  ): boolean {
    return emitGuarded(this, event, args);
  }

  async load(): Promise<Checkpoint<S> | undefined> {
    const files = await this.list();
    for (const { name } of files) {
      const file = join(this.dir, name);
      try {
        return parse<S>(await readFile(file), name);
      } catch (err) {
        this.emit('corrupt-checkpoint', { file, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    if (files.length > 0) {
      // Starting over would process everything again and duplicate the output: refuse instead.
      throw new CheckpointStoreError(`none of the ${files.length} checkpoint files in ${this.dir} is intact`);
    }
    return undefined;
  }

  async save(checkpoint: Checkpoint<S>): Promise<void> {
    if (!Number.isSafeInteger(checkpoint.id) || checkpoint.id < 0) {
      throw new CheckpointStoreError(`checkpoint id must be a safe integer >= 0, got ${checkpoint.id}`);
    }
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify({ consumer: checkpoint.consumer, state: checkpoint.state }));
    } catch (err) {
      throw new CheckpointStoreError('the application state cannot be written as JSON', err);
    }
    const header = JSON.stringify({
      format: FORMAT,
      id: checkpoint.id,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    await mkdir(this.dir, { recursive: true });
    const name = `checkpoint-${String(checkpoint.id).padStart(16, '0')}.json`;
    const temp = join(this.dir, `.checkpoint-${checkpoint.id}-${process.pid}.tmp`);
    try {
      const fh = await open(temp, 'w', 0o600);
      try {
        await fh.writeFile(Buffer.concat([Buffer.from(`${header}\n`), body]));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, join(this.dir, name));
      await syncDirectory(this.dir);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new CheckpointStoreError(`could not write checkpoint ${checkpoint.id} to ${this.dir}`, err);
    }
    await this.prune();
  }

  /** Checkpoint files, newest first. */
  private async list(): Promise<{ name: string; id: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CheckpointStoreError(`cannot read ${this.dir}`, err);
    }
    return names
      .flatMap((name) => {
        const m = NAME.exec(name);
        return m === null ? [] : [{ name, id: Number(m[1]) }];
      })
      .sort((a, b) => b.id - a.id);
  }

  /** Drops checkpoints beyond `keep` and temporary files a crash left behind. */
  private async prune(): Promise<void> {
    const files = await this.list();
    const old = files.slice(this.keep).map((f) => f.name);
    const temps = (await readdir(this.dir)).filter((n) => TEMP.test(n) && !n.includes(`-${process.pid}.tmp`));
    await Promise.all([...old, ...temps].map((n) => unlink(join(this.dir, n)).catch(() => undefined)));
  }
}

function parse<S>(bytes: Buffer, name: string): Checkpoint<S> {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error('no header line (the file is torn)');
  const header = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as {
    format?: unknown;
    id?: unknown;
    bytes?: unknown;
    sha256?: unknown;
  };
  if (header.format !== FORMAT) throw new Error(`not a ${FORMAT} file`);
  const body = bytes.subarray(nl + 1);
  if (header.bytes !== body.length)
    throw new Error(`body is ${body.length} bytes, the header says ${String(header.bytes)} (torn)`);
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) throw new Error('checksum mismatch');
  const id = header.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || Number(NAME.exec(name)?.[1]) !== id) {
    throw new Error(`id ${String(id)} does not match the file name`);
  }
  const parsed = JSON.parse(body.toString('utf8')) as { consumer: unknown; state: S };
  // Validated here so a bad state fails the load, not the consumer later.
  decodeState(parsed.consumer);
  return { id, consumer: parsed.consumer as Checkpoint<S>['consumer'], state: parsed.state };
}

async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
