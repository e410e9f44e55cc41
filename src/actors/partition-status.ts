import type { Actor } from 'xstate';
import { partitionStateName, type partitionMachine } from './partition.machine.js';

/** One partition's view for `/status`. */
export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  readonly state: string;
  readonly inFlight: number;
  readonly received: number;
  readonly completed: number;
  readonly committedOffset: number;
  readonly lastReceivedOffset: number;
  readonly highWatermark: number;
  readonly lag: number;
  readonly pauses: number;
  readonly commitFailures: number;
}

/** A partition actor's view for `/status`; `highWatermark` is the broker's head as last fetched. */
export function partitionStatus(actor: Actor<typeof partitionMachine>, highWatermark: number): PartitionStatus {
  const snapshot = actor.getSnapshot();
  const c = snapshot.context;
  const committed = c.committedNext;
  return {
    topic: c.topic, partition: c.partition, state: partitionStateName(snapshot.value), inFlight: c.received - c.completed,
    received: c.received, completed: c.completed, committedOffset: committed, lastReceivedOffset: c.lastReceivedOffset,
    highWatermark, lag: committed >= 0 ? Math.max(0, highWatermark - committed) : highWatermark,
    pauses: c.pauses, commitFailures: c.commitFailures,
  };
}
