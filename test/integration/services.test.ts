// The real services the other integration tests rely on: a Kafka broker (scripts/kafka up) and
// MariaDB (scripts/mariadb up). If these fail, every other integration failure is noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumeAll, freshTopic, produceLines } from '../helpers/kafka.js';
import { freshTableName, openDb } from '../helpers/mariadb.js';

test('kafka: lines produced to a fresh topic are consumed back exactly, in order', async () => {
  const topic = await freshTopic('el-services');
  const lines = ['first', '{"event":{"a":1}}', 'ünïcødé ✓', ''];
  await produceLines(topic, lines, 0);
  const got = await consumeAll(topic, lines.length, 30_000);
  assert.deepEqual(got, lines);
});

test('kafka: a fresh topic starts empty (consumeAll times out with a count)', async () => {
  const topic = await freshTopic('el-services-empty');
  await assert.rejects(consumeAll(topic, 1, 2_000), /0\/1 messages/);
});

test('kafka: messages spread over partitions all arrive', async () => {
  const topic = await freshTopic('el-services-parts', 3);
  await produceLines(topic, ['p0-a', 'p0-b'], 0);
  await produceLines(topic, ['p2-a'], 2);
  const got = await consumeAll(topic, 3, 30_000);
  assert.deepEqual([...got].sort(), ['p0-a', 'p0-b', 'p2-a']);
  // Order within one partition is kept.
  assert.ok(got.indexOf('p0-a') < got.indexOf('p0-b'));
});

test('mariadb: a row written to a fresh table reads back the same', async () => {
  const db = await openDb();
  const table = freshTableName('el_services');
  try {
    await db.query(
      `CREATE TABLE \`${table}\` (id INT PRIMARY KEY, uuid CHAR(32) NOT NULL UNIQUE, body TEXT) CHARSET utf8mb4`,
    );
    await db.execute(`INSERT INTO \`${table}\` (id, uuid, body) VALUES (?, ?, ?)`, [
      1,
      'a'.repeat(32),
      'hello ✓',
    ]);
    // INSERT IGNORE on the unique key is how the consumer stays effectively-once.
    const [ignored] = await db.execute(`INSERT IGNORE INTO \`${table}\` (id, uuid, body) VALUES (?, ?, ?)`, [
      2,
      'a'.repeat(32),
      'dup',
    ]);
    assert.equal((ignored as { affectedRows: number }).affectedRows, 0);
    const [rows] = await db.query(`SELECT id, uuid, body FROM \`${table}\` ORDER BY id`);
    assert.deepEqual(rows, [{ id: 1, uuid: 'a'.repeat(32), body: 'hello ✓' }]);
  } finally {
    await db.query(`DROP TABLE IF EXISTS \`${table}\``);
    await db.end();
  }
  const check = await openDb();
  try {
    const [left] = await check.query('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [
      'test',
      table,
    ]);
    assert.deepEqual(left, [{ n: 0 }]);
  } finally {
    await check.end();
  }
});
