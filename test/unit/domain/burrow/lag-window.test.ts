import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendCommit, commitLag } from '../../../../src/domain/burrow/lag-window.js';
import type { Commit } from '../../../../src/domain/burrow/partition-status.js';

describe('commitLag', () => {
  it('is head − offset, 0 when the offset is ahead of the last head seen, null without a head', () => {
    assert.equal(commitLag(150, 100), 50);
    assert.equal(commitLag(100, 120), 0);
    assert.equal(commitLag(null, 120), null);
  });
});

/** The window as Burrow shows it: without the arrival order. */
const shown = (w: readonly Commit[]) => w.map(({ order: _order, ...c }) => c);

describe('appendCommit', () => {
  it('appends oldest first and drops the oldest when full', () => {
    let w: readonly Commit[] = [];
    for (let i = 1; i <= 4; i++) w = appendCommit(w, { offset: i * 10, timestamp: i * 1000 }, i * 10 + 5, { intervals: 3 });
    assert.deepEqual(w.map((c) => c.order), [1, 2, 3]);
    assert.deepEqual(shown(w), [
      { offset: 20, timestamp: 2000, lag: 5 },
      { offset: 30, timestamp: 3000, lag: 5 },
      { offset: 40, timestamp: 4000, lag: 5 },
    ]);
  });

  it('merges a commit closer than min-distance into the previous one, keeping its timestamp', () => {
    let w = appendCommit([], { offset: 10, timestamp: 1000 }, 20, { intervals: 5, minDistanceMs: 10_000 });
    w = appendCommit(w, { offset: 15, timestamp: 4000 }, 20, { intervals: 5, minDistanceMs: 10_000 });
    w = appendCommit(w, { offset: 18, timestamp: 9000 }, 21, { intervals: 5, minDistanceMs: 10_000 });
    assert.deepEqual(shown(w), [{ offset: 18, timestamp: 1000, lag: 3 }]);
    w = appendCommit(w, { offset: 19, timestamp: 11_000 }, 21, { intervals: 5, minDistanceMs: 10_000 });
    assert.equal(w.length, 2);
  });

  it('does not change the input window', () => {
    const w: readonly Commit[] = Object.freeze([{ offset: 1, timestamp: 1, lag: 0 }]);
    const next = appendCommit(w, { offset: 2, timestamp: 2 }, 5, { intervals: 1 });
    assert.deepEqual(w, [{ offset: 1, timestamp: 1, lag: 0 }]);
    assert.deepEqual(shown(next), [{ offset: 2, timestamp: 2, lag: 3 }]);
  });

  it('stores nothing while no broker head is known, as Burrow', () => {
    const w: readonly Commit[] = Object.freeze([{ offset: 1, timestamp: 1, lag: 0 }]);
    assert.equal(appendCommit(w, { offset: 2, timestamp: 2 }, null, { intervals: 3 }), w);
  });
});
