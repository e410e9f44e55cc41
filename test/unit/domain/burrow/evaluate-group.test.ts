import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGroup, type GroupPartitionInput } from '../../../../src/domain/burrow/evaluate-group.js';
import type { Commit } from '../../../../src/domain/burrow/partition-status.js';

const T = 1_600_000_000_000;
const win = (offsets: number[], lags: number[]): Commit[] => offsets.map((offset, i) => ({ offset, timestamp: T + i * 60_000, lag: lags[i]! }));
const now = T + 200_000;
const ok = (partition: number, currentLag = 0): GroupPartitionInput =>
  ({ topic: 't', partition, window: win([10, 20, 30, 40], [0, 1, 0, 1]), currentLag, now });
const warn = (partition: number, currentLag = 9): GroupPartitionInput =>
  ({ topic: 't', partition, window: win([10, 20, 30, 40], [1, 2, 3, 4]), currentLag, now });
const stall = (partition: number, currentLag = 5): GroupPartitionInput =>
  ({ topic: 't', partition, window: win([10, 10, 10, 10], [1, 2, 3, 4]), currentLag, now, owner: 'host-a' });

describe('evaluateGroup', () => {
  it('an unknown group is NOTFOUND', () => {
    const g = evaluateGroup(null);
    assert.deepEqual([g.status, g.complete, g.totalLag, g.totalPartitions, g.maxLag, g.partitions.length], ['NOTFOUND', 1, 0, 0, null, 0]);
  });

  it('a group without partitions is OK with complete 0', () => {
    const g = evaluateGroup([]);
    assert.deepEqual([g.status, g.complete, g.totalPartitions], ['OK', 0, 0]);
  });

  it('takes the worst partition status', () => {
    assert.equal(evaluateGroup([ok(0), warn(1), ok(2)]).status, 'WARN');
    assert.equal(evaluateGroup([ok(0), ok(1)]).status, 'OK');
  });

  it('caps STOP, STALL and REWIND at ERR while partitions keep their own status', () => {
    const g = evaluateGroup([ok(0), stall(1), warn(2)]);
    assert.equal(g.status, 'ERR');
    assert.deepEqual(g.partitions.map((p) => p.status), ['OK', 'STALL', 'WARN']);
    assert.equal(g.partitions[1]!.owner, 'host-a');
    assert.equal(g.partitions[0]!.owner, '');
  });

  it('sums lag, finds the max-lag partition (first on ties) and counts complete partitions', () => {
    const partial: GroupPartitionInput = { ...warn(3, 9), intervals: 8 };
    const g = evaluateGroup([ok(0, 2), warn(1, 9), stall(2, 5), partial]);
    assert.equal(g.totalLag, 25);
    assert.equal(g.totalPartitions, 4);
    assert.equal(g.maxLag?.partition, 1);
    assert.equal(g.complete, 0.75);
    assert.equal(g.partitions[3]!.complete, 0.5);
  });
});
