/**
 * The individual checks of Burrow's evaluator (`core/internal/evaluator/caching.go`), each a
 * pure predicate over a non-empty window (oldest first). Current Burrow (1.9, unchanged since
 * PR #716): a rewind the consumer recovered from is not a REWIND. Two numberings exist: the source comments
 * (Rule 1 zero lag, 2 rewind, 3 stopped, 4 stalled, 5 lag not decreasing) and the wiki page
 * "Consumer Lag Evaluation Rules" (1 zero lag, 2 stalled, 3 slow, 4 stopped). Each function names
 * both. `evaluatePartition` applies them in Burrow's order.
 */
import type { Commit } from './partition-status.js';

/**
 * Burrow evaluates `timeNow` as whole seconds (`time.Now().Unix()`) and multiplies by 1000, so a
 * commit made earlier in the current second looks up to 999 ms older. We keep that truncation so
 * that verdicts near the boundary are Burrow's.
 */
export function burrowNowMs(now: number): number {
  return Math.floor(now / 1000) * 1000;
}

/**
 * Source Rule 1 / wiki rule 1 (`isLagAlwaysNotZero`): true when no commit in the window had a
 * lag of at most `allowedLag` (0: zero lag). Commits whose lag is unknown (null) are skipped, so
 * a window of unknown lags is "never zero".
 */
export function isLagAlwaysNotZero(window: readonly Commit[], allowedLag = 0): boolean {
  return !window.some((c) => c.lag !== null && c.lag <= allowedLag);
}

/**
 * Source Rule 2 (`checkIfOffsetsRewind`): the index of the first commit whose offset is lower
 * than the one committed before it, or -1 when offsets never go backwards.
 */
export function rewindIndex(window: readonly Commit[]): number {
  for (let i = 1; i < window.length; i++) {
    if (window[i]!.offset < window[i - 1]!.offset) return i;
  }
  return -1;
}

/**
 * `checkIfRewindRecovered` (Burrow 1.3.7, PR #716): true when, from the rewind at `index` on,
 * some commit reached or passed the offset committed just before it. Only the first rewind of a
 * window is examined, as in Burrow.
 */
export function rewindRecovered(window: readonly Commit[], index: number): boolean {
  const from = window[index - 1]!.offset;
  for (let i = index; i < window.length; i++) {
    if (window[i]!.offset >= from) return true;
  }
  return false;
}

/**
 * Source Rule 3 / wiki rule 4 (`checkIfOffsetsStopped`): true when the time since the newest
 * commit (with Burrow's whole-second `now`) is strictly greater than the time the window spans,
 * newest − oldest commit. Equal is not stopped.
 */
export function offsetsStopped(window: readonly Commit[], now: number): boolean {
  const first = window[0]!.timestamp;
  const last = window[window.length - 1]!.timestamp;
  return burrowNowMs(now) - last > last - first;
}

/**
 * Source Rule 4 / wiki rule 2 (`checkIfOffsetsStalled`): true when every commit in the window has
 * the same offset (a one-commit window is trivially stalled, as in Burrow).
 */
export function offsetsStalled(window: readonly Commit[]): boolean {
  for (let i = 1; i < window.length; i++) {
    if (window[i]!.offset !== window[i - 1]!.offset) return false;
  }
  return true;
}

/**
 * Source Rule 5 / wiki rule 3 (`checkIfLagNotDecreasing`): true when the lag never goes down
 * from one known lag to the next known lag (null lags are skipped, not treated as zero).
 */
export function lagNotDecreasing(window: readonly Commit[]): boolean {
  let previous: number | null = null;
  for (const commit of window) {
    if (commit.lag === null) continue;
    if (previous !== null && commit.lag < previous) return false;
    previous = commit.lag;
  }
  return true;
}

/**
 * `checkIfRecentLagZero` (added in Burrow 1.1 for issue #303): true when any recent broker head
 * offset is at or below the newest committed offset, i.e. the consumer was caught up within the
 * broker-offset history. This is what keeps a consumer that was idle at the head out of STOP.
 */
export function recentLagZero(window: readonly Commit[], brokerOffsets: readonly number[]): boolean {
  const lastOffset = window[window.length - 1]!.offset;
  return brokerOffsets.some((head) => head <= lastOffset);
}
