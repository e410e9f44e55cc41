import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  burrowNowMs,
  isLagAlwaysNotZero,
  lagNotDecreasing,
  rewindIndex,
  offsetsStalled,
  offsetsStopped,
  recentLagZero,
} from '../../../../src/domain/burrow/window-rules.js';
import { evaluatePartition } from '../../../../src/domain/burrow/evaluate-partition.js';
import type { Commit, LagStatus } from '../../../../src/domain/burrow/partition-status.js';

const c = (offset: number, timestamp: number, lag: number | null): Commit => ({ offset, timestamp, lag });
const steps = (offsets: number[], lags: (number | null)[], t0 = 100_000, dt = 100_000): Commit[] =>
  offsets.map((o, i) => c(o, t0 + i * dt, lags[i]!));

interface Case {
  name: string;
  window: Commit[];
  brokerOffsets: number[];
  currentLag: number;
  nowSeconds: number;
  flags: [alwaysNotZero: boolean, rewind: boolean, stopped: boolean, stalled: boolean, notDecreasing: boolean, recentZero: boolean];
  status: LagStatus;
}

// The evaluator's own correctness table (Burrow 1.9 caching_test.go), as data: each row gives the
// flags every check must return and the status of the whole evaluation. `now` there is in seconds.
const flat = [1000, 2000, 3000, 4000, 5000];
const idle = [792748079, 792748080, 792748081, 792748082, 792748083, 792748084, 792748085, 792748086,
  792748087, 792748088, 792748089, 792748090, 792748091, 792748092, 792748093];
const idleTs = [1512224618356, 1512224619362, 1512224620366, 1512224621367, 1512224622370, 1512224623373,
  1512224624378, 1512224625379, 1512224626383, 1512224627383, 1512224628383, 1512224629388, 1512224630391,
  1512224631394, 1512224632397];
const idleWindow = idle.map((o, i) => c(o, idleTs[i]!, 0));
const cases: Case[] = [
  { name: '0: zero lag somewhere is OK', window: steps(flat, [0, 50, 100, 150, 200]), brokerOffsets: [5200], currentLag: 200, nowSeconds: 600,
    flags: [false, false, false, false, true, false], status: 'OK' },
  { name: '1: idle time equal to the span is not stopped', window: steps(flat, [0, 50, 100, 150, 200]), brokerOffsets: [5200], currentLag: 200, nowSeconds: 900,
    flags: [false, false, false, false, true, false], status: 'OK' },
  { name: '2: STOP even though lag was zero at the start (#290)', window: steps(flat, [0, 50, 100, 150, 200]), brokerOffsets: [5200], currentLag: 200, nowSeconds: 1000,
    flags: [false, false, true, false, true, false], status: 'STOP' },
  { name: '3: STOP with lag always non-zero', window: steps(flat, [50, 100, 150, 200, 250]), brokerOffsets: [5250], currentLag: 250, nowSeconds: 1000,
    flags: [true, false, true, false, true, false], status: 'STOP' },
  { name: '4: stalled offsets but a zero lag: OK', window: steps([1000, 1000, 1000, 1000, 1000], [0, 50, 100, 150, 200]), brokerOffsets: [1200], currentLag: 200, nowSeconds: 600,
    flags: [false, false, false, true, true, false], status: 'OK' },
  { name: '5: STALL when lag always non-zero', window: steps([1000, 1000, 1000, 1000, 1000], [100, 150, 200, 250, 300]), brokerOffsets: [1300], currentLag: 300, nowSeconds: 600,
    flags: [true, false, false, true, true, false], status: 'STALL' },
  { name: '6: STALL with constant lag', window: steps([1000, 1000, 1000, 1000, 1000], [100, 100, 100, 100, 100]), brokerOffsets: [1100], currentLag: 100, nowSeconds: 600,
    flags: [true, false, false, true, true, false], status: 'STALL' },
  { name: '7: a rewind the consumer recovered from is not REWIND (#716)', window: steps([1000, 2000, 3000, 2000, 4000], [100, 150, 200, 1250, 300]), brokerOffsets: [4300], currentLag: 300, nowSeconds: 600,
    flags: [true, true, false, false, false, false], status: 'OK' },
  { name: '8: current lag 0 is OK even when stopped', window: steps(flat, [50, 100, 150, 200, 250]), brokerOffsets: [5250], currentLag: 0, nowSeconds: 1000,
    flags: [true, false, true, false, true, false], status: 'OK' },
  { name: '9: STOP when new data arrived after an idle, caught-up window (#290)', window: idleWindow,
    brokerOffsets: [792749024, 792749000, 792748800, 792748600, 792748500], currentLag: 931, nowSeconds: 1512224650,
    flags: [false, false, true, false, true, false], status: 'STOP' },
  { name: '10: not STOP when a recent broker head shows zero lag (#303)', window: idleWindow,
    brokerOffsets: [792748094, 792748093, 792748093, 792748093], currentLag: 1, nowSeconds: 1512224650,
    flags: [false, false, true, false, true, true], status: 'OK' },
  { name: '11: unknown (null) lags change nothing', window: [c(1000, 100000, 0), c(1500, 150000, null), c(2000, 200000, 50), c(2500, 250000, null),
    c(3000, 300000, 100), c(3500, 350000, null), c(4000, 400000, 150), c(4500, 450000, null), c(5000, 500000, 200), c(5500, 550000, null)],
    brokerOffsets: [5700], currentLag: 200, nowSeconds: 600,
    flags: [false, false, false, false, true, false], status: 'OK' },
];

describe('Burrow 1.9 window checks', () => {
  for (const t of cases) {
    it(t.name, () => {
      const now = t.nowSeconds * 1000;
      assert.deepEqual(
        [isLagAlwaysNotZero(t.window), rewindIndex(t.window) > 0, offsetsStopped(t.window, now), offsetsStalled(t.window),
          lagNotDecreasing(t.window), recentLagZero(t.window, t.brokerOffsets)],
        t.flags,
      );
      const verdict = evaluatePartition({ window: t.window, currentLag: t.currentLag, brokerOffsets: t.brokerOffsets, now });
      assert.equal(verdict.status, t.status);
    });
  }

  it('truncates now to whole seconds as Burrow does', () => {
    assert.equal(burrowNowMs(1_000_999), 1_000_000);
    assert.equal(burrowNowMs(1_001_000), 1_001_000);
    const window = [c(10, 1_000_000, 5), c(20, 1_001_500, 6)]; // span 1500 ms, last at 1_001_500
    // At 1_003_999 ms the real idle time is 2499 ms, but Burrow sees now = 1_003_000: 1500 ms, equal to the span: not stopped.
    assert.equal(offsetsStopped(window, 1_003_999), false);
    assert.equal(offsetsStopped(window, 1_004_000), true);
  });

  it('skips null lags when looking for a decrease', () => {
    assert.equal(lagNotDecreasing([c(1, 1, 5), c(2, 2, null), c(3, 3, 4)]), false);
    assert.equal(lagNotDecreasing([c(1, 1, 5), c(2, 2, null), c(3, 3, 5)]), true);
    assert.equal(isLagAlwaysNotZero([c(1, 1, null), c(2, 2, 3)]), true);
  });
});
