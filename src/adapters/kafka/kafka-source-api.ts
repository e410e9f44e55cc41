import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PartitionStatus } from '../../actors/partition-status.js';
import type { KafkaEndpoint } from './kafka-client.js';
import type { PartitionPipeline } from './kafka-record.js';

/** Options of a consumer-group source. */
export interface KafkaSourceOptions {
  /** The cluster, and the client options of the reader URI. */
  readonly endpoint: KafkaEndpoint;
  readonly group: string;
  readonly topics: readonly string[];
  readonly fromBeginning?: boolean;
  readonly pipeline: PartitionPipeline;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Role label on metrics (bounded: one per configured role). */
  readonly role: string;
  readonly highWater?: number;
  readonly lowWater?: number;
  readonly commitIntervalMs?: number;
  readonly drainTimeoutMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly leaderLostTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Most records taken from the client per poll. */
  readonly pollBatch?: number;
  /** Backoff before a partition whose pipeline failed gets a fresh actor (doubling per failure in a row). */
  readonly partitionBackoffInitialMs?: number;
  readonly partitionBackoffMaxMs?: number;
}

/** A running consumer-group source. */
export interface KafkaSource {
  /** Resolves once the supervisor has started connecting (the first join may still be under way). */
  start(): void;
  /** Drains every partition (finish in-flight work, commit) and leaves the group. */
  stop(): Promise<void>;
  /** The supervisor state: connecting, rebalancing, running, leaderLost, restarting, stopping, stopped, failed. */
  state(): string;
  partitions(): readonly PartitionStatus[];
  lastError(): { code: string; message: string } | undefined;
  restarts(): number;
  /** Called with the committed offset of a partition after every successful commit (the lag monitor listens). */
  onCommit(listener: (commit: { topic: string; partition: number; offset: number; highWatermark: number; at: number }) => void): void;
  /**
   * Restarts one partition's actor (the stall watchdog's remedy): drains it (in-flight work
   * finishes or times out, durable offsets are committed), drops it, and seeks the partition back
   * to its committed offset, so the next fetch starts a fresh actor there. Redelivered records are
   * harmless (idempotent sinks). False when this member holds no actor for the partition.
   */
  restartPartition(topic: string, partition: number): Promise<boolean>;
}
