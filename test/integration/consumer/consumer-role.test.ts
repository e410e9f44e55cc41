import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConsumerArgs } from '../../../src/config/parse-role-args.js';
import { createConsumerRole } from '../../../src/roles/consumer/consumer-role.js';
import { tableName } from '../../../src/domain/table/table-mapping.js';
import { freshTopic, produceLines, resetGroupToEarliest, uniqueName, BROKERS, consumeAll, testKafka } from '../../helpers/kafka.js';
import { openDb } from '../../helpers/mariadb.js';
import { until } from '../../helpers/wait.js';
import { freshSchemaDir, testCapsules } from '../../helpers/capsules.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function metric(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((n, v) => n + Number(v.value), 0);
}

function consumer(topic: string, group: string, errorTopic: string, registry: Registry, schemasDir: string, batch = 'batch_size=200&batch_time=0.2', extra: string[] = []) {
  const config = parseConsumerArgs([
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`,
    `mysql://root:@127.0.0.1:3306/test?${batch}`,
    '--schemas-path', schemasDir, '--error-output', `kafka:///${BROKERS.join(',')}?topic=${errorTopic}`, ...extra,
  ]);
  return createConsumerRole({ kind: 'consumers', name: 'test', file: 'test', config }, { logger, registry, onFatal: (e) => { throw e; } });
}

test('N events in, N rows; replayed from the beginning: still N rows and N duplicates counted', async () => {
  const topic = await freshTopic('el-valid', 2);
  const errorTopic = await freshTopic('el-errors', 1);
  const group = uniqueName('el-mysql');
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const capsules = testCapsules(1000, 'rows', schema);
  const uuids = capsules.map((c) => c.uuid as string);
  const count = async () => {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS u FROM \`${table}\` WHERE uuid IN (?)`, [uuids]);
    return (rows as Array<{ n: number; u: number }>)[0]!;
  };
  try {
    await produceLines(topic, capsules.slice(0, 500).map((c) => JSON.stringify(c)), 0);
    await produceLines(topic, capsules.slice(500).map((c) => JSON.stringify(c)), 1);
    const registry = new Registry();
    const role = consumer(topic, group, errorTopic, registry, dir);
    await role.start();
    await until(async () => (await count()).n >= 1000, 30_000, '1000 rows');
    await until(() => role.status().details?.partitions !== undefined
      && (role.status().details!.partitions as Array<{ committedOffset: number }>).reduce((n, p) => n + Math.max(0, p.committedOffset), 0) === 1000, 10_000, 'commits');
    await role.stop();
    assert.deepEqual(await count(), { n: 1000, u: 1000 });
    assert.equal(await metric(registry, 'eventlogging_mysql_rows_inserted_total'), 1000);

    // The runbook's replay: move the group back to the beginning and start again.
    await resetGroupToEarliest(group, topic);
    const registry2 = new Registry();
    const replay = consumer(topic, group, errorTopic, registry2, dir);
    await replay.start();
    await until(async () => (await metric(registry2, 'eventlogging_mysql_rows_duplicate_total')) >= 1000, 30_000, '1000 duplicates');
    await replay.stop();
    assert.deepEqual(await count(), { n: 1000, u: 1000 });
    assert.equal(await metric(registry2, 'eventlogging_mysql_rows_inserted_total'), 0);
    assert.equal(await metric(registry2, 'eventlogging_mysql_rows_duplicate_total'), 1000);
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

test('a poison row becomes one EventError (code consumer) and every good row is stored', async () => {
  const topic = await freshTopic('el-valid-poison', 1);
  const errorTopic = await freshTopic('el-errors-poison', 1);
  const group = uniqueName('el-mysql-poison');
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const capsules = testCapsules(300, 'poison', schema);
  // A value the VARCHAR(1024) column cannot take, in the middle of the stream.
  (capsules[150]!.event as { value: string }).value = 'x'.repeat(3000);
  const uuids = capsules.map((c) => c.uuid as string);
  try {
    await produceLines(topic, capsules.map((c) => JSON.stringify(c)), 0);
    const role = consumer(topic, group, errorTopic, new Registry(), dir, 'batch_size=1000&batch_time=0.5');
    await role.start();
    const errors = await consumeAll(errorTopic, 1, 30_000);
    await until(async () => {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE uuid IN (?)`, [uuids]);
      return (rows as Array<{ n: number }>)[0]!.n === 299;
    }, 30_000, '299 rows');
    await role.stop();
    assert.equal(errors.length, 1);
    const error = JSON.parse(errors[0]!);
    assert.equal(error.schema, 'EventError');
    assert.equal(error.event.code, 'consumer');
    assert.equal(error.event.schema, schema);
    assert.equal(error.event.offset, 150);
    assert.equal(error.event.topic, topic);
    assert.match(error.event.message, /too long/i);
    assert.equal(JSON.parse(error.event.rawEvent).uuid, capsules[150]!.uuid);
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

test('a backlog far beyond the pause threshold is consumed completely (regression: a stalled partition)', async () => {
  const topic = await freshTopic('el-valid-backlog', 1);
  const errorTopic = await freshTopic('el-errors-backlog', 1);
  const group = uniqueName('el-mysql-backlog');
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const capsules = testCapsules(20_000, 'backlog', schema);
  try {
    for (let i = 0; i < capsules.length; i += 1000) await produceLines(topic, capsules.slice(i, i + 1000).map((c) => JSON.stringify(c)), 0);
    // 20 times the pause threshold: with the default (20,000 in flight) a fast database could
    // drain the backlog without the partition ever pausing, and the test would prove nothing.
    const role = consumer(topic, group, errorTopic, new Registry(), dir, 'batch_size=500&batch_time=0.5', ['--max-in-flight', '1000']);
    await role.start();
    await until(async () => {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
      return (rows as Array<{ n: number }>)[0]!.n === 20_000;
    }, 60_000, '20000 rows');
    await until(() => (role.status().details!.partitions as Array<{ committedOffset: number }>)[0]?.committedOffset === 20_000, 10_000, 'commit of 20000');
    const partition = (role.status().details!.partitions as Array<{ pauses: number }>)[0]!;
    assert.ok(partition.pauses >= 1, 'the backlog did push the partition into backpressure');
    await role.stop();
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

test('dt is an indexed DATETIME the runbook\'s hourly count groups by; a table of an earlier version keeps its ISO text dt', async () => {
  const topic = await freshTopic('el-valid-dt', 1);
  const legacyTopic = await freshTopic('el-valid-dt-legacy', 1);
  const errorTopic = await freshTopic('el-errors-dt', 1);
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const capsules = testCapsules(150, 'dt', schema).map((c, i) => ({ ...c, dt: `2026-11-23T${String(10 + Math.floor(i / 50)).padStart(2, '0')}:00:${String(i % 50).padStart(2, '0')}Z` }));
  try {
    await produceLines(topic, capsules.map((c) => JSON.stringify(c)), 0);
    const role = consumer(topic, uniqueName('el-mysql-dt'), errorTopic, new Registry(), dir);
    await role.start();
    await until(async () => {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
      return (rows as Array<{ n: number }>)[0]!.n === 150;
    }, 30_000, '150 rows');
    await role.stop();
    const [columns] = await conn.query(`SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'dt'`, [table]);
    assert.equal((columns as Array<{ t: string }>)[0]!.t, 'datetime');
    const [keys] = await conn.query(`SHOW INDEX FROM \`${table}\` WHERE Column_name = 'dt'`);
    assert.equal((keys as Array<{ Key_name: string }>)[0]!.Key_name, 'ix_dt');
    const [hours] = await conn.query({ sql: `SELECT DATE_FORMAT(dt, '%Y-%m-%d %H') AS h, COUNT(*) AS n FROM \`${table}\` GROUP BY h ORDER BY h`, rowsAsArray: true });
    assert.deepEqual(hours, [['2026-11-23 10', 50], ['2026-11-23 11', 50], ['2026-11-23 12', 50]]);

    // The same schema's table as an earlier version made it: dt VARCHAR(32), no comment, no ix_dt.
    await conn.query(`DROP TABLE \`${table}\``);
    await conn.query(`CREATE TABLE \`${table}\` (id BIGINT NOT NULL AUTO_INCREMENT, uuid CHAR(32) NOT NULL, dt VARCHAR(32) NULL, timestamp VARCHAR(14) NULL,
      wiki VARCHAR(64) NULL, webHost VARCHAR(255) NULL, userAgent TEXT NULL, event_value VARCHAR(1024) NULL,
      PRIMARY KEY (id), UNIQUE KEY ix_uuid (uuid), KEY ix_timestamp (timestamp)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await produceLines(legacyTopic, capsules.slice(0, 20).map((c) => JSON.stringify(c)), 0);
    const legacy = consumer(legacyTopic, uniqueName('el-mysql-dt-legacy'), errorTopic, new Registry(), dir);
    await legacy.start();
    await until(async () => {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
      return (rows as Array<{ n: number }>)[0]!.n === 20;
    }, 30_000, '20 rows in the earlier table');
    await legacy.stop();
    const [texts] = await conn.query({ sql: `SELECT dt FROM \`${table}\` ORDER BY id LIMIT 2`, rowsAsArray: true });
    assert.deepEqual(texts, [['2026-11-23T10:00:00Z'], ['2026-11-23T10:00:01Z']]);
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

test('a standalone consumer restarts a partition whose pipeline failed, with backoff, and loses nothing', async () => {
  // The EventError topic takes no message over 1,000 bytes: the poison row's EventError is refused
  // by the broker, so the batch's completion never comes and the partition's pipeline fails. No
  // daemon and no stall watchdog here: only the source's own restart supervisor can bring it back.
  const topic = await freshTopic('el-valid-restart', 1);
  const errorTopic = uniqueName('el-errors-restart');
  const admin = testKafka().admin();
  await admin.connect();
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const capsules = testCapsules(300, 'restart', schema);
  // Random, so that it stays over the limit once the producer has compressed it.
  (capsules[150]!.event as { value: string }).value = randomBytes(2250).toString('base64');
  const registry = new Registry();
  let role: ReturnType<typeof consumer> | undefined;
  try {
    await admin.createTopics({ topics: [{ topic: errorTopic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
    await produceLines(topic, capsules.map((c) => JSON.stringify(c)), 0);
    role = consumer(topic, group(), errorTopic, registry, dir, 'batch_size=1000&batch_time=0.5');
    await role.start();
    await until(async () => (await metric(registry, 'eventlogging_partition_pipeline_restarts_total')) >= 2, 60_000, 'two restarts of the failed partition');
    const partitions = () => role!.status().details!.partitions as Array<{ committedOffset: number; state: string }>;
    assert.ok(partitions().every((p) => p.committedOffset < 300), 'nothing past the poison row is committed while its EventError cannot be written');

    // The operator's fix: the topic is made again without the limit.
    await admin.deleteTopics({ topics: [errorTopic] });
    await until(async () => !(await admin.listTopics()).includes(errorTopic), 30_000, 'error topic deleted');
    await admin.createTopics({ topics: [{ topic: errorTopic, numPartitions: 1 }] });

    const errors = await consumeAll(errorTopic, 1, 90_000);
    await until(() => partitions().some((p) => p.committedOffset === 300 && p.state === 'flowing'), 60_000, 'all 300 offsets committed');
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    assert.equal((rows as Array<{ n: number }>)[0]!.n, 299);
    assert.equal(JSON.parse(JSON.parse(errors[0]!).event.rawEvent).uuid, capsules[150]!.uuid);
  } finally {
    await role?.stop();
    await admin.deleteTopics({ topics: [errorTopic] }).catch(() => undefined);
    await admin.disconnect();
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

test('an EventError cluster that does not answer at start is retried, not a failed start; once it answers, rows flow', async () => {
  // The EventError output's bootstrap address is a port nothing listens on yet; later a proxy to
  // the broker opens there (the broker's metadata then names its own address).
  const topic = await freshTopic('el-valid-late-errors', 1);
  const errorTopic = await freshTopic('el-errors-late', 1);
  const conn = await openDb();
  const { dir, schema } = freshSchemaDir();
  const table = tableName(schema, 1);
  const port = await freePort();
  const [brokerHost, brokerPort] = BROKERS[0]!.split(':') as [string, string];
  const logged: string[] = [];
  const watched = pino({ level: 'warn' }, { write: (line: string) => { logged.push(line); } });
  const registry = new Registry();
  let fatal: Error | undefined;
  const config = parseConsumerArgs([
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${uniqueName('el-mysql-late')}`,
    'mysql://root:@127.0.0.1:3306/test?batch_size=200&batch_time=0.2',
    '--schemas-path', dir, '--error-output', `kafka:///127.0.0.1:${port}?topic=${errorTopic}`,
  ]);
  const role = createConsumerRole({ kind: 'consumers', name: 'late', file: 'test', config }, { logger: watched, registry, onFatal: (e) => { fatal = e; } });
  let proxy: Server | undefined;
  try {
    await produceLines(topic, testCapsules(100, 'late', schema).map((c) => JSON.stringify(c)), 0);
    await role.start();
    await until(() => logged.some((l) => l.includes('consumer EventError output not reachable; retrying')), 60_000, 'a failed connect, retried');
    assert.equal(role.status().state, 'connecting');
    assert.equal(role.status().healthy, true);
    assert.equal(fatal, undefined);

    proxy = createServer((client) => {
      const upstream = connect(Number(brokerPort), brokerHost);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
    await until(async () => {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\``).catch(() => [[{ n: 0 }]]);
      return (rows as Array<{ n: number }>)[0]!.n === 100;
    }, 90_000, 'all 100 rows stored once the EventError cluster answers');
    assert.equal(role.status().state, 'running');
    assert.equal(fatal, undefined);
  } finally {
    await role.stop();
    proxy?.close();
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});

/** A local port nothing listens on (taken and given back). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function group(): string {
  return uniqueName('el-mysql-restart');
}
