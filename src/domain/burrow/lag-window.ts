import type { Commit } from './partition-status.js';

/** How the window is kept: Burrow's `storage.intervals` and `storage.min-distance` (in ms here). */
export interface LagWindowOptions {
  /** How many commits the window holds (Burrow default 10). */
  readonly intervals: number;
  /** Commits closer than this to the previous one replace it (Burrow default 0: every commit is kept). */
  readonly minDistanceMs?: number;
}

/**
 * The lag of a commit as Burrow's storage computes it: broker head − committed offset, and 0 when
 * the committed offset is ahead of the last head seen (heads are only fetched periodically).
 * `null` when no head is known yet.
 */
export function commitLag(brokerHead: number | null, offset: number): number | null {
  if (brokerHead === null) return null;
  return brokerHead > offset ? brokerHead - offset : 0;
}

/**
 * Appends an in-order commit to a window (oldest first) as Burrow's in-memory storage does
 * (`addConsumerOffset`, `mergeFrequentCommitIntoPrevious`): the lag is computed against the broker
 * head known now; a commit less than `minDistanceMs` after the previous stored one replaces it but
 * keeps the previous timestamp (otherwise a consumer committing faster than min-distance would never
 * add a new entry); the oldest commit falls out when the window is full. Returns a new array.
 */
export function appendCommit(
  window: readonly Commit[],
  commit: { readonly offset: number; readonly timestamp: number },
  brokerHead: number | null,
  options: LagWindowOptions,
): readonly Commit[] {
  const lag = commitLag(brokerHead, commit.offset);
  const previous = window[window.length - 1];
  const minDistance = options.minDistanceMs ?? 0;
  if (previous !== undefined && commit.timestamp - previous.timestamp < minDistance) {
    return Object.freeze([...window.slice(0, -1), Object.freeze({ offset: commit.offset, timestamp: previous.timestamp, lag })]);
  }
  const next = [...window, Object.freeze({ offset: commit.offset, timestamp: commit.timestamp, lag })];
  return Object.freeze(next.slice(Math.max(0, next.length - options.intervals)));
}
