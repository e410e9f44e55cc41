import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GroupPartitionVerdict, GroupVerdict } from '../domain/burrow/evaluate-group.js';
import type { KafkaClientOptions } from '../domain/config/kafka-options.js';
import type { KafkaSource } from '../adapters/kafka/kafka-source-api.js';

/** One successful offset commit, as `KafkaSource.onCommit` reports it (`highWatermark` optional for polled groups). */
export interface CommitObservation {
  readonly topic: string;
  readonly partition: number;
  /** The committed offset (the next offset the group will read). */
  readonly offset: number;
  /** The broker head the committer knew when it committed, if any. */
  readonly highWatermark?: number;
  /** When the commit happened, ms since the epoch. */
  readonly at: number;
}

/** A committed offset of some group, read from the cluster (admin `fetchOffsets`). */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has no committed offset for the partition. */
  readonly offset: number;
}

/** The part of a Kafka source the monitor reads: commits, supervisor state, partition actors. */
export type WatchedSource = Pick<KafkaSource, 'onCommit' | 'state' | 'partitions'>;

/** Options of {@link createLagMonitor}. Every I/O and the clock come in here. */
export interface LagMonitorOptions {
  /** The cluster name the Burrow API answers for. */
  readonly cluster: string;
  readonly now: () => number;
  /** Broker head (log end offset) per partition of a topic. */
  readonly fetchHeads: (topic: string) => Promise<ReadonlyMap<number, number>>;
  /** Committed offsets of a group we do not run (needed only with {@link LagMonitor.watchGroup}). */
  readonly fetchGroupOffsets?: (group: string) => Promise<readonly CommittedOffset[]>;
  /** Groups to watch from the start through `fetchGroupOffsets`. */
  readonly watchGroups?: readonly string[];
  readonly registry: Registry;
  readonly logger?: Logger;
  /** Commits kept per partition (Burrow `storage.intervals`, default 10). */
  readonly intervals?: number;
  /** A commit closer than this to the previous one replaces it (Burrow `storage.min-distance`; default 1000 ms). */
  readonly minDistanceMs?: number;
  /** Burrow `evaluator.allowed-lag`: current lag up to this many messages is OK (default 0). */
  readonly allowedLag?: number;
  /** Burrow `evaluator.minimum-complete` (default 0). */
  readonly minimumComplete?: number;
  /** Broker heads kept per partition, newest first (default: `intervals`). */
  readonly brokerHistory?: number;
  /** How often heads (and watched groups' offsets) are polled by `start()` (default 5000 ms). */
  readonly pollIntervalMs?: number;
  /** How often every group is evaluated and the metrics updated by `start()` (default 5000 ms). */
  readonly evaluateEveryMs?: number;
  /** Called by `stop()` to release the I/O behind `fetchHeads` (an admin client). */
  readonly close?: () => Promise<void>;
}

/** A partition verdict with the client id of the committer (Burrow's `client_id`). */
export interface LagPartitionReport extends GroupPartitionVerdict {
  readonly clientId: string;
}

/** A group's evaluation now: Burrow's `ConsumerGroupStatus`. */
export interface LagGroupReport extends Omit<GroupVerdict, 'partitions' | 'maxLag'> {
  readonly cluster: string;
  readonly group: string;
  readonly partitions: readonly LagPartitionReport[];
  readonly maxLag: LagPartitionReport | null;
}

/** One partition of a role, for the daemon's `/status`: the actor's view and the Burrow verdict. */
export interface RoleLagPartition {
  readonly topic: string;
  readonly partition: number;
  /** The partition actor state (`flowing`, `backpressured`, `draining`...), or `revoked` when no actor holds it. */
  readonly state: string;
  readonly inFlight: number | null;
  readonly committedOffset: number | null;
  /** Current lag as the monitor sees it (broker head − last commit). */
  readonly lag: number;
  readonly status: string;
  readonly rule: string;
  readonly explanation: string;
  /** The Burrow window the verdict was judged on, oldest first: offset and lag at each commit (null: unknown). */
  readonly window: ReadonlyArray<{ readonly offset: number; readonly lag: number | null }>;
}

/** What `/status` shows under a consuming role. */
export interface RoleLagView {
  readonly group: string;
  readonly supervisorState: string;
  readonly status: string;
  readonly complete: number;
  readonly totalLag: number;
  readonly partitions: readonly RoleLagPartition[];
}

/** The per-role hook a role gets through `RoleDeps.lagMonitor`. */
export interface RoleLagHook {
  /**
   * Reports the source's commits to the monitor and shows its partitions under this role in
   * `/status`. `brokers` and `client` (the reader URI's client options: security...) say how to
   * reach the cluster for broker heads.
   */
  watchSource(group: string, source: WatchedSource, brokers?: readonly string[], client?: KafkaClientOptions): void;
}

/** A running lag monitor. */
export interface LagMonitor {
  readonly cluster: string;
  /** Adds a commit of `group` to its partition window, in arrival order (as Burrow stores them). */
  recordCommit(group: string, commit: CommitObservation, meta?: { owner?: string; clientId?: string }): void;
  /** Feeds a running source's commits in, and remembers it under `role` for {@link roleView}. */
  watchSource(role: string, group: string, source: WatchedSource): void;
  /** The hook handed to one role (binds its role key). */
  hookFor(role: string, onBrokers?: (brokers: readonly string[], client?: KafkaClientOptions) => void): RoleLagHook;
  /** Also follows a group this process does not run, by polling its committed offsets. */
  watchGroup(group: string): void;
  /** Forgets a group's windows (Burrow's DELETE); they are recreated on its next commit. True if it was known. */
  forgetGroup(group: string): boolean;
  /** Groups with at least one partition window, sorted. */
  groups(): readonly string[];
  /** Evaluates `group` now; null when the group is unknown (Burrow NOTFOUND). */
  groupStatus(group: string): LagGroupReport | null;
  /** The `/status` view of a role that called {@link watchSource}, or undefined. */
  roleView(role: string): RoleLagView | undefined;
  /** Fetches broker heads of every topic a known group reads; errors are logged, not thrown. */
  pollHeads(): Promise<void>;
  /** Fetches the committed offsets of watched groups and records the changed ones as commits. */
  pollGroups(): Promise<void>;
  /** Evaluates every group and updates the metrics; returns the reports. */
  evaluate(): readonly LagGroupReport[];
  /** Starts the poll and evaluation timers. */
  start(): void;
  /** Stops the timers, waits for a poll under way and closes the I/O. */
  stop(): Promise<void>;
}
