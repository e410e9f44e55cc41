import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import fc from 'fast-check';
import { createStallWatchdog, decideStall, withStallWatchdog, type StallTrack } from '../../../src/supervision/stall-watchdog.js';
import { createLagMonitor, type RoleLagView, type WatchedSource } from '../../../src/supervision/lag-monitor.js';

const GRACE = 60_000;

/** Feeds observations (status, lag, committed offset, time) through decideStall; returns the restart times. */
function run(observations: ReadonlyArray<{ status: string; lag: number; committedOffset: number; now: number }>, grace = GRACE): number[] {
  let track: StallTrack | undefined;
  const restarts: number[] = [];
  for (const o of observations) {
    const d = decideStall(track, o, grace);
    track = d.track;
    if (d.restart) restarts.push(o.now);
  }
  return restarts;
}

describe('decideStall', () => {
  it('restarts a STOP partition with lag exactly once the grace period has passed', () => {
    const obs = [0, 10_000, 59_999, 60_000, 70_000].map((now) => ({ status: 'STOP', lag: 5, committedOffset: 100, now }));
    assert.deepEqual(run(obs), [60_000]);
  });

  it('treats STALL like STOP, and restarts again only after another full grace period', () => {
    const obs = [0, 60_000, 90_000, 119_999, 120_000].map((now) => ({ status: 'STALL', lag: 1, committedOffset: 7, now }));
    assert.deepEqual(run(obs), [60_000, 120_000]);
  });

  it('never restarts without lag, or on OK/WARN/REWIND verdicts', () => {
    const times = [0, 60_000, 120_000, 180_000];
    assert.deepEqual(run(times.map((now) => ({ status: 'STOP', lag: 0, committedOffset: 1, now }))), []);
    for (const status of ['OK', 'WARN', 'REWIND', 'NOTFOUND']) {
      assert.deepEqual(run(times.map((now) => ({ status, lag: 1000, committedOffset: 1, now }))), [], status);
    }
  });

  it('a forward commit restarts the clock; a healthy verdict clears it', () => {
    assert.deepEqual(run([
      { status: 'STOP', lag: 5, committedOffset: 100, now: 0 },
      { status: 'STOP', lag: 5, committedOffset: 101, now: 50_000 },
      { status: 'STOP', lag: 5, committedOffset: 101, now: 100_000 },
      { status: 'STOP', lag: 5, committedOffset: 101, now: 110_000 },
    ]), [110_000]);
    assert.deepEqual(run([
      { status: 'STOP', lag: 5, committedOffset: 100, now: 0 },
      { status: 'OK', lag: 5, committedOffset: 100, now: 50_000 },
      { status: 'STOP', lag: 5, committedOffset: 100, now: 60_000 },
      { status: 'STOP', lag: 5, committedOffset: 100, now: 119_999 },
    ]), []);
  });

  it('an actor respawned with no commit yet (offset -1) is not mistaken for progress', () => {
    assert.deepEqual(run([
      { status: 'STOP', lag: 5, committedOffset: 100, now: 0 },
      { status: 'STOP', lag: 5, committedOffset: -1, now: 30_000 },
      { status: 'STOP', lag: 5, committedOffset: 100, now: 60_000 },
    ]), [60_000]);
  });
});

describe('decideStall properties (simulated time)', () => {
  const steps = fc.array(fc.record({ dt: fc.integer({ min: 1, max: 30_000 }), status: fc.constantFrom('OK', 'WARN', 'STOP', 'STALL', 'REWIND'), lag: fc.integer({ min: 0, max: 10_000 }) }), { minLength: 1, maxLength: 60 });

  it('a partition whose committed offset moves forward at every check is never restarted', () => {
    fc.assert(fc.property(steps, fc.integer({ min: 1, max: 120_000 }), (s, grace) => {
      let now = 0;
      const obs = s.map((x, i) => ({ status: x.status, lag: x.lag, committedOffset: i, now: (now += x.dt) }));
      assert.deepEqual(run(obs, grace), []);
    }));
  });

  it('a partition stuck with lag and no progress is restarted at the first check at or past each grace period', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 60 }),
      fc.constantFrom('STOP', 'STALL'),
      fc.integer({ min: 1, max: 120_000 }),
      (gaps, status, grace) => {
        let now = 1_000_000;
        const times = [now, ...gaps.map((g) => (now += g))];
        const expected: number[] = [];
        let since = times[0]!;
        for (const t of times) {
          if (t - since >= grace) {
            expected.push(t);
            since = t;
          }
        }
        assert.deepEqual(run(times.map((t) => ({ status, lag: 3, committedOffset: 42, now: t })), grace), expected);
      },
    ));
  });

  it('restarts never come closer together than the grace period', () => {
    fc.assert(fc.property(steps, fc.integer({ min: 1, max: 120_000 }), (s, grace) => {
      let now = 0;
      const restarts = run(s.map((x) => ({ status: x.status, lag: x.lag, committedOffset: 5, now: (now += x.dt) })), grace);
      for (let i = 1; i < restarts.length; i += 1) assert.ok(restarts[i]! - restarts[i - 1]! >= grace);
    }));
  });
});

/** A source double: partitions with a state, committed offset and recorded restarts. */
function fakeSource() {
  const restarted: string[] = [];
  const listeners: Array<(c: { topic: string; partition: number; offset: number; highWatermark: number; at: number }) => void> = [];
  const parts = [{ topic: 't', partition: 0, state: 'flowing', committedOffset: 10 }];
  const source: WatchedSource & { restartPartition(topic: string, partition: number): Promise<boolean> } = {
    onCommit: (l) => { listeners.push(l); },
    state: () => 'running',
    partitions: () => parts.map((p) => ({ ...p, inFlight: 0, received: 0, completed: 0, lastReceivedOffset: 0, highWatermark: 0, lag: 0, pauses: 0, commitFailures: 0 })),
    async restartPartition(topic, partition) {
      restarted.push(`${topic}/${partition}`);
      return true;
    },
  };
  return { source, restarted, commit: (c: Parameters<(typeof listeners)[number]>[0]) => listeners.forEach((l) => l(c)), parts };
}

describe('createStallWatchdog with the lag monitor', () => {
  it('restarts a partition the monitor judges STOP with lag after the grace period, counts and skips revoked ones', async () => {
    let clock = 1_000_000;
    const registry = new Registry();
    const heads = new Map<number, number>([[0, 10]]);
    const monitor = createLagMonitor({ cluster: 'c', now: () => clock, fetchHeads: async () => heads, registry, minDistanceMs: 0 });
    const watchdog = createStallWatchdog({ graceMs: 30_000, now: () => clock, registry });
    const wrapped = withStallWatchdog(monitor, watchdog);
    const f = fakeSource();
    wrapped.hookFor('consumers/a').watchSource('g', f.source);
    // Ten commits a second apart, caught up, then the head moves on and commits stop.
    for (let i = 1; i <= 10; i += 1) {
      f.commit({ topic: 't', partition: 0, offset: i, highWatermark: i, at: clock });
      clock += 1000;
    }
    heads.set(0, 500);
    await monitor.pollHeads();
    assert.equal(await watchdog.check(), 0, 'just stopped: not STOP yet');
    clock += 20_000; // idle longer than the 9 s window: Burrow rule 4
    assert.equal(monitor.roleView('consumers/a')!.partitions[0]!.status, 'STOP');
    assert.equal(await watchdog.check(), 0, 'stuck, grace starts');
    clock += 29_999;
    assert.equal(await watchdog.check(), 0);
    clock += 1;
    assert.equal(await watchdog.check(), 1);
    assert.deepEqual(f.restarted, ['t/0']);
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === 'eventlogging_partition_restarts_total');
    assert.deepEqual(m?.values.map((v) => [v.labels, v.value]), [[{ role: 'consumers/a', topic: 't', partition: '0' }, 1]]);

    // Revoked (not held here): never restarted, whatever its verdict.
    f.parts.length = 0;
    clock += 120_000;
    assert.equal(await watchdog.check(), 0);
    assert.deepEqual(f.restarted, ['t/0']);
  });

  it('a role view that is missing or healthy restarts nothing; failing restarts are logged, not thrown', async () => {
    const registry = new Registry();
    let clock = 0;
    const watchdog = createStallWatchdog({ graceMs: 1000, now: () => clock, registry });
    const view: RoleLagView = { group: 'g', supervisorState: 'running', status: 'ERR', complete: 1, totalLag: 9, partitions: [
      { topic: 't', partition: 1, state: 'flowing', inFlight: 0, committedOffset: 3, lag: 9, status: 'STALL', rule: 'stalled', explanation: '', window: [] },
    ] };
    let calls = 0;
    watchdog.watch('r', () => undefined, { restartPartition: async () => { calls += 1; return true; } });
    watchdog.watch('s', () => view, { restartPartition: async () => { calls += 1; throw new Error('boom'); } });
    assert.equal(await watchdog.check(), 0);
    clock = 1000;
    assert.equal(await watchdog.check(), 0, 'the restart threw: not counted');
    assert.equal(calls, 1);
  });
});
