import type { Commit, LagRule, LagStatus, PartitionVerdict, PartitionWindow } from './partition-status.js';
import {
  burrowNowMs,
  isLagAlwaysNotZero,
  lagNotDecreasing,
  offsetsRewind,
  offsetsStalled,
  offsetsStopped,
  recentLagZero,
} from './window-rules.js';

const describe = (c: Commit): string => `(${c.timestamp}, ${c.offset}, ${c.lag === null ? '?' : c.lag})`;

/**
 * Judges one partition with Burrow 1.9's evaluator, in its order:
 * `evaluatePartitionStatus` (no commits → OK; completeness below `minimumComplete` → OK), then
 * `calculatePartitionStatus`: current lag 0 → OK; stopped (wiki rule 4) unless the broker offsets
 * show it caught up recently → STOP; any zero lag in the window → OK; rewind → REWIND; stalled →
 * STALL; lag never decreasing → WARN; otherwise OK. `allowedLag`, when given, widens the
 * current-lag-zero gate (an extension; Burrow has no threshold). Pure: `now` is an argument.
 */
export function evaluatePartition(input: PartitionWindow): PartitionVerdict {
  const { window, currentLag } = input;
  const capacity = Math.max(input.intervals ?? window.length, window.length);
  // evaluatePartitionStatus: an absent ring leaves Complete at its zero value.
  const complete = window.length === 0 ? 0 : window.length / capacity;
  const start = window[0] ?? null;
  const end = window[window.length - 1] ?? null;
  const verdict = (status: LagStatus, rule: LagRule, explanation: string): PartitionVerdict =>
    Object.freeze({ status, rule, explanation, start, end, currentLag, complete });

  // evaluatePartitionStatus: "If there are no offsets, we can't do anything".
  if (start === null || end === null) {
    return verdict('OK', 'no-commits', `no commits in the window; current lag ${currentLag}: nothing to judge, OK`);
  }
  // evaluatePartitionStatus: "If the partition does not meet the completeness threshold, just return it as OK".
  const minimumComplete = input.minimumComplete ?? 0;
  if (complete < minimumComplete) {
    return verdict('OK', 'incomplete-window',
      `the window holds ${window.length} of ${capacity} commits (complete ${complete}), below minimum-complete ${minimumComplete}: not judged, OK`);
  }
  // calculatePartitionStatus: "If the current lag is zero, the partition is never in error".
  if (currentLag <= 0) {
    return verdict('OK', 'no-lag', `current lag is 0: the consumer is at the broker head, OK whatever the window says`);
  }
  if (input.allowedLag !== undefined && currentLag <= input.allowedLag) {
    return verdict('OK', 'within-allowed-lag',
      `current lag ${currentLag} is within the allowed lag ${input.allowedLag} (an eventlogging setting, not a Burrow rule): OK`);
  }

  // calculatePartitionStatus: stopped is checked first, even if lag was zero earlier in the window (#290),
  // unless the recent broker offsets show the consumer was caught up (#303).
  const span = end.timestamp - start.timestamp;
  const idle = burrowNowMs(input.now) - end.timestamp;
  const brokerOffsets = input.brokerOffsets ?? [];
  const stopped = offsetsStopped(window, input.now);
  const caughtUp = stopped && recentLagZero(window, brokerOffsets);
  if (stopped && !caughtUp) {
    const heads = brokerOffsets.length === 0
      ? 'no broker offsets were given to show it caught up'
      : `no recent broker head (newest first: ${brokerOffsets.join(', ')}) is at or below the last committed offset ${end.offset}`;
    return verdict('STOP', 'rule4-stopped',
      `no commit for ${idle} ms (last at ${end.timestamp}, now ${input.now} counted as ${burrowNowMs(input.now)}), longer than the ${span} ms the window spans ${describe(start)} -> ${describe(end)}; current lag ${currentLag} and ${heads}: the consumer stopped committing`);
  }
  const caughtUpNote = caughtUp
    ? ` (${idle} ms since the last commit exceeds the ${span} ms window span, but a recent broker head at or below the last committed offset ${end.offset} shows the consumer was caught up, so it is not stopped)`
    : '';
  const ok = (rule: LagRule, why: string): PartitionVerdict =>
    verdict('OK', caughtUp ? 'caught-up-recently' : rule, `${why}${caughtUpNote}`);

  // Source Rule 1 / wiki rule 1: any zero lag in the window makes the period OK.
  if (!isLagAlwaysNotZero(window)) {
    const zeros = window.filter((c) => c.lag === 0).length;
    return ok('lag-zero-in-window', `lag was 0 at ${zeros} of ${window.length} commits in the window; current lag ${currentLag}: OK`);
  }
  // Source Rule 2: offsets going backwards is the worst non-stopped state.
  if (offsetsRewind(window)) {
    const i = window.findIndex((c, k) => k > 0 && c.offset < window[k - 1]!.offset);
    return verdict('REWIND', 'rewind',
      `the committed offset went backwards from ${window[i - 1]!.offset} to ${window[i]!.offset} at ${window[i]!.timestamp}, with lag never 0 in the window; current lag ${currentLag}${caughtUpNote}`);
  }
  // Source Rule 4 / wiki rule 2: commits that do not move while lag exists.
  if (offsetsStalled(window)) {
    return verdict('STALL', 'stalled',
      `all ${window.length} commits are at offset ${end.offset} while lag went ${describe(start)} -> ${describe(end)} and current lag is ${currentLag}: the consumer commits but does not advance${caughtUpNote}`);
  }
  // Source Rule 5 / wiki rule 3: offsets advance but lag never goes down.
  if (lagNotDecreasing(window)) {
    return verdict('WARN', 'lag-increasing',
      `offsets advanced ${start.offset} -> ${end.offset} but lag never decreased across the window (${start.lag ?? '?'} -> ${end.lag ?? '?'}, current ${currentLag}): the consumer is slower than the producers${caughtUpNote}`);
  }
  return ok('lag-decreased',
    `offsets advanced ${start.offset} -> ${end.offset} and lag decreased at least once in the window (current ${currentLag}): the consumer is catching up, OK`);
}
