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
 * `null` when no head is known yet (Burrow then does not store the commit at all).
 */
export function commitLag(brokerHead: number | null, offset: number): number | null {
  if (brokerHead === null) return null;
  return brokerHead > offset ? brokerHead - offset : 0;
}

/** A commit as it arrives: offset, commit time, and its place in arrival order. */
export interface ArrivingCommit {
  readonly offset: number;
  readonly timestamp: number;
  readonly order: number;
}

/**
 * Stores a commit in a window (oldest first, sorted by `order`) as Burrow's in-memory storage
 * does (`addConsumerOffset`): dropped when no broker head is known yet; appended, with its lag
 * against the head known now, when it is the newest in arrival order; otherwise inserted in order
 * with an unknown (null) lag, or dropped when its order is stored already or is older than a full
 * window. A commit less than `minDistanceMs` after the entry before its place replaces that entry
 * but keeps its timestamp (`mergeFrequentCommitIntoPrevious`: otherwise a consumer committing
 * faster than min-distance would never add an entry). The oldest entry falls out of a full window.
 * Returns a new array, or `window` itself when the commit is dropped.
 */
export function storeCommit(
  window: readonly Commit[],
  commit: ArrivingCommit,
  brokerHead: number | null,
  options: LagWindowOptions,
): readonly Commit[] {
  if (brokerHead === null) return window;
  const orderOf = (c: Commit): number => c.order ?? Number.NEGATIVE_INFINITY;
  const full = window.length >= options.intervals;
  const newest = window[window.length - 1];
  let at: number;
  if (newest === undefined || orderOf(newest) < commit.order) at = window.length;
  else {
    if (full && orderOf(window[0]!) >= commit.order) return window;
    at = window.length;
    while (at > 0 && orderOf(window[at - 1]!) > commit.order) at--;
    if (at > 0 && orderOf(window[at - 1]!) === commit.order) return window;
  }
  const lag = at === window.length ? commitLag(brokerHead, commit.offset) : null;
  const previous = window[at - 1];
  const minDistance = options.minDistanceMs ?? 0;
  if (previous !== undefined && orderOf(previous) < commit.order && commit.timestamp - previous.timestamp < minDistance) {
    const merged = Object.freeze({ offset: commit.offset, timestamp: previous.timestamp, lag, order: commit.order });
    return Object.freeze([...window.slice(0, at - 1), merged, ...window.slice(at)]);
  }
  const entry = Object.freeze({ offset: commit.offset, timestamp: commit.timestamp, lag, order: commit.order });
  const next = [...window.slice(0, at), entry, ...window.slice(at)];
  return Object.freeze(next.slice(Math.max(0, next.length - options.intervals)));
}

/**
 * Appends a commit that arrived after every stored one: {@link storeCommit} with the next order.
 * Like Burrow, a commit arriving before any broker head is known is not stored.
 */
export function appendCommit(
  window: readonly Commit[],
  commit: { readonly offset: number; readonly timestamp: number },
  brokerHead: number | null,
  options: LagWindowOptions,
): readonly Commit[] {
  const last = window[window.length - 1];
  const order = last?.order !== undefined ? last.order + 1 : window.length;
  return storeCommit(window, { ...commit, order }, brokerHead, options);
}
