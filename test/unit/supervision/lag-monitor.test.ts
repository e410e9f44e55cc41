import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLagMonitor, type CommittedOffset, type LagMonitorOptions, type WatchedSource } from '../../../src/supervision/lag-monitor.js';
import type { PartitionStatus } from '../../../src/actors/partition-status.js';

const T0 = 1_700_000_000_000;

function harness(overrides: Partial<LagMonitorOptions> = {}) {
  let clock = T0;
  const heads = new Map<string, Map<number, number>>();
  const fetched: string[] = [];
  const registry = new Registry();
  const monitor = createLagMonitor({
    cluster: 'local',
    now: () => clock,
    registry,
    intervals: 5,
    minDistanceMs: 1000,
    fetchHeads: async (topic) => {
      fetched.push(topic);
      return heads.get(topic) ?? new Map();
    },
    ...overrides,
  });
  return {
    monitor,
    registry,
    fetched,
    setHead: (topic: string, partition: number, head: number) => {
      const m = heads.get(topic) ?? new Map<number, number>();
      m.set(partition, head);
      heads.set(topic, m);
    },
    at: (ms: number) => { clock = T0 + ms; },
  };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

test('commits build a Burrow window: lag against the known head, min-distance merge, capped at intervals', async () => {
  const h = harness();
  h.setHead('t', 0, 100);
  // Before any poll and without a high-watermark, the lag of a commit is unknown: Burrow does not store it.
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 40, at: T0 - 300 });
  assert.equal(h.monitor.groupStatus('g')!.partitions[0]!.end, null);
  await h.monitor.pollHeads();
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 45, at: T0 });
  // 300 ms later: closer than min-distance, so it replaces the previous entry but keeps its timestamp.
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 50, at: T0 + 300 });
  let report = h.monitor.groupStatus('g')!;
  assert.deepEqual(report.partitions[0]!.start, { offset: 50, timestamp: T0, lag: 50 });
  // The committer's high-watermark (120) is newer than the polled head (100).
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 60, highWatermark: 120, at: T0 + 2000 });
  report = h.monitor.groupStatus('g')!;
  assert.deepEqual(report.partitions[0]!.end, { offset: 60, timestamp: T0 + 2000, lag: 60 });
  for (let i = 1; i <= 6; i++) h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 60 + i * 10, at: T0 + 2000 + i * 2000 });
  report = h.monitor.groupStatus('g')!;
  assert.equal(report.partitions[0]!.complete, 1);
  assert.equal(report.partitions[0]!.start!.offset, 80, 'the oldest commits fell out of the 5-commit window');
  assert.equal(report.partitions[0]!.end!.offset, 120);
  // Commits are ordered by arrival, as Burrow orders them, not by their timestamps: one that
  // arrives last is the newest, whatever time it carries.
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 5, at: T0 + 1 });
  // Closer than min-distance to the previous entry (here: before it), so it replaces it and keeps
  // its timestamp, a quirk Burrow has too.
  assert.deepEqual(h.monitor.groupStatus("g")!.partitions[0]!.end, { offset: 5, timestamp: T0 + 14000, lag: 115 });
});

test('a consumer that keeps up is OK; one that stops committing while data arrives turns STOP (rule 4), group ERR', async () => {
  const h = harness();
  // Commits every 2 s, each at the head that existed when it was made.
  for (let i = 0; i < 5; i++) {
    h.at(i * 2000);
    h.setHead('t', 0, 100 + i * 10);
    await h.monitor.pollHeads();
    h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 100 + i * 10, highWatermark: 100 + i * 10, at: T0 + i * 2000 });
  }
  h.at(8500);
  let report = h.monitor.groupStatus('g')!;
  assert.equal(report.status, 'OK');
  assert.equal(report.partitions[0]!.rule, 'no-lag');

  // Commits stop at offset 140 while the head keeps moving; the window spans 8 s.
  for (let i = 1; i <= 9; i++) {
    h.at(8000 + i * 1000);
    h.setHead('t', 0, 140 + i * 50);
    await h.monitor.pollHeads();
  }
  h.at(8000 + 8000); // idle 8 s = the span: not yet stopped
  assert.notEqual(h.monitor.groupStatus('g')!.partitions[0]!.status, 'STOP');
  h.at(8000 + 9000); // idle 9 s > 8 s span
  report = h.monitor.groupStatus('g')!;
  assert.equal(report.partitions[0]!.status, 'STOP');
  assert.equal(report.partitions[0]!.rule, 'rule4-stopped');
  assert.equal(report.status, 'ERR');
  assert.equal(report.partitions[0]!.currentLag, 590 - 140);
  assert.equal(report.totalLag, 450);
});

test('an idle consumer at the head is not stopped: a recent broker head at its offset keeps it OK', async () => {
  const h = harness({ brokerHistory: 3 });
  for (let i = 0; i < 3; i++) {
    h.at(i * 1000);
    h.setHead('t', 0, 10 + i);
    await h.monitor.pollHeads();
    h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 10 + i, highWatermark: 10 + i, at: T0 + i * 1000 });
  }
  // Long idle, one new message: current lag 1, but the recent heads include 12 (the last commit).
  h.at(20_000);
  h.setHead('t', 0, 13);
  await h.monitor.pollHeads();
  const p = h.monitor.groupStatus('g')!.partitions[0]!;
  assert.equal(p.status, 'OK');
  assert.equal(p.rule, 'caught-up-recently');
  // Once the history (3 polls) holds only heads past the last commit, it is a real stop.
  await h.monitor.pollHeads();
  await h.monitor.pollHeads();
  assert.equal(h.monitor.groupStatus('g')!.partitions[0]!.status, 'STOP');
});

test('evaluate exports lag, partition and group status codes and completeness; forgetGroup removes them', async () => {
  const h = harness();
  h.setHead('t', 0, 50);
  h.setHead('t', 1, 10);
  // Heads are polled for the partitions commits were seen on; a commit seen before its head is
  // known is not stored (Burrow), so each partition commits once more after the first poll.
  for (let i = 0; i < 2; i++) {
    h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 20, at: T0 });
    h.monitor.recordCommit('g', { topic: 't', partition: 1, offset: 10, at: T0 });
    await h.monitor.pollHeads();
  }
  h.at(60_000); // idle far longer than the (zero) span, current lag 30 on partition 0
  const [report] = h.monitor.evaluate();
  assert.equal(report!.status, 'ERR');
  assert.equal(await metric(h.registry, 'eventlogging_lag_messages', { group: 'g', topic: 't', partition: '0' }), 30);
  assert.equal(await metric(h.registry, 'eventlogging_lag_messages', { group: 'g', topic: 't', partition: '1' }), 0);
  assert.equal(await metric(h.registry, 'eventlogging_lag_partition_status_code', { group: 'g', topic: 't', partition: '0' }), 4);
  assert.equal(await metric(h.registry, 'eventlogging_lag_partition_status_code', { group: 'g', topic: 't', partition: '1' }), 1);
  assert.equal(await metric(h.registry, 'eventlogging_lag_group_status_code', { group: 'g' }), 3);
  assert.equal(await metric(h.registry, 'eventlogging_lag_group_complete_ratio', { group: 'g' }), 0, '1 of 5 commits: not complete');
  const help = (await h.registry.getSingleMetric('eventlogging_lag_group_status_code')!.get()).help;
  assert.match(help, /0 NOTFOUND, 1 OK, 2 WARN, 3 ERR/);

  assert.deepEqual(h.monitor.groups(), ['g']);
  assert.equal(h.monitor.forgetGroup('g'), true);
  assert.equal(h.monitor.forgetGroup('g'), false);
  assert.deepEqual(h.monitor.groups(), []);
  assert.equal(h.monitor.groupStatus('g'), null);
  assert.equal(await metric(h.registry, 'eventlogging_lag_group_status_code', { group: 'g' }), undefined);
  assert.equal(await metric(h.registry, 'eventlogging_lag_messages', { group: 'g', topic: 't', partition: '0' }), undefined);
  // A new commit recreates the window from scratch.
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 50, at: T0 + 61_000 });
  assert.equal(h.monitor.groupStatus('g')!.partitions.length, 1);
  assert.equal(h.monitor.groupStatus('g')!.status, 'OK');
});

test('pollHeads keeps the newest heads first, capped, and survives a failing fetch', async () => {
  let fail = false;
  const warnings: unknown[] = [];
  const logger = { warn: (o: unknown) => warnings.push(o), info: () => {} } as never;
  let head = 0;
  const h = harness({
    brokerHistory: 2,
    logger,
    fetchHeads: async () => {
      if (fail) throw new Error('broker down');
      head += 10;
      return new Map([[0, head]]);
    },
  });
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 5, at: T0 });
  await h.monitor.pollHeads();
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 5, at: T0 });
  await h.monitor.pollHeads();
  await h.monitor.pollHeads();
  fail = true;
  await h.monitor.pollHeads();
  assert.equal(warnings.length, 1);
  // Heads 30 and 20 are kept (newest first); current lag uses the newest.
  assert.equal(h.monitor.groupStatus('g')!.partitions[0]!.currentLag, 25);
});

test('watched groups are polled for committed offsets; only a changed offset counts as a commit', async () => {
  const answers: CommittedOffset[][] = [
    [{ topic: 't', partition: 0, offset: 10 }, { topic: 't', partition: 1, offset: -1 }],
    [{ topic: 't', partition: 0, offset: 10 }],
    [{ topic: 't', partition: 0, offset: 30 }],
  ];
  const asked: string[] = [];
  const h = harness({
    watchGroups: ['other'],
    fetchGroupOffsets: async (group) => {
      asked.push(group);
      return answers.shift() ?? [];
    },
  });
  h.setHead('t', 0, 40);
  h.at(0);
  await h.monitor.pollGroups();
  await h.monitor.pollHeads();
  h.at(2000);
  await h.monitor.pollGroups();
  h.at(4000);
  await h.monitor.pollGroups();
  const report = h.monitor.groupStatus('other')!;
  assert.deepEqual(asked, ['other', 'other', 'other']);
  assert.equal(report.partitions.length, 1, 'a partition with no committed offset (-1) is not tracked');
  const p = report.partitions[0]!;
  // The first answer came before any broker head: Burrow does not store a commit without a lag,
  // so the unchanged offset seen next, with a head, is the first entry.
  assert.deepEqual(p.start, { offset: 10, timestamp: T0 + 2000, lag: 30 });
  assert.deepEqual(p.end, { offset: 30, timestamp: T0 + 4000, lag: 10 });
  h.monitor.watchGroup('late');
  await h.monitor.pollGroups();
  assert.deepEqual(asked.slice(3), ['other', 'late']);
});

test('roleView merges the source partitions (actor state, in flight) with the verdicts', async () => {
  const h = harness();
  let listener: Parameters<WatchedSource['onCommit']>[0] = () => {};
  const part = (partition: number, state: string): PartitionStatus => ({
    topic: 't', partition, state, inFlight: 3, received: 10, completed: 7, committedOffset: 7, lastReceivedOffset: 9,
    highWatermark: 12, lag: 5, pauses: 0, commitFailures: 0,
  });
  const source: WatchedSource = {
    onCommit: (l) => { listener = l; },
    state: () => 'running',
    partitions: () => [part(1, 'flowing'), part(0, 'backpressured')],
  };
  h.monitor.watchSource('consumers/mysql', 'grp', source);
  listener({ topic: 't', partition: 0, offset: 12, highWatermark: 12, at: T0 });
  listener({ topic: 't', partition: 2, offset: 4, highWatermark: 4, at: T0 });
  h.at(500);
  const view = h.monitor.roleView('consumers/mysql')!;
  assert.equal(view.group, 'grp');
  assert.equal(view.supervisorState, 'running');
  assert.equal(view.status, 'OK');
  assert.deepEqual(view.partitions.map((p) => [p.partition, p.state, p.lag, p.status, p.rule]), [
    [0, 'backpressured', 0, 'OK', 'no-lag'],
    [1, 'flowing', 5, 'OK', 'no-commits'],
    [2, 'revoked', 0, 'OK', 'no-lag'],
  ]);
  assert.equal(view.partitions[0]!.inFlight, 3);
  // Each partition carries the window its verdict was judged on (the console's sparkline).
  assert.deepEqual(view.partitions.map((p) => p.window), [[{ offset: 12, lag: 0 }], [], [{ offset: 4, lag: 0 }]]);
  assert.equal(h.monitor.groupStatus('grp')!.partitions[0]!.owner, 'consumers/mysql');
  assert.equal(h.monitor.roleView('nobody'), undefined);
  // The poll covers topics of watched sources.
  await h.monitor.pollHeads();
  assert.deepEqual(h.fetched, ['t']);
});

test('start polls and evaluates on timers; stop clears them and closes the I/O', async () => {
  let closed = 0;
  const h = harness({ pollIntervalMs: 10, evaluateEveryMs: 10, close: async () => { closed++; } });
  h.monitor.recordCommit('g', { topic: 't', partition: 0, offset: 1, at: T0 });
  h.monitor.start();
  await new Promise((r) => setTimeout(r, 60));
  await h.monitor.stop();
  const polls = h.fetched.length;
  assert.ok(polls >= 2, `polled ${polls} times`);
  assert.equal(await metric(h.registry, 'eventlogging_lag_group_status_code', { group: 'g' }), 1);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(h.fetched.length, polls, 'no poll after stop');
  assert.equal(closed, 1);
});

test('createKafkaLagMonitor builds its admin client from the first role that reports brokers', async () => {
  const { createKafkaLagMonitor } = await import('../../../src/supervision/kafka-lag-monitor.js');
  const made: string[][] = [];
  let disconnected = 0;
  const fakeKafka = (brokers: readonly string[]) => {
    made.push([...brokers]);
    return {
      admin: () => ({
        connect: async () => {},
        disconnect: async () => { disconnected++; },
        fetchTopicOffsets: async () => [{ partition: 0, offset: '90', high: '90', low: '0' }],
        fetchOffsets: async () => [],
      }),
    } as never;
  };
  const monitor = createKafkaLagMonitor({ createKafka: fakeKafka, registry: new Registry(), now: () => T0 + 5000, minDistanceMs: 0 });
  monitor.recordCommit('g', { topic: 't', partition: 0, offset: 40, highWatermark: 40, at: T0 });
  await monitor.pollHeads();
  assert.equal(monitor.groupStatus('g')!.partitions[0]!.currentLag, 0, 'no brokers yet: no heads polled');
  const source: WatchedSource = { onCommit: () => {}, state: () => 'running', partitions: () => [] };
  monitor.hookFor('consumers/a').watchSource('g', source, ['b1:9092']);
  monitor.hookFor('consumers/b').watchSource('g2', source, ['b2:9092']);
  await monitor.pollHeads();
  assert.deepEqual(made, [['b1:9092']]);
  assert.equal(monitor.groupStatus('g')!.partitions[0]!.currentLag, 50);
  await monitor.stop();
  assert.equal(disconnected, 1);
});

test('daemon wiring: roles get a hook, /status shows lag per role, /v3/kafka is served, `eventlogging status` reads it', async () => {
  const { startDaemon } = await import('../../../src/daemon/daemon.js');
  const { statusCommand } = await import('../../../src/cli/commands/status.js');
  const { PassThrough } = await import('node:stream');
  const { pino } = await import('pino');
  let clock = T0;
  const registry = new Registry();
  const monitor = createLagMonitor({
    cluster: 'local', now: () => clock, registry, intervals: 3, minDistanceMs: 0,
    fetchHeads: async () => new Map([[0, 100]]),
  });
  let emit: Parameters<WatchedSource['onCommit']>[0] = () => {};
  const source: WatchedSource = {
    onCommit: (l) => { emit = l; },
    state: () => 'running',
    partitions: () => [{
      topic: 't', partition: 0, state: 'flowing', inFlight: 0, received: 1, completed: 1, committedOffset: 100,
      lastReceivedOffset: 99, highWatermark: 100, lag: 0, pauses: 0, commitFailures: 0,
    }],
  };
  const spec = { kind: 'consumers' as const, name: 'm', file: 'consumers/m', config: {} as never };
  const daemon = await startDaemon({
    specs: [spec], logger: pino({ level: 'silent' }), registry, admin: { host: '127.0.0.1', port: 0 }, lagMonitor: monitor,
    factories: {
      consumers: (s, deps) => {
        deps.lagMonitor?.watchSource('grp', source);
        return { spec: s, start: async () => {}, stop: async () => {}, status: () => ({ kind: s.kind, name: s.name, state: 'running', healthy: true, ready: true }) };
      },
    },
  });
  const base = `http://${daemon.adminAddress()}`;
  const runStatus = async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => (out += d));
    const code = await statusCommand.run(['--admin', base], { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {}, stopSignal: new AbortController().signal });
    return { code, out };
  };
  try {
    // Lag 5 then 10: offsets move but the lag grows (WARN, lag-increasing).
    emit({ topic: 't', partition: 0, offset: 90, highWatermark: 95, at: T0 });
    emit({ topic: 't', partition: 0, offset: 95, highWatermark: 105, at: T0 + 1000 });
    await monitor.pollHeads();
    clock = T0 + 1500;
    const status = daemon.status() as { roles: Array<{ lag?: { group: string; partitions: Array<{ status: string; rule: string; lag: number }> } }> };
    assert.equal(status.roles[0]!.lag!.group, 'grp');
    assert.equal(status.roles[0]!.lag!.partitions[0]!.status, 'WARN');
    assert.equal(status.roles[0]!.lag!.partitions[0]!.rule, 'lag-increasing');
    assert.equal(status.roles[0]!.lag!.partitions[0]!.lag, 10);
    const res = await fetch(`${base}/v3/kafka/local/consumer/grp/lag`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: { status: string } }).status.status, 'WARN');
    // The daemon reaches running after startRoles; then the WARN verdict alone makes `status` exit 1.
    await until(async () => (await runStatus()).out.includes('daemon ' + base + ': running'));
    let r = await runStatus();
    assert.equal(r.code, 1);
    assert.match(r.out, /t:0 WARN \(lag-increasing\)/);
    emit({ topic: 't', partition: 0, offset: 105, highWatermark: 105, at: T0 + 2000 });
    r = await runStatus();
    assert.equal(r.code, 0, r.out);
  } finally {
    daemon.stop('test');
    await daemon.done;
  }
});

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached');
}
