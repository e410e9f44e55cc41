import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePartition } from '../../../../src/domain/burrow/evaluate-partition.js';
import type { Commit } from '../../../../src/domain/burrow/partition-status.js';

// The wiki's examples use a 10-commit window, one commit every 60 s, starting at T. Examples 1-3
// carry the wiki's numbers; 4 and 5 are built the same way from its descriptions (a busy topic
// whose lag goes up and down; the same consumer stopped), their numbers are ours.
const T = 1_600_000_000_000;
const wikiWindow = (offsets: number[], lags: number[]): Commit[] =>
  offsets.map((offset, i) => ({ offset, timestamp: T + i * 60_000, lag: lags[i]! }));
const advancing = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
const stuck = Array.from({ length: 10 }, () => 10);
const lastTs = T + 540_000;
const soon = lastTs + 30_000; // the next commit is due: not stopped

describe('evaluatePartition: the wiki examples', () => {
  it('example 1: lag 0 in part of the window → OK', () => {
    const window = wikiWindow(advancing, [0, 0, 0, 0, 0, 0, 1, 3, 5, 5]);
    const v = evaluatePartition({ window, currentLag: 5, now: soon });
    assert.deepEqual([v.status, v.rule], ['OK', 'lag-zero-in-window']);
    assert.match(v.explanation, /lag was 0 at 6 of 10 commits/);
  });

  it('example 2: offset never moves, lag 1 → 3 → STALL (group ERR)', () => {
    const window = wikiWindow(stuck, [1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
    const v = evaluatePartition({ window, currentLag: 3, now: soon });
    assert.deepEqual([v.status, v.rule], ['STALL', 'stalled']);
    assert.match(v.explanation, /all 10 commits are at offset 10/);
  });

  it('example 3: offsets advance, lag never decreases → WARN', () => {
    const window = wikiWindow(advancing, [1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
    const v = evaluatePartition({ window, currentLag: 3, now: soon });
    assert.deepEqual([v.status, v.rule], ['WARN', 'lag-increasing']);
    assert.match(v.explanation, /10 -> 100/);
  });

  it('example 4 (the wiki case, our numbers): busy topic, lag goes up and down → OK (catching up part of the time)', () => {
    const window = wikiWindow(advancing, [5, 3, 5, 2, 1, 1, 2, 1, 4, 6]);
    const v = evaluatePartition({ window, currentLag: 6, now: soon });
    assert.deepEqual([v.status, v.rule], ['OK', 'lag-decreased']);
  });

  it('example 5 (the wiki case, our numbers): the same window, no commit since T+540 s and now T+1200 s → STOP (group ERR)', () => {
    const window = wikiWindow(advancing, [5, 3, 5, 2, 1, 1, 2, 1, 4, 6]);
    const v = evaluatePartition({ window, currentLag: 6, now: T + 1_200_000 });
    assert.deepEqual([v.status, v.rule], ['STOP', 'rule4-stopped']);
    assert.match(v.explanation, /no commit for 660000 ms/);
    assert.match(v.explanation, /540000 ms the window spans/);
  });
});

describe('evaluatePartition: the runbook alert eventlogging-client-side:11', () => {
  // (1455812030875, 188196575, 0) -> (1455813022220, 188205237, 0): span 991345 ms. Burrow 0.x's rule 4
  // reported ERR/STOP; current rules look at the current lag and the broker heads first.
  const window: Commit[] = [
    { offset: 188196575, timestamp: 1455812030875, lag: 0 },
    { offset: 188205237, timestamp: 1455813022220, lag: 0 },
  ];
  const late = 1455813022220 + 991345 + 60_000; // idle longer than the span

  it('caught up at the head now (current lag 0) → OK', () => {
    const v = evaluatePartition({ window, currentLag: 0, brokerOffsets: [188205237, 188205237], now: late });
    assert.deepEqual([v.status, v.rule], ['OK', 'no-lag']);
  });

  it('new data, but a recent broker head shows it was caught up → OK (not stopped yet)', () => {
    const v = evaluatePartition({ window, currentLag: 40, brokerOffsets: [188205277, 188205250, 188205237], now: late });
    assert.deepEqual([v.status, v.rule], ['OK', 'caught-up-recently']);
    assert.match(v.explanation, /991345 ms window span/);
  });

  it('new data and every recent broker head is past the last commit → STOP', () => {
    const v = evaluatePartition({ window, currentLag: 8662, brokerOffsets: [188213899, 188210000, 188206000], now: late });
    assert.deepEqual([v.status, v.rule], ['STOP', 'rule4-stopped']);
    // 1051345 ms really, but Burrow counts now in whole seconds: 1455814073565 → 1455814073000.
    assert.match(v.explanation, /no commit for 1050780 ms/);
    assert.match(v.explanation, /188205237/);
  });

  it('new data, no broker offsets given → STOP (nothing shows it caught up)', () => {
    assert.equal(evaluatePartition({ window, currentLag: 10, now: late }).status, 'STOP');
  });

  it('still within the span → OK because lag was 0 in the window', () => {
    const v = evaluatePartition({ window, currentLag: 10, brokerOffsets: [188205247], now: 1455813022220 + 991345 });
    assert.deepEqual([v.status, v.rule], ['OK', 'lag-zero-in-window']);
  });
});

describe('evaluatePartition: edges', () => {
  it('no commits → OK no-commits, complete 0, no start/end', () => {
    const v = evaluatePartition({ window: [], currentLag: 7, now: T });
    assert.deepEqual([v.status, v.rule, v.complete, v.start, v.end, v.currentLag], ['OK', 'no-commits', 0, null, null, 7]);
  });

  it('reports start, end and completeness against intervals', () => {
    const window = wikiWindow(advancing.slice(0, 4), [1, 2, 3, 4]);
    const v = evaluatePartition({ window, currentLag: 4, now: T + 200_000, intervals: 10 });
    assert.equal(v.complete, 0.4);
    assert.deepEqual(v.start, window[0]);
    assert.deepEqual(v.end, window[3]);
    assert.equal(v.status, 'WARN');
  });

  it('minimumComplete: an incomplete window is not judged', () => {
    const window = wikiWindow(stuck.slice(0, 3), [5, 6, 7]);
    const judged = evaluatePartition({ window, currentLag: 7, now: T + 120_000, intervals: 10, minimumComplete: 0.3 });
    assert.equal(judged.status, 'STALL');
    const skipped = evaluatePartition({ window, currentLag: 7, now: T + 120_000, intervals: 10, minimumComplete: 0.5 });
    assert.deepEqual([skipped.status, skipped.rule], ['OK', 'incomplete-window']);
    assert.match(skipped.explanation, /3 of 10 commits/);
  });

  it('allowedLag: current lag within it is OK, above it the rules apply', () => {
    const window = wikiWindow(stuck, [1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
    const within = evaluatePartition({ window, currentLag: 3, now: T + 5_000_000, allowedLag: 3 });
    assert.deepEqual([within.status, within.rule], ['OK', 'within-allowed-lag']);
    const above = evaluatePartition({ window, currentLag: 4, now: T + 5_000_000, allowedLag: 3 });
    assert.deepEqual([above.status, above.rule], ['STOP', 'rule4-stopped']);
  });

  it('rewind names the offsets that went backwards', () => {
    const window = wikiWindow([10, 20, 30, 25, 26, 27, 28, 28, 29, 29], [5, 5, 5, 9, 5, 5, 5, 5, 5, 5]);
    const v = evaluatePartition({ window, currentLag: 5, now: soon });
    assert.deepEqual([v.status, v.rule], ['REWIND', 'rewind']);
    assert.match(v.explanation, /from 30 to 25/);
  });

  it('a rewind the consumer recovered from is judged by the other rules, and said (#716)', () => {
    const window = wikiWindow([10, 20, 30, 25, 40, 50, 60, 70, 80, 90], [5, 5, 5, 9, 5, 5, 5, 5, 5, 5]);
    const v = evaluatePartition({ window, currentLag: 5, now: soon });
    assert.deepEqual([v.status, v.rule], ['OK', 'lag-decreased']);
    assert.match(v.explanation, /from 30 to 25 at \d+, but a later commit reached 30 again/);
  });

  it('a recently caught-up consumer that is overdue and stalled is STALL, not STOP', () => {
    const window = wikiWindow(stuck, [1, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
    const v = evaluatePartition({ window, currentLag: 3, brokerOffsets: [13, 10], now: T + 5_000_000 });
    assert.deepEqual([v.status, v.rule], ['STALL', 'stalled']);
    assert.match(v.explanation, /not stopped/);
  });

  it('a single commit: stopped as soon as any whole second has passed, else stalled', () => {
    const window: Commit[] = [{ offset: 5, timestamp: T, lag: 3 }];
    assert.equal(evaluatePartition({ window, currentLag: 3, now: T + 999 }).status, 'STALL');
    assert.equal(evaluatePartition({ window, currentLag: 3, now: T + 1000 }).status, 'STOP');
  });

  it('the verdict is frozen', () => {
    const v = evaluatePartition({ window: [], currentLag: 0, now: T });
    assert.ok(Object.isFrozen(v));
  });
});
