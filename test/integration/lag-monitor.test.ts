// The lag monitor on the real broker: a real Kafka source reports its commits, broker heads come
// from the admin client, and the Burrow verdict follows the consumer: OK while it keeps up, STOP
// (rule 4) once it stops committing while messages keep arriving, OK again after it resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferTime, concatMap, filter, from, map, of, type Observable } from 'rxjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKafkaSource } from '../../src/adapters/kafka/kafka-source.js';
import type { Completed, KafkaRecord } from '../../src/adapters/kafka/kafka-record.js';
import { createLagMonitor, type LagGroupReport } from '../../src/supervision/lag-monitor.js';
import { kafkaLagIo } from '../../src/adapters/kafka/kafka-lag-io.js';
import { buildAdmin } from '../../src/adapters/http/admin.js';
import { burrowApiRoutes } from '../../src/adapters/http/burrow-api.js';
import { BROKERS, freshTopic, testKafka, testProducer, uniqueName } from '../helpers/kafka.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(get: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = get();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what()}`);
}

test('verdict follows the consumer: OK while committing, STOP (rule 4) when commits stop under new data, OK after resume', { timeout: 90_000 }, async () => {
  const topic = await freshTopic('el-lag', 1);
  const group = uniqueName('el-lag-group');
  const registry = new Registry();

  // A gate in the pipeline: while closed, records are held, nothing completes, nothing is committed.
  let gate: Promise<void> | null = null;
  let openGate = () => {};
  const pipeline = (records: Observable<KafkaRecord>): Observable<Completed> => records.pipe(
    concatMap((r) => (gate === null ? of(r) : from(gate.then(() => r)))),
    bufferTime(50, null, 500),
    filter((batch) => batch.length > 0),
    map((batch) => ({ offset: batch[batch.length - 1]!.offset, count: batch.length })),
  );

  const io = kafkaLagIo(testKafka());
  const monitor = createLagMonitor({
    cluster: 'local', now: Date.now, registry, logger,
    intervals: 5, minDistanceMs: 1000, pollIntervalMs: 300, evaluateEveryMs: 300,
    fetchHeads: io.fetchHeads, close: io.close,
  });
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'el-lag-test' },
    group, topics: [topic], pipeline, logger, registry, role: 'test', commitIntervalMs: 200,
  });
  monitor.watchSource('consumers/test', group, source);

  // Messages keep arriving for the whole test: 5 every 150 ms.
  const producer = testProducer();
  await producer.connect();
  let producing = true;
  let produced = 0;
  const producerLoop = (async () => {
    while (producing) {
      await producer.send({ topic, messages: Array.from({ length: 5 }, () => ({ value: `m-${produced++}`, partition: 0 })) });
      await sleep(150);
    }
  })();

  const app = buildAdmin({
    registry, status: () => ({}), healthy: () => true, ready: () => ({ ready: true, reasons: [] }),
    routes: [burrowApiRoutes(monitor, { hostname: 'test' })],
  });
  source.start();
  monitor.start();
  const partitionOf = (r: LagGroupReport | null) => r?.partitions[0];
  try {
    // Phase 1: consuming. Wait for a full window, then the verdict must be OK on every sample.
    await until(() => (partitionOf(monitor.groupStatus(group))?.complete === 1 ? true : undefined), 30_000,
      () => `a full window (now ${JSON.stringify(monitor.groupStatus(group)?.partitions[0])})`);
    for (let i = 0; i < 10; i++) {
      const report = monitor.groupStatus(group)!;
      assert.equal(report.status, 'OK', `sample ${i} while consuming: ${JSON.stringify(report.partitions[0])}`);
      await sleep(200);
    }
    const view = monitor.roleView('consumers/test')!;
    // The supervisor state is the source's own (it may pass through leaderLost when another test moves leaders).
    assert.equal(view.supervisorState, source.state());
    assert.equal(view.partitions[0]!.topic, topic);

    // Phase 2: the pipeline stops completing; commits stop while messages keep arriving.
    gate = new Promise<void>((resolve) => { openGate = resolve; });
    const pausedAt = Date.now();
    const stopped = await until(() => {
      const p = partitionOf(monitor.groupStatus(group));
      return p?.status === 'STOP' ? p : undefined;
    }, 30_000, () => `STOP (now ${JSON.stringify(monitor.groupStatus(group)?.partitions[0])})`);
    assert.equal(stopped.rule, 'rule4-stopped');
    const span = stopped.end!.timestamp - stopped.start!.timestamp;
    assert.ok(span > 0, 'the window spans some time');
    assert.ok(Date.now() - stopped.end!.timestamp > span, 'STOP only once idle longer than the window spans');
    assert.ok(Date.now() - pausedAt >= span - 1000, `STOP came ${Date.now() - pausedAt} ms after the pause, window span ${span} ms`);
    assert.ok(stopped.currentLag > 0);
    assert.equal(monitor.groupStatus(group)!.status, 'ERR');
    monitor.evaluate();
    const codes = await registry.getSingleMetric('eventlogging_lag_partition_status_code')!.get();
    assert.equal(codes.values.find((v) => v.labels.group === group)?.value, 4);
    const api = (await app.inject({ method: 'GET', url: `/v3/kafka/local/consumer/${group}/status` })).json();
    assert.equal(api.status.status, 'ERR');
    assert.equal(api.status.partitions[0].status, 'STOP');
    assert.equal(monitor.roleView('consumers/test')!.partitions[0]!.rule, 'rule4-stopped');

    // Phase 3: resume; the held records complete, commits resume, the verdict is OK again.
    gate = null;
    openGate();
    const ok = await until(() => {
      const r = monitor.groupStatus(group);
      return r?.status === 'OK' ? r : undefined;
    }, 30_000, () => `OK after resume (now ${JSON.stringify(monitor.groupStatus(group)?.partitions[0])})`);
    assert.notEqual(ok.partitions[0]!.rule, 'rule4-stopped');
    assert.ok(ok.partitions[0]!.end!.timestamp > stopped.end!.timestamp, 'new commits entered the window');
  } finally {
    producing = false;
    await producerLoop.catch(() => undefined);
    await producer.disconnect();
    openGate();
    await source.stop();
    await monitor.stop();
    await app.close();
  }
});
