import { evaluatePartition } from './evaluate-partition.js';
import { STATUS_SEVERITY, type LagStatus, type PartitionVerdict, type PartitionWindow } from './partition-status.js';

/** One partition of a group: its window plus where it is. */
export interface GroupPartitionInput extends PartitionWindow {
  readonly topic: string;
  readonly partition: number;
  readonly owner?: string;
}

/** A partition verdict with its topic, partition and owner. */
export interface GroupPartitionVerdict extends PartitionVerdict {
  readonly topic: string;
  readonly partition: number;
  readonly owner: string;
}

/** Burrow's `ConsumerGroupStatus`: worst status capped at ERR, completeness, total and max lag. */
export interface GroupVerdict {
  readonly status: LagStatus;
  /** Fraction of partitions whose window is complete (0 when the group has no partitions). */
  readonly complete: number;
  readonly totalLag: number;
  readonly totalPartitions: number;
  /** The partition with the largest current lag (the first one seen on ties), or null. */
  readonly maxLag: GroupPartitionVerdict | null;
  readonly partitions: readonly GroupPartitionVerdict[];
}

/**
 * Judges a consumer group as Burrow 1.9's `evaluateConsumerStatus` does: each partition with
 * {@link evaluatePartition}; group status = the worst partition status, but STOP, STALL and REWIND
 * become ERR; `complete` = partitions with a full window / partitions; `totalLag` = sum of current
 * lags; `maxLag` = the partition with the strictly largest current lag. `null` (group unknown) is
 * NOTFOUND with complete 1, as Burrow answers a lookup that failed.
 */
export function evaluateGroup(partitions: readonly GroupPartitionInput[] | null): GroupVerdict {
  if (partitions === null) {
    return Object.freeze({ status: 'NOTFOUND', complete: 1, totalLag: 0, totalPartitions: 0, maxLag: null, partitions: [] });
  }
  let status: LagStatus = 'OK';
  let totalLag = 0;
  let completeCount = 0;
  let maxLag: GroupPartitionVerdict | null = null;
  const verdicts: GroupPartitionVerdict[] = [];
  for (const input of partitions) {
    const verdict: GroupPartitionVerdict = Object.freeze({
      ...evaluatePartition(input),
      topic: input.topic,
      partition: input.partition,
      owner: input.owner ?? '',
    });
    totalLag += input.currentLag;
    if (STATUS_SEVERITY[verdict.status] > STATUS_SEVERITY[status]) {
      // caching.go: "If the partition status is greater than StatusError, we just mark it as StatusError".
      status = STATUS_SEVERITY[verdict.status] > STATUS_SEVERITY.ERR ? 'ERR' : verdict.status;
    }
    if (maxLag === null || verdict.currentLag > maxLag.currentLag) maxLag = verdict;
    if (verdict.complete === 1) completeCount++;
    verdicts.push(verdict);
  }
  return Object.freeze({
    status,
    complete: verdicts.length > 0 ? completeCount / verdicts.length : 0,
    totalLag,
    totalPartitions: verdicts.length,
    maxLag,
    partitions: Object.freeze(verdicts),
  });
}
