/**
 * Types shared by the Burrow lag rules: one commit in a partition's window, the input of an
 * evaluation, and the verdict. Statuses and their order are Burrow 1.9's `protocol.StatusConstant`
 * (NOTFOUND < OK < WARN < ERR < STOP < STALL < REWIND), because group status is "the worst partition".
 */

/** A Burrow status. Partitions get OK, WARN, STOP, STALL or REWIND; groups get NOTFOUND, OK, WARN or ERR. */
export type LagStatus = 'NOTFOUND' | 'OK' | 'WARN' | 'ERR' | 'STOP' | 'STALL' | 'REWIND';

/** Severity of each status, as Burrow's `StatusConstant` numbers them (higher is worse). */
export const STATUS_SEVERITY: Readonly<Record<LagStatus, number>> = Object.freeze({
  NOTFOUND: 0,
  OK: 1,
  WARN: 2,
  ERR: 3,
  STOP: 4,
  STALL: 5,
  REWIND: 6,
});

/**
 * One offset commit as Burrow stores it (`protocol.ConsumerOffset`): the committed offset, when it
 * was committed (ms since the epoch) and the lag at that moment (broker head − offset, never below
 * 0). `lag` is null for a commit stored out of arrival order (Burrow's nil `Lag`); the lag rules
 * skip such entries.
 */
export interface Commit {
  readonly offset: number;
  readonly timestamp: number;
  readonly lag: number | null;
  /**
   * Where the commit stands in arrival order (Burrow's `Order`: its offset in `__consumer_offsets`);
   * the window is kept sorted by it. Never in Burrow's JSON.
   */
  readonly order?: number;
}

/** Everything one partition's evaluation needs. `now` is injected: the rules never read a clock. */
export interface PartitionWindow {
  /** The last commits, oldest first (Burrow's offset ring without its empty slots). */
  readonly window: readonly Commit[];
  /** Broker head now − last committed offset, clamped at 0 (Burrow `ConsumerPartition.CurrentLag`). */
  readonly currentLag: number;
  /** Recent broker head offsets for the partition, newest first (Burrow `BrokerOffsets`); optional. */
  readonly brokerOffsets?: readonly number[];
  /** Evaluation time, ms since the epoch. */
  readonly now: number;
  /**
   * Burrow `evaluator.allowed-lag` (default 0): a current lag up to this many messages is OK, and a
   * commit with a lag up to it counts as "zero lag" in the window.
   */
  readonly allowedLag?: number;
  /** Burrow `evaluator.minimum-complete` (0..1, default 0): below it the window is not judged. */
  readonly minimumComplete?: number;
  /** Capacity of the window (Burrow `storage.intervals`); defaults to `window.length` (a full window). */
  readonly intervals?: number;
}

/**
 * The stable machine name of the rule that decided a verdict. Names, in Burrow's order:
 * `no-commits`, `incomplete-window`, `no-lag`, `within-allowed-lag`, `rule4-stopped`,
 * `caught-up-recently`, `rewind`, `lag-zero-in-window`, `stalled`, `lag-increasing`, `lag-decreased`.
 */
export type LagRule =
  | 'no-commits'
  | 'incomplete-window'
  | 'no-lag'
  | 'within-allowed-lag'
  | 'rule4-stopped'
  | 'caught-up-recently'
  | 'rewind'
  | 'lag-zero-in-window'
  | 'stalled'
  | 'lag-increasing'
  | 'lag-decreased';

/** The verdict on one partition: Burrow's `PartitionStatus` plus the deciding rule and a sentence. */
export interface PartitionVerdict {
  readonly status: LagStatus;
  readonly rule: LagRule;
  /** A human sentence with the numbers that decided it. */
  readonly explanation: string;
  /** Oldest commit of the window, or null when there is none. */
  readonly start: Commit | null;
  /** Newest commit of the window, or null when there is none. */
  readonly end: Commit | null;
  readonly currentLag: number;
  /** Fraction of the window's capacity holding commits (Burrow `Complete`). */
  readonly complete: number;
}
