import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { asError } from '../protocol/as-error.js';
import { Kafka08Error } from '../protocol/errors.js';
import { ZooKeeperClient } from '../zookeeper/client.js';
import { NodeConflictError, NoNodeError } from '../zookeeper/errors.js';
import type { ConsumerConfig } from './config.js';

/**
 * Another live instance of the same group holds this `subtaskIndex` (or runs with another
 * `parallelism`, so its partitions overlap ours). Reading anyway would hand the same records to
 * both; the consumer refuses to start instead.
 */
export class SubtaskClaimedError extends Kafka08Error {
  readonly group: string;
  readonly subtaskIndex: number;
  /** The other instance, as it described itself (host, pid, a random tag). */
  readonly holder: string;

  constructor(group: string, subtaskIndex: number, holder: string, why: string) {
    super(`group ${group}, subtask ${subtaskIndex}: ${why} (held by ${holder})`);
    this.group = group;
    this.subtaskIndex = subtaskIndex;
    this.holder = holder;
  }
}

/**
 * ZooKeeper (`zookeeper.connect`) could not be reached to claim the subtask index. A cluster
 * without ZooKeeper (KRaft) has nowhere to claim it: set `claimSubtask: false` there, and make
 * sure yourself that no two instances share an index.
 */
export class SubtaskClaimUnavailableError extends Kafka08Error {
  constructor(zookeeperConnect: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot claim the subtask index: ZooKeeper at ${zookeeperConnect} is unreachable (${why}); a cluster without ZooKeeper needs claimSubtask: false`,
      {},
      { cause },
    );
  }
}

interface ClaimData {
  holder: string;
  parallelism: number;
}

/** Where the claims of a group live: beside Kafka's own /consumers/<group>/ids and owners. */
export function claimsPath(group: string): string {
  return `/consumers/${group}/kafka08-subtasks`;
}

/**
 * This instance's claim on its subtask index, an ephemeral znode: it vanishes with the session
 * when the process dies, so a restarted instance can claim the index again once ZooKeeper
 * expired the old session. Renewed after a session expiry; `lost` hears when that fails.
 */
export class SubtaskClaim {
  readonly holder = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly path: string;
  private readonly data: string;
  private readonly onNewSession = (): void => {
    this.take().catch((err: unknown) => this.lost(asError(err)));
  };

  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly group: string,
    private readonly index: number,
    private readonly parallelism: number,
    private readonly lost: (error: Error) => void,
    /** How long a claim of another host may take to vanish before it counts as live. */
    private readonly waitMs: number,
  ) {
    this.path = `${claimsPath(group)}/${index}`;
    const data: ClaimData = { holder: this.holder, parallelism };
    this.data = JSON.stringify(data);
  }

  /**
   * Connects to `zookeeper.connect` (chroot included) and claims the configured index; the claim
   * owns the ZooKeeper session, which {@link close} ends.
   */
  static async connect(c: ConsumerConfig, lost: (error: Error) => void): Promise<SubtaskClaim> {
    let zk: ZooKeeperClient;
    try {
      zk = await ZooKeeperClient.connect(c.zookeeperConnect, {
        sessionTimeoutMs: c.zookeeperSessionTimeoutMs,
        connectTimeoutMs: c.zookeeperConnectionTimeoutMs,
      });
    } catch (err) {
      throw new SubtaskClaimUnavailableError(c.zookeeperConnect, err);
    }
    // A dead holder's session expires within its timeout; ours is the best guess of it.
    const waitMs = c.zookeeperSessionTimeoutMs + 1000;
    const claim = new SubtaskClaim(zk, c.groupId, c.subtaskIndex, c.parallelism, lost, waitMs);
    try {
      await claim.take();
    } catch (err) {
      await zk.close();
      throw err;
    }
    return claim;
  }

  /** Deletes a dead holder's claim, if it still holds exactly what we read. */
  private async removeStale(data: Buffer): Promise<void> {
    try {
      const current = await this.zk.getData(this.path);
      if (current.data.equals(data)) await this.zk.delete(this.path, current.stat.version);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /** Whether the claim node disappears within `ms` (its session expiring). */
  private vanishes(ms: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), ms);
      const gone = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.zk.exists(this.path, gone).then(
        (stat) => {
          if (stat === null) gone();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** Releases the claim and ends the session. */
  async close(): Promise<void> {
    await this.release().catch(() => undefined);
    await this.zk.close();
  }

  /**
   * Claims the index; throws SubtaskClaimedError when another live instance holds it or overlaps.
   *
   * A claim left by a process that died is stale until ZooKeeper expires its session. One of this
   * host whose pid is gone (or is ours, in a container restarted with the same pid, but not one of
   * this process's live claims) is removed at once; one of another host is waited for, up to
   * `waitMs` (the session timeout), before it is taken for a live instance.
   */
  async take(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.zk.createEphemeralExpectConflict(this.path, this.data);
        break;
      } catch (err) {
        if (!(err instanceof NodeConflictError)) throw err;
        const other = parseClaim(err.existingData);
        if (attempt === 0 && deadHere(other.holder)) await this.removeStale(err.existingData);
        else if (attempt > 0 || LIVE.has(other.holder) || !(await this.vanishes(this.waitMs))) {
          throw new SubtaskClaimedError(
            this.group,
            this.index,
            other.holder,
            'another live instance claimed it',
          );
        }
      }
    }
    LIVE.add(this.holder);
    // A sibling with another parallelism deals partitions differently: some are read twice.
    for (const child of await this.zk.getChildren(claimsPath(this.group))) {
      if (child === String(this.index)) continue;
      let other: ClaimData;
      try {
        other = parseClaim((await this.zk.getData(`${claimsPath(this.group)}/${child}`)).data);
      } catch (err) {
        if (err instanceof NoNodeError) continue;
        throw err;
      }
      if (other.parallelism !== this.parallelism) {
        await this.release();
        throw new SubtaskClaimedError(
          this.group,
          Number(child),
          other.holder,
          `it runs with parallelism ${other.parallelism}, this instance with ${this.parallelism}`,
        );
      }
    }
    this.zk.off('newSession', this.onNewSession);
    this.zk.on('newSession', this.onNewSession);
  }

  /** Gives the index up (at close), so a successor need not wait for the session to expire. */
  async release(): Promise<void> {
    LIVE.delete(this.holder);
    this.zk.off('newSession', this.onNewSession);
    try {
      const current = await this.zk.getData(this.path);
      if (current.data.toString('utf8') === this.data) await this.zk.delete(this.path, current.stat.version);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }
}

/** Claims held by live consumers of this process: never stale, whatever their pid says. */
const LIVE = new Set<string>();

/** A holder of this host whose process is gone (ESRCH), or that has our pid but is no live claim of ours. */
function deadHere(holder: string): boolean {
  const m = /^(.*)-(\d+)-[0-9a-f]{8}$/.exec(holder);
  if (m === null || m[1] !== hostname()) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return !LIVE.has(holder);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function parseClaim(bytes: Buffer): ClaimData {
  try {
    const d = JSON.parse(bytes.toString('utf8')) as Partial<ClaimData>;
    return { holder: String(d.holder ?? 'unknown'), parallelism: Number(d.parallelism ?? Number.NaN) };
  } catch {
    return { holder: bytes.toString('utf8').slice(0, 100) || 'unknown', parallelism: Number.NaN };
  }
}
