/**
 * Conformance with Burrow's evaluator and storage tests (linkedin/Burrow at ced55ba:
 * core/internal/evaluator/caching_test.go, core/internal/storage/inmemory_test.go): every
 * partition-level case of `TestCachingEvaluator_CheckRules`, restated as our fixture, judged by
 * the domain rules, by `eventlogging lag explain` fed Burrow's own JSON, and by the lag monitor
 * fed the same commits; the storage cases of `addConsumerOffset`; the group cases.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { evaluatePartition } from '../../src/domain/burrow/evaluate-partition.js';
import { evaluateGroup } from '../../src/domain/burrow/evaluate-group.js';
import { storeCommit } from '../../src/domain/burrow/lag-window.js';
import type { Commit, LagStatus } from '../../src/domain/burrow/partition-status.js';
import {
  isLagAlwaysNotZero, lagNotDecreasing, offsetsStalled, offsetsStopped, recentLagZero, rewindIndex,
} from '../../src/domain/burrow/window-rules.js';
import { lagCommand } from '../../src/cli/commands/lag.js';
import { createLagMonitor } from '../../src/supervision/lag-monitor.js';
import { runInProcess } from '../helpers/cli.js';

interface Case {
  readonly name: string;
  /** (offset, order, timestamp ms, lag) as Burrow's fixture lists them. */
  readonly offsets: readonly (readonly [number, number, number, number | null])[];
  readonly brokerOffsets: readonly number[];
  readonly currentLag: number;
  readonly timeNow: number;
  readonly allowedLag: number;
  /** isLagAlwaysNotZero, checkIfOffsetsRewind (index), stopped, stalled, lag not decreasing, recent lag zero. */
  readonly rules: readonly [boolean, number, boolean, boolean, boolean, boolean];
  readonly status: LagStatus;
  /** Why the lag monitor cannot be fed this window, when it cannot. */
  readonly notForMonitor?: string;
  /** The current lag a real broker gives where the fixture's own does not follow from its offsets. */
  readonly monitorLag?: number;
}

const five = (offsets: number[], lags: number[]): Case['offsets'] => offsets.map((o, i) => [o, i + 1, (i + 1) * 100_000, lags[i]!] as const);
const rising = [1000, 2000, 3000, 4000, 5000];
const stuck = [1000, 1000, 1000, 1000, 1000];
const idleTimes = [
  1512224618356, 1512224619362, 1512224620366, 1512224621367, 1512224622370, 1512224623373, 1512224624378,
  1512224625379, 1512224626383, 1512224627383, 1512224628383, 1512224629388, 1512224630391, 1512224631394, 1512224632397,
];
const idle: Case['offsets'] = idleTimes.map((t, i) => [792748079 + i, i + 1, t, 0] as const);

const CASES: readonly Case[] = [
  { name: '#0 zero lag in the window is OK', offsets: five(rising, [0, 50, 100, 150, 200]), brokerOffsets: [5200], currentLag: 200, timeNow: 600, allowedLag: 0,
    rules: [false, -1, false, false, true, false], status: 'OK' },
  { name: '#1 idle exactly the window span is not stopped', offsets: five(rising, [0, 50, 100, 150, 200]), brokerOffsets: [5200], currentLag: 200, timeNow: 900, allowedLag: 0,
    rules: [false, -1, false, false, true, false], status: 'OK' },
  { name: '#2 stopped even with zero lag earlier (#290)', offsets: five(rising, [0, 50, 100, 150, 200]), brokerOffsets: [5200], currentLag: 200, timeNow: 1000, allowedLag: 0,
    rules: [false, -1, true, false, true, false], status: 'STOP' },
  { name: '#3 stopped with lag never zero', offsets: five(rising, [50, 100, 150, 200, 250]), brokerOffsets: [5250], currentLag: 250, timeNow: 1000, allowedLag: 0,
    rules: [true, -1, true, false, true, false], status: 'STOP' },
  { name: '#4 zero lag wins over a stall', offsets: five(stuck, [0, 50, 100, 150, 200]), brokerOffsets: [1200], currentLag: 200, timeNow: 600, allowedLag: 0,
    rules: [false, -1, false, true, true, false], status: 'OK' },
  { name: '#5 STALL', offsets: five(stuck, [100, 150, 200, 250, 300]), brokerOffsets: [1300], currentLag: 300, timeNow: 600, allowedLag: 0,
    rules: [true, -1, false, true, true, false], status: 'STALL' },
  { name: '#6 STALL with a constant lag', offsets: five(stuck, [100, 100, 100, 100, 100]), brokerOffsets: [1100], currentLag: 100, timeNow: 600, allowedLag: 0,
    rules: [true, -1, false, true, true, false], status: 'STALL' },
  { name: '#7 a recovered rewind is OK (#716)', offsets: five([1000, 2000, 3000, 2000, 4000], [100, 150, 200, 1250, 300]), brokerOffsets: [4300], currentLag: 300, timeNow: 600, allowedLag: 0,
    rules: [true, 3, false, false, false, false], status: 'OK' },
  { name: '#8 current lag 0 is OK even when stopped', offsets: five(rising, [50, 100, 150, 200, 250]), brokerOffsets: [5250], currentLag: 0, timeNow: 1000, allowedLag: 0,
    rules: [true, -1, true, false, true, false], status: 'OK',
    notForMonitor: 'a current lag of 0 with a broker head of 5250 past the last commit (5000) cannot be observed: the monitor computes the current lag from that head' },
  { name: '#9 stopped by timestamps with lag always zero (#290)', offsets: idle, brokerOffsets: [792749024, 792749000, 792748800, 792748600, 792748500], currentLag: 931, timeNow: 1512224650, allowedLag: 0,
    rules: [false, -1, true, false, true, false], status: 'STOP' },
  { name: '#10 not stopped when a recent broker head shows zero lag (#303)', offsets: idle, brokerOffsets: [792748094, 792748093, 792748093, 792748093], currentLag: 1, timeNow: 1512224650, allowedLag: 0,
    rules: [false, -1, true, false, true, true], status: 'OK' },
  { name: '#11 null lags change nothing', offsets: [
    [1000, 10, 100000, 0], [1500, 15, 150000, null], [2000, 20, 200000, 50], [2500, 25, 250000, null], [3000, 30, 300000, 100],
    [3500, 35, 350000, null], [4000, 40, 400000, 150], [4500, 45, 450000, null], [5000, 50, 500000, 200], [5500, 55, 550000, null]],
  brokerOffsets: [5700], currentLag: 200, timeNow: 600, allowedLag: 0, rules: [false, -1, false, false, true, false], status: 'OK',
  notForMonitor: 'null lags come from commits stored out of arrival order; the monitor observes commits in order (the storage cases cover the insertion)' },
  { name: '#12 within allowed-lag', offsets: [[1000, 1, 100000, 2], [2000, 2, 200000, 1], [2000, 2, 300000, 1]], brokerOffsets: [2001], currentLag: 1, timeNow: 550, allowedLag: 1,
    rules: [false, -1, true, false, false, false], status: 'OK',
    notForMonitor: 'two commits with the same order: Burrow\'s storage would drop the second, the evaluator test feeds them directly' },
  { name: '#13 STALL with allowed-lag 99', offsets: five(stuck, [100, 150, 200, 250, 300]), brokerOffsets: [1300], currentLag: 300, timeNow: 600, allowedLag: 99,
    rules: [true, -1, false, true, true, false], status: 'STALL' },
  { name: '#14 a recovered rewind with allowed-lag 99', offsets: five([1000, 2000, 3000, 2000, 4000], [100, 150, 200, 1250, 300]), brokerOffsets: [4300], currentLag: 300, timeNow: 600, allowedLag: 99,
    rules: [true, 3, false, false, false, false], status: 'OK' },
  { name: '#15 REWIND: never back to the offset it rewound from', offsets: five([1000, 2000, 3000, 2000, 2500], [100, 150, 200, 1250, 300]), brokerOffsets: [4300], currentLag: 300, timeNow: 600, allowedLag: 0,
    rules: [true, 3, false, false, false, false], status: 'REWIND',
    // Burrow's fixture says current lag 300 beside a broker offset of 4300 and a last commit at 2500;
    // fed to the monitor, the same head gives 1800, and the verdict is the same.
    monitorLag: 1800 },
];

const windowOf = (c: Case): Commit[] => c.offsets.map(([offset, order, timestamp, lag]) => ({ offset, order, timestamp, lag }));

describe('caching_test.go TestCachingEvaluator_CheckRules: the rules one by one', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const w = windowOf(c);
      const now = c.timeNow * 1000;
      assert.deepEqual([
        isLagAlwaysNotZero(w, c.allowedLag), rewindIndex(w), offsetsStopped(w, now), offsetsStalled(w), lagNotDecreasing(w), recentLagZero(w, c.brokerOffsets),
      ], [...c.rules]);
    });
  }
});

describe('caching_test.go TestCachingEvaluator_CheckRules: the verdict', () => {
  for (const c of CASES) {
    it(`${c.name} → ${c.status}`, () => {
      const v = evaluatePartition({ window: windowOf(c), currentLag: c.currentLag, brokerOffsets: c.brokerOffsets, now: c.timeNow * 1000, allowedLag: c.allowedLag });
      assert.equal(v.status, c.status, v.explanation);
    });
  }
});

describe('caching_test.go TestCachingEvaluator_CheckRules: `lag explain` on Burrow\'s own JSON', () => {
  for (const c of CASES) {
    it(`${c.name} → ${c.status}`, async () => {
      // One partition as /v3/kafka/<cluster>/consumer/<group> shows it: unused slots as leading
      // nulls, observedAt on every entry, current-lag spelled with a hyphen; plus the evaluation
      // inputs Burrow takes from its own state (broker offsets, the clock, allowed-lag).
      const slots = Math.max(10, c.offsets.length);
      const partition = {
        offsets: [
          ...Array<null>(slots - c.offsets.length).fill(null),
          ...c.offsets.map(([offset, order, timestamp, lag]) => ({ offset, timestamp, observedAt: timestamp + 1000, lag, order })),
        ],
        owner: '/10.0.0.1', client_id: 'eventlogging', 'current-lag': c.currentLag,
        brokerOffsets: c.brokerOffsets, now: c.timeNow * 1000, allowedLag: c.allowedLag,
      };
      const r = await runInProcess((a, io) => lagCommand.run(a, io), ['explain', '--json'], { stdin: JSON.stringify(partition), env: {} });
      assert.equal(r.code, 0, r.err);
      assert.equal(JSON.parse(r.out).status, c.status);
    });
  }
});

// Three cases hold windows the monitor cannot be fed (see `notForMonitor`): the rules and `lag explain`
// judge them above; the monitor is fed every other case.
describe('caching_test.go TestCachingEvaluator_CheckRules: the lag monitor fed the same commits', () => {
  for (const c of CASES.filter((k) => k.notForMonitor === undefined)) {
    it(`${c.name} → ${c.status}`, async () => {
      let clock = 0;
      let heads: number[] = [];
      const monitor = createLagMonitor({
        cluster: 'local', registry: new Registry(), now: () => clock, intervals: c.offsets.length, minDistanceMs: 0,
        allowedLag: c.allowedLag, fetchHeads: async () => new Map([[0, heads.shift()!]]),
      });
      // Each commit arrives with the head it was made against (its lag), in arrival order.
      for (const [offset, , timestamp, lag] of c.offsets) {
        clock = timestamp;
        monitor.recordCommit('g', { topic: 't', partition: 0, offset, at: timestamp, highWatermark: offset + lag! });
      }
      // Then the broker offsets Burrow holds, polled oldest first.
      heads = [...c.brokerOffsets].reverse();
      for (let i = 0; i < c.brokerOffsets.length; i++) await monitor.pollHeads();
      clock = c.timeNow * 1000;
      const p = monitor.groupStatus('g')!.partitions[0]!;
      assert.equal(p.currentLag, c.monitorLag ?? c.currentLag);
      assert.equal(p.status, c.status, p.explanation);
      await monitor.stop();
    });
  }
});

describe('inmemory_test.go TestInMemoryStorage_addConsumerOffset: windows kept by arrival order', () => {
  /** Stores (offset, order, timestamp) commits with Burrow's fixture settings (10 intervals, min-distance 1 s). */
  function store(head: number, commits: readonly (readonly [number, number, number])[]): (readonly [number, number, number, number | null])[] {
    let w: readonly Commit[] = [];
    for (const [offset, order, timestamp] of commits) w = storeCommit(w, { offset, order, timestamp }, head, { intervals: 10, minDistanceMs: 1000 });
    return w.map((c) => [c.offset, c.order!, c.timestamp, c.lag] as const);
  }
  const ten = Array.from({ length: 10 }, (_, i) => [(i + 1) * 1000, (i + 1) * 10, (i + 1) * 100_000] as const);

  it('0 append: lags against the head', () => {
    const w = store(5000, [1, 2, 3, 4, 5].map((i) => [i * 1000, i, i * 100_000] as const));
    assert.deepEqual(w.map((c) => c[3]), [4000, 3000, 2000, 1000, 0]);
  });

  it('1 prepend until full: older orders go in front with an unknown lag; past a full window they are dropped', () => {
    const w = store(5000, [
      [1000, 20, 100000], [2000, 30, 200000], [3000, 15, 300000],
      ...[900, 800, 700, 600, 500, 400, 300, 200, 100].map((o, i) => [o, 14 - i, 300000] as const),
    ]);
    assert.deepEqual(w, [
      [300, 8, 300000, null], [400, 9, 300000, null], [500, 10, 300000, null], [600, 11, 300000, null], [700, 12, 300000, null],
      [800, 13, 300000, null], [900, 14, 300000, null], [3000, 15, 300000, null], [1000, 20, 100000, 4000], [2000, 30, 200000, 3000],
    ]);
  });

  it('2 insert in the middle', () => {
    assert.deepEqual(store(5000, [[1000, 20, 100000], [2000, 30, 300000], [3000, 40, 400000], [1500, 25, 200000]]), [
      [1000, 20, 100000, 4000], [1500, 25, 200000, null], [2000, 30, 300000, 3000], [3000, 40, 400000, 2000],
    ]);
  });

  it('3 insert into a full window pushes the oldest out', () => {
    const w = store(10000, [...ten, [5500, 55, 550000]]);
    assert.deepEqual(w.map((c) => [c[0], c[3]]), [
      [2000, 8000], [3000, 7000], [4000, 6000], [5000, 5000], [5500, null], [6000, 4000], [7000, 3000], [8000, 2000], [9000, 1000], [10000, 0],
    ]);
  });

  it('4 an order between the oldest two of a full window replaces the oldest', () => {
    const w = store(10000, [...ten, [1500, 15, 150000]]);
    assert.deepEqual(w[0], [1500, 15, 150000, null]);
    assert.deepEqual(w.slice(1).map((c) => c[3]), [8000, 7000, 6000, 5000, 4000, 3000, 2000, 1000, 0]);
  });

  it('5 a commit within min-distance of the newest replaces it, keeping its timestamp', () => {
    const w = store(10000, [...ten.slice(0, 5), [6000, 60, 500001]]);
    assert.deepEqual(w, [[1000, 10, 100000, 9000], [2000, 20, 200000, 8000], [3000, 30, 300000, 7000], [4000, 40, 400000, 6000], [6000, 60, 500000, 4000]]);
  });

  it('6 an inserted commit within min-distance of the entry before it replaces that entry, lag unknown', () => {
    const w = store(10000, [...ten.slice(0, 5), [4500, 45, 400001]]);
    assert.deepEqual(w, [[1000, 10, 100000, 9000], [2000, 20, 200000, 8000], [3000, 30, 300000, 7000], [4500, 45, 400000, null], [5000, 50, 500000, 5000]]);
  });

  it('a commit arriving before any broker head is known is not stored', () => {
    assert.deepEqual(storeCommit([], { offset: 1, order: 1, timestamp: 1 }, null, { intervals: 10 }), []);
  });
});

describe('caching_test.go: groups', () => {
  const now = 1_700_000_000_000;
  const start = now - 100_000;
  const commits = (n: number): Commit[] => Array.from({ length: n }, (_, i) => ({ offset: 1000 + 100 * i, timestamp: start + 10_000 * i, lag: 4321 - (1000 + 100 * i), order: i + 10 }));

  it('TestCachingEvaluator_SingleRequest: a full window committing steadily is OK, complete 1, total lag 2421', () => {
    const g = evaluateGroup([{ topic: 'testtopic', partition: 0, window: commits(10), currentLag: 2421, brokerOffsets: [4321], now, intervals: 10 }]);
    assert.deepEqual([g.status, g.complete, g.totalPartitions, g.totalLag], ['OK', 1, 1, 2421]);
  });

  it('TestCachingEvaluator_SingleRequest_Incomplete: 5 of 10 slots, stopped → partition STOP complete 0.5, group ERR complete 0', () => {
    const g = evaluateGroup([{ topic: 'testtopic', partition: 0, window: commits(5), currentLag: 2921, brokerOffsets: [4321], now, intervals: 10 }]);
    assert.deepEqual([g.status, g.complete, g.totalLag], ['ERR', 0, 2921]);
    assert.deepEqual([g.partitions[0]!.status, g.partitions[0]!.complete], ['STOP', 0.5]);
    assert.deepEqual([g.maxLag!.start!.offset, g.maxLag!.end!.offset], [1000, 1400]);
  });

  it('TestCachingEvaluator_Start: an unknown group is NOTFOUND (complete 1)', () => {
    assert.deepEqual([evaluateGroup(null).status, evaluateGroup(null).complete], ['NOTFOUND', 1]);
  });

  it('TestCachingEvaluator_TopicDeleted: a group with no partitions is OK with complete 0', () => {
    assert.deepEqual([evaluateGroup([]).status, evaluateGroup([]).complete], ['OK', 0]);
  });
});
