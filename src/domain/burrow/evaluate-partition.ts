import type { Commit, LagRule, LagStatus, PartitionVerdict, PartitionWindow } from './partition-status.js';
import {
  burrowNowMs,
  isLagAlwaysNotZero,
  lagNotDecreasing,
  offsetsStalled,
  offsetsStopped,
  recentLagZero,
  rewindIndex,
  rewindRecovered,
} from './window-rules.js';

const describe = (c: Commit): string => `(${c.timestamp}, ${c.offset}, ${c.lag === null ? '?' : c.lag})`;

/**
 * Judges one partition with Burrow's evaluator (1.9; its logic unchanged since PR #716), in its
 * order: `evaluatePartitionStatus` (no commits → OK; completeness below `minimumComplete` → OK),
 * then `calculatePartitionStatus`: current lag at most allowed-lag (default 0) → OK; stopped (wiki
 * rule 4) unless the broker offsets show it caught up recently → STOP; a rewind the consumer did
 * not recover from → REWIND; a lag within allowed-lag anywhere in the window → OK; stalled →
 * STALL; lag never decreasing → WARN; otherwise OK. Commits with an unknown lag (null) are skipped
 * by the lag rules. Pure: `now` is an argument.
 */
export function evaluatePartition(input: PartitionWindow): PartitionVerdict {
  const { window, currentLag } = input;
  const capacity = Math.max(input.intervals ?? window.length, window.length);
  // evaluatePartitionStatus: an absent ring leaves Complete at its zero value.
  const complete = window.length === 0 ? 0 : window.length / capacity;
  // Burrow's JSON shape: its `Order` is internal and never shown.
  const shown = (c: Commit | undefined): Commit | null => (c === undefined ? null : { offset: c.offset, timestamp: c.timestamp, lag: c.lag });
  const start = shown(window[0]);
  const end = shown(window[window.length - 1]);
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
  // calculatePartitionStatus: nothing is judged unless the current lag is above allowed-lag (0:
  // "if the current lag is zero, the partition is never in error").
  const allowedLag = input.allowedLag ?? 0;
  if (currentLag <= allowedLag) {
    return currentLag <= 0
      ? verdict('OK', 'no-lag', `current lag is 0: the consumer is at the broker head, OK whatever the window says`)
      : verdict('OK', 'within-allowed-lag', `current lag ${currentLag} is within the allowed lag ${allowedLag} (Burrow evaluator allowed-lag): OK`);
  }

  // Stopped is checked first, even if lag was zero earlier in the window (#290), unless the
  // recent broker offsets show the consumer was caught up (#303).
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
  const notes: string[] = [];
  if (caughtUp) {
    notes.push(` (${idle} ms since the last commit exceeds the ${span} ms window span, but a recent broker head at or below the last committed offset ${end.offset} shows the consumer was caught up, so it is not stopped)`);
  }

  // Source Rule 2: a rewind is REWIND unless the consumer later reached or passed the offset it
  // rewound from (PR #716), whatever the lag was.
  const r = rewindIndex(window);
  if (r > 0) {
    const back = `the committed offset went backwards from ${window[r - 1]!.offset} to ${window[r]!.offset} at ${window[r]!.timestamp}`;
    if (!rewindRecovered(window, r)) {
      return verdict('REWIND', 'rewind', `${back} and no later commit reached ${window[r - 1]!.offset} again; current lag ${currentLag}${notes.join('')}`);
    }
    notes.push(` (${back}, but a later commit reached ${window[r - 1]!.offset} again: a recovered rewind is not REWIND)`);
  }
  const note = notes.join('');
  const ok = (rule: LagRule, why: string): PartitionVerdict =>
    verdict('OK', caughtUp ? 'caught-up-recently' : rule, `${why}${note}`);

  // Source Rule 1 / wiki rule 1: a lag within allowed-lag anywhere in the window makes the period OK.
  if (!isLagAlwaysNotZero(window, allowedLag)) {
    const zeros = window.filter((c) => c.lag !== null && c.lag <= allowedLag).length;
    const what = allowedLag === 0 ? 'lag was 0' : `lag was within ${allowedLag}`;
    return ok('lag-zero-in-window', `${what} at ${zeros} of ${window.length} commits in the window; current lag ${currentLag}: OK`);
  }
  // Source Rule 4 / wiki rule 2: commits that do not move while lag exists.
  if (offsetsStalled(window)) {
    return verdict('STALL', 'stalled',
      `all ${window.length} commits are at offset ${end.offset} while lag went ${describe(start)} -> ${describe(end)} and current lag is ${currentLag}: the consumer commits but does not advance${note}`);
  }
  // Source Rule 5 / wiki rule 3: offsets advance but lag never goes down.
  if (lagNotDecreasing(window)) {
    return verdict('WARN', 'lag-increasing',
      `offsets advanced ${start.offset} -> ${end.offset} but lag never decreased across the window (${start.lag ?? '?'} -> ${end.lag ?? '?'}, current ${currentLag}): the consumer is slower than the producers${note}`);
  }
  return ok('lag-decreased',
    `offsets advanced ${start.offset} -> ${end.offset} and lag decreased at least once in the window (current ${currentLag}): the consumer is catching up, OK`);
}
