/**
 * A kafkajs partitioner that places messages exactly where kafkajs' (and Java's) default
 * partitioner does: an explicit partition wins, a key picks `toPositive(murmur2(key)) % N`, and
 * key-less messages go round-robin over the partitions that have a leader. Only the hashing is
 * different: 32-bit integer math instead of a 64-bit emulation, and no per-message allocation.
 */
import type { ICustomPartitioner, PartitionMetadata } from 'kafkajs';
import { partitionForKey } from '../domain/murmur2.js';

/** Creates the partitioner; pass it as `createPartitioner` to `kafka.producer()`. */
export const KeyPartitioner: ICustomPartitioner = () => {
  // Start each topic's round-robin at a random place, as the default partitioner does, so that
  // many short-lived producers do not all pile onto partition 0.
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (message.key !== undefined && message.key !== null) {
      return partitionForKey(message.key, partitionMetadata.length);
    }
    const next = (counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p: PartitionMetadata) => p.leader >= 0);
    const from = available.length > 0 ? available : partitionMetadata;
    return from.length > 0 ? from[(next & 0x7fffffff) % from.length]!.partitionId : 0;
  };
};
