import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type PartitionMetadata } from 'kafkajs';
import { KeyPartitioner } from '../../../src/kafka/key-partitioner.js';

const meta = (n: number, leaderless: number[] = []): PartitionMetadata[] => Array.from({ length: n }, (_, i) => ({
  partitionId: i, leader: leaderless.includes(i) ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0,
}));

describe('KeyPartitioner', () => {
  it('puts keyed messages where the default partitioner does', () => {
    const ours = KeyPartitioner();
    const theirs = kafkajs.Partitioners.DefaultPartitioner();
    for (let i = 0; i < 500; i += 1) {
      const message = { key: `k${i}-${(i * 7919).toString(16)}`, value: 'v' };
      const partitionMetadata = meta(1 + (i % 12));
      assert.equal(ours({ topic: 't', partitionMetadata, message }), theirs({ topic: 't', partitionMetadata, message }));
    }
  });

  it('honours an explicit partition, also of a Buffer key', () => {
    const p = KeyPartitioner();
    assert.equal(p({ topic: 't', partitionMetadata: meta(4), message: { key: 'abc', value: 'v', partition: 3 } }), 3);
    assert.equal(
      p({ topic: 't', partitionMetadata: meta(7), message: { key: Buffer.from('abc'), value: 'v' } }),
      p({ topic: 't', partitionMetadata: meta(7), message: { key: 'abc', value: 'v' } }),
    );
  });

  it('spreads key-less messages round-robin over partitions that have a leader', () => {
    const p = KeyPartitioner();
    const seen = new Map<number, number>();
    for (let i = 0; i < 300; i += 1) {
      const at = p({ topic: 't', partitionMetadata: meta(4, [2]), message: { value: 'v' } });
      seen.set(at, (seen.get(at) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), [0, 1, 3]);
    assert.deepEqual([...seen.values()], [100, 100, 100]);
  });
});
