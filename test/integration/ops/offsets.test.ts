import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConsumerArgs } from '../../../src/config/parse-role-args.js';
import { createConsumerRole } from '../../../src/roles/consumer/consumer-role.js';
import { tableName } from '../../../src/domain/table/table-mapping.js';
import { offsetsCommand } from '../../../src/cli/commands/offsets.js';
import type { OffsetsReport } from '../../../src/ops/offsets.js';
import { freshTopic, produceLines, setGroupOffsets, testKafka, testProducer, uniqueName, BROKERS } from '../../helpers/kafka.js';
import { openDb } from '../../helpers/mariadb.js';
import { until } from '../../helpers/wait.js';
import { freshSchemaDir, testCapsules } from '../../helpers/capsules.js';
import { runInProcess } from '../../helpers/cli.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function metric(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((n, v) => n + Number(v.value), 0);
}

function consumer(topic: string, group: string, errorTopic: string, registry: Registry, schemasDir: string) {
  const config = parseConsumerArgs([
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`,
    'mysql://root:@127.0.0.1:3306/test?batch_size=100&batch_time=0.2',
    '--schemas-path', schemasDir, '--error-output', `kafka:///${BROKERS.join(',')}?topic=${errorTopic}`,
  ]);
  return createConsumerRole({ kind: 'consumers', name: 'test', file: 'test', config }, { logger, registry, onFatal: (e) => { throw e; } });
}

/** Runs `eventlogging offsets ...` in-process; returns exit code and output. */
async function offsets(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess((a, io) => offsetsCommand.run(a, io), args);
}

const common = (group: string, topic: string) => ['--brokers', BROKERS.join(','), '--group', group, '--topic', topic];

async function committed(group: string, topic: string): Promise<number[]> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

test('runbook replay: stop the consumer, offsets reset --to-earliest --execute, restart: same rows, duplicates counted', async () => {
  const topic = await freshTopic('el-ops-valid', 2);
  const errorTopic = await freshTopic('el-ops-errors', 1);
  const group = uniqueName('el-ops-mysql');
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const n = 240;
  const capsules = testCapsules(n, 'ops', schema);
  const count = async () => {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return (rows as Array<{ n: number }>)[0]!.n;
  };
  try {
    await produceLines(topic, capsules.slice(0, 120).map((c) => JSON.stringify(c)), 0);
    await produceLines(topic, capsules.slice(120).map((c) => JSON.stringify(c)), 1);
    const role = consumer(topic, group, errorTopic, new Registry(), dir);
    await role.start();
    await until(async () => (await count()) >= n, 30_000, `${n} rows`);
    await until(async () => (await committed(group, topic)).every((o) => o === 120), 15_000, 'commits at the log end');

    // While the consumer is a live member, a reset is refused and nothing moves.
    const refused = await offsets('reset', ...common(group, topic), '--to-earliest', '--execute');
    assert.equal(refused.code, 1, refused.err);
    assert.match(refused.out, /refusing to reset offsets: the group has live members/);
    assert.deepEqual(await committed(group, topic), [120, 120]);

    await role.stop();
    const shown = await offsets('show', ...common(group, topic), '--json');
    assert.equal(shown.code, 0, shown.err);
    const before = JSON.parse(shown.out) as OffsetsReport;
    assert.equal(before.state, 'Empty');
    assert.deepEqual(before.partitions.map((p) => [p.partition, p.committed, p.logStart, p.logEnd, p.lag, p.dt]),
      [[0, 120, 0, 120, 0, null], [1, 120, 0, 120, 0, null]]);

    const reset = await offsets('reset', ...common(group, topic), '--to-earliest', '--execute');
    assert.equal(reset.code, 0, reset.err);
    assert.match(reset.out, /committed 2 offset\(s\)/);
    // The plan shows the dt of the first event of each partition.
    assert.ok(reset.out.includes(capsules[0]!.dt as string), reset.out);
    assert.ok(reset.out.includes(capsules[120]!.dt as string), reset.out);
    assert.deepEqual(await committed(group, topic), [0, 0]);

    const registry2 = new Registry();
    const again = consumer(topic, group, errorTopic, registry2, dir);
    await again.start();
    await until(async () => (await metric(registry2, 'eventlogging_mysql_rows_duplicate_total')) >= n, 30_000, `${n} duplicates`);
    await again.stop();
    assert.equal(await count(), n);
    assert.equal(await metric(registry2, 'eventlogging_mysql_rows_duplicate_total'), n);
    assert.equal(await metric(registry2, 'eventlogging_mysql_rows_inserted_total'), 0);
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

test('dry runs change nothing; --shift-by clamps, --to-offset moves one partition, --to-datetime uses message timestamps', async () => {
  const topic = await freshTopic('el-ops-plan', 2);
  const group = uniqueName('el-ops-plan');
  const base = Date.UTC(2024, 0, 1, 0, 0, 0);
  const producer = testProducer();
  await producer.connect();
  // Partition 0: raw lines whose 4th field is the dt; partition 1: capsules. One message a minute.
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({
    partition: 0, timestamp: String(base + i * 60_000), value: `?%7B%7D;\tcp1\t${i}\t2024-01-01T00:0${i}:00\t-\t-`,
  })) });
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({
    partition: 1, timestamp: String(base + i * 60_000), value: JSON.stringify({ dt: `2024-01-01T00:0${i}:00Z` }),
  })) });
  await producer.disconnect();
  await setGroupOffsets(group, topic, [{ partition: 0, offset: 8 }, { partition: 1, offset: 3 }]);

  const shift = await offsets('reset', ...common(group, topic), '--shift-by', '-5', '--json');
  assert.equal(shift.code, 0, shift.err);
  const plan = JSON.parse(shift.out) as OffsetsReport;
  assert.equal(plan.executed, false);
  assert.deepEqual(plan.partitions.map((p) => [p.partition, p.committed, p.target, p.clamped, p.dt]),
    [[0, 8, 3, false, '2024-01-01T00:03:00'], [1, 3, 0, true, '2024-01-01T00:00:00Z']]);
  assert.deepEqual(await committed(group, topic), [8, 3], 'a dry run commits nothing');

  const human = await offsets('reset', ...common(group, topic), '--shift-by', '-5');
  assert.match(human.out, /dry run: nothing committed/);

  const one = await offsets('reset', ...common(group, topic), '--to-offset', '1:7', '--execute');
  assert.equal(one.code, 0, one.err);
  assert.deepEqual(await committed(group, topic), [8, 7]);

  const byTime = await offsets('reset', ...common(group, topic), '--to-datetime', '2024-01-01T00:04:30Z', '--execute', '--json');
  assert.equal(byTime.code, 0, byTime.err);
  const report = JSON.parse(byTime.out) as OffsetsReport;
  assert.equal(report.executed, true);
  assert.deepEqual(report.partitions.map((p) => [p.partition, p.target, p.dt]),
    [[0, 5, '2024-01-01T00:05:00'], [1, 5, '2024-01-01T00:05:00Z']]);
  assert.deepEqual(await committed(group, topic), [5, 5]);

  const late = await offsets('reset', ...common(group, topic), '--to-datetime', '2030-01-01T00:00:00Z', '--json');
  assert.deepEqual((JSON.parse(late.out) as OffsetsReport).partitions.map((p) => [p.target, p.dt]), [[10, null], [10, null]]);

  const bad = await offsets('reset', ...common(group, topic), '--to-earliest', '--to-latest');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /exactly one of/);
  const missing = await offsets('show', ...common(group, 'el-ops-no-such-topic-x'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /does not exist/);
});
