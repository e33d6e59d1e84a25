import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { sharedCluster } from '../helpers/cluster.js';

interface DemoReport {
  embedded: boolean;
  produced: number;
  consumed: number;
  replayedAfterFailure: number;
  steadyRecords: number;
  steadyMsgsPerSec: number;
  checkpointsCompleted: number;
  restoredFromCheckpoint: number | null;
  missing: number;
  duplicates: number;
  zookeeperOffsetsMatch: boolean;
  exactlyOnce: boolean;
}

function report(stdout: string): DemoReport {
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as DemoReport;
}

// The README's main job: it must start its own broker, crash and restore its consumer, and still
// count every message once, with ZooKeeper holding the offsets Kafka's own consumer resumes from.
describe('kafka08 demo', () => {
  it('runs against an embedded broker and passes its exactly-once check', async () => {
    const r = await cli(
      ['demo', '--messages', '20000', '--checkpoint-every', '1000', '--json'],
      '',
      {},
      180_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = report(r.stdout);
    expect(out.embedded).toBe(true);
    expect(out.consumed).toBe(20_000);
    expect(out.restoredFromCheckpoint).not.toBeNull();
    expect(out.replayedAfterFailure).toBeGreaterThan(0);
    expect(out).toMatchObject({ missing: 0, duplicates: 0, exactlyOnce: true, zookeeperOffsetsMatch: true });
    // The steady rate covers the records of the run's first half, past start-up.
    expect(out.steadyRecords).toBeGreaterThanOrEqual(5000);
    expect(out.steadyMsgsPerSec).toBeGreaterThan(0);
  }, 200_000);

  it('uses KAFKA08_BROKERS when set, producing with kafka08 itself', async () => {
    const k = sharedCluster('0.8.2.2');
    const r = await cli(
      ['demo', '--messages', '5000', '--checkpoint-every', '500', '--json'],
      '',
      { KAFKA08_BROKERS: k.brokers, KAFKA08_ZOOKEEPER: k.zookeeper },
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = report(r.stdout);
    expect(out.embedded).toBe(false);
    expect(out).toMatchObject({ consumed: 5000, missing: 0, duplicates: 0, exactlyOnce: true });
    expect(out.zookeeperOffsetsMatch).toBe(true);
  }, 150_000);
});
