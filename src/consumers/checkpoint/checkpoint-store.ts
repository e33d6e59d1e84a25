import { Kafka08Error } from '../../protocol/errors.js';
import type { ConsumerCheckpointState } from '../checkpoint-state.js';

/**
 * One consistent checkpoint: the consumer's positions and the application's state as they were
 * after the same record. Restoring both together is what makes a restart exactly-once.
 */
export interface Checkpoint<S> {
  /** Increases by one with each checkpoint of a run and across restarts. */
  readonly id: number;
  readonly consumer: ConsumerCheckpointState;
  readonly state: S;
}

/**
 * Where checkpoints live. `save` resolves only once the checkpoint would survive a crash of the
 * process and of the machine; `load` returns the newest intact one. A store that writes the
 * application's results in the same transaction as the checkpoint (a database) gives
 * exactly-once output.
 */
export interface CheckpointStore<S> {
  load(): Promise<Checkpoint<S> | undefined>;
  save(checkpoint: Checkpoint<S>): Promise<void>;
}

/** A checkpoint could not be written, or none could be read back although some exist. */
export class CheckpointStoreError extends Kafka08Error {
  constructor(message: string, cause?: unknown) {
    super(message, {}, cause === undefined ? undefined : { cause });
  }
}
