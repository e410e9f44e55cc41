/**
 * MySQL consumer throughput against the raw limit of the same database, in one run:
 *
 * (a) raw: mysql2 multi-row `INSERT IGNORE` of R rows, 1,000 per statement, one connection, into a
 *     fresh table of the consumer's shape (same DDL, same row values as the consumer writes);
 * (b) consumer: the consumer role in this process (`batch_size=1000&batch_time=1`, default
 *     `--max-in-flight`) reading the same R capsules, pre-produced to a fresh 4-partition topic,
 *     into another table of that shape, created before the clock starts as (a)'s is; rows/s from
 *     `role.start()` until the role has counted R rows inserted (its own counter, read in-process;
 *     the table is COUNT(*)ed once, after the clock stops, and must hold R rows);
 * (a') the consumer's own statement (`INSERT ... ON DUPLICATE KEY UPDATE`, strict mode), raw, the
 *     same way, into a third table: how much of the gap is the statement, how much the consumer;
 * (c) replay: (a) again into the same table (every row a duplicate), and the consumer group moved
 *     back to the earliest offsets and read again by a new role (done when
 *     `eventlogging_mysql_rows_duplicate_total` reaches R).
 *
 * R = 300,000 × EL_BENCH_SCALE (so the group join and first fetch, ~0.3–0.7 s, weigh little).
 * Prints a table (ratios first; target ≥ 0.7 for both) and writes
 * `bench/results/consumer.json` (`bench/all.ts` reads its `consumer.*` keys). Drops both tables and
 * deletes the topics at the end. Needs `scripts/kafka up` and `scripts/mariadb up`.
 *
 *   node --import tsx bench/consumer.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Role } from '../src/daemon/role.js';
import { createTableDdl, insertIgnoreSql } from '../src/domain/table/table-ddl.js';
import { insertRowsSql } from '../src/domain/table/table-insert.js';
import { tableFor, type TableDefinition } from '../src/domain/table/table-mapping.js';
import { rowFor, type RowCapsule, type RowValue } from '../src/domain/table/table-row.js';
import { freshSchemaDir, testCapsules } from '../test/helpers/capsules.js';
import { BROKERS, freshTopic, resetGroupToEarliest, testKafka, testProducer, uniqueName } from '../test/helpers/kafka.js';
import { DB_CONFIG } from '../test/helpers/mariadb.js';
import { ROOT } from './lib/daemon.js';
import { describeMachine, scaled } from './lib/machine.js';
import { built } from './lib/built.js';

// The role from the build, as production runs it (bench/lib/built.ts); the raw side's SQL text and
// rows come from src/, which is the same code.
const { parseConsumerArgs } = await built<typeof import('../src/config/parse-role-args.js')>('config/parse-role-args.js');
const { createConsumerRole } = await built<typeof import('../src/roles/consumer/consumer-role.js')>('roles/consumer/consumer-role.js');

const R = scaled(300_000, 1000);
const BATCH = 1000;
const PARTITIONS = 4;
const TIMEOUT_MS = 600_000;
const log = (msg: string) => process.stderr.write(`bench consumer: ${msg}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });

/** Polls `check` every `everyMs` until it holds; throws naming `what` after TIMEOUT_MS. */
async function waitFor(check: () => Promise<boolean>, what: string, everyMs = 100): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A metric of the role, summed over its labels (read in-process: no database query, no scrape). */
async function metric(registry: Registry, name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  return m ? (await m.get()).values.reduce((n, v) => n + Number(v.value), 0) : 0;
}

/** One sample series of a histogram (`_sum`, `_count`), summed over its labels. */
async function metricField(registry: Registry, name: string, field: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => (v as { metricName?: string }).metricName === field).reduce((n, v) => n + Number(v.value), 0);
}

/** Every row through `INSERT IGNORE`, BATCH rows a statement, one after another on one connection. */
async function rawInsert(
  db: mysql.Connection, table: TableDefinition, params: readonly RowValue[][], columns: number,
  statement: (table: TableDefinition, rows: number) => string = insertIgnoreSql,
): Promise<{ seconds: number; affected: number }> {
  const full = statement(table, BATCH);
  const started = performance.now();
  let affected = 0;
  for (const batch of params) {
    const sql = batch.length === BATCH * columns ? full : statement(table, batch.length / columns);
    const [result] = await db.query(sql, batch);
    affected += (result as mysql.ResultSetHeader).affectedRows;
  }
  return { seconds: (performance.now() - started) / 1000, affected };
}

const schemaDir = freshSchemaDir('BenchConsumer');
const schema = schemaDir.schema;
const eventSchema = JSON.parse(readFileSync(join(schemaDir.dir, schema, '1.json'), 'utf8')) as unknown;
const consumerTable = tableFor(schema, 1, eventSchema);
const rawTable: TableDefinition = { ...consumerTable, name: `${consumerTable.name}_raw`.slice(-64) };
const capsules = testCapsules(R, 'bench', schema);
const lines = capsules.map((c) => JSON.stringify(c));
// Row values are computed before the clock starts: (a) measures the database and mysql2 only.
const columns = rowFor(capsules[0] as unknown as RowCapsule, rawTable).length;
const params: RowValue[][] = [];
for (let i = 0; i < R; i += BATCH) params.push(capsules.slice(i, i + BATCH).flatMap((c) => rowFor(c as unknown as RowCapsule, rawTable)));

const db = await mysql.createConnection({ ...DB_CONFIG, connectTimeout: 5000 });
const count = async (table: string): Promise<number> => {
  try {
    const [rows] = await db.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number((rows as Array<{ n: number }>)[0]!.n);
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return 0;
    throw err;
  }
};
const topics: string[] = [];
const roles: Role[] = [];
let exitCode = 1;
try {
  log(`R = ${R} rows; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  // (a) raw INSERT IGNORE into a fresh table.
  await db.query(createTableDdl(rawTable));
  const raw = await rawInsert(db, rawTable, params, columns);
  if (raw.affected !== R || (await count(rawTable.name)) !== R) throw new Error(`raw insert stored ${raw.affected} of ${R} rows`);
  const rawInsertRowsPerSec = R / raw.seconds;
  log(`(a) raw INSERT IGNORE: ${R} rows in ${raw.seconds.toFixed(2)} s = ${Math.round(rawInsertRowsPerSec)} rows/s`);
  // (a') the consumer's own statement (ON DUPLICATE KEY UPDATE, strict mode), raw, into a third
  // table: how much of the gap is the statement, how much the consumer.
  const ownTable: TableDefinition = { ...consumerTable, name: `${consumerTable.name}_own`.slice(-64) };
  await db.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
  await db.query(createTableDdl(ownTable));
  const own = await rawInsert(db, ownTable, params, columns, (t, n) => insertRowsSql(t, n));
  await db.query(`DROP TABLE IF EXISTS \`${ownTable.name}\``);
  const rawOwnStatementRowsPerSec = R / own.seconds;
  log(`(a') raw, the consumer's statement: ${R} rows in ${own.seconds.toFixed(2)} s = ${Math.round(rawOwnStatementRowsPerSec)} rows/s`);

  // (b) the same capsules on a fresh 4-partition topic, 1,000 per request (the broker refuses
  // requests over 1 MiB), spread evenly over the partitions.
  const topic = await freshTopic('el-bench-consumer', PARTITIONS);
  const errorTopic = await freshTopic('el-bench-consumer-errors', 1);
  topics.push(topic, errorTopic);
  const producer = testProducer();
  await producer.connect();
  try {
    for (let i = 0; i < R; i += BATCH * 4) {
      const sends: Array<Promise<unknown>> = [];
      for (let j = i; j < Math.min(R, i + BATCH * 4); j += BATCH) {
        sends.push(producer.send({ topic, messages: lines.slice(j, j + BATCH).map((value, k) => ({ value, partition: (j + k) % PARTITIONS })) }));
      }
      await Promise.all(sends);
    }
  } finally {
    await producer.disconnect();
  }
  log(`produced ${R} capsules to ${topic}`);

  const group = uniqueName('el-bench-consumer');
  const role = (registry: Registry): Role => createConsumerRole({
    kind: 'consumers', name: 'bench', file: 'bench',
    config: parseConsumerArgs([
      `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`,
      `mysql://root:@${DB_CONFIG.host}:${DB_CONFIG.port}/${DB_CONFIG.database}?batch_size=1000&batch_time=1`,
      '--schemas-path', schemaDir.dir, '--error-output', `kafka:///${BROKERS.join(',')}?topic=${errorTopic}`,
    ]),
  }, { logger, registry, onFatal: (e) => { log(`fatal: ${e.message}`); process.exit(1); } });

  // The table exists before the clock starts, as (a)'s does: both measure inserting, not CREATE
  // TABLE (the consumer creates a table once, on the first event of a schema revision).
  await db.query(createTableDdl(consumerTable));
  const firstRegistry = new Registry();
  const first = role(firstRegistry);
  roles.push(first);
  let firstRowAt = 0;
  const consumerStarted = performance.now();
  await first.start();
  // Done when the role has counted R rows inserted (after each statement's commit), read from its
  // registry: polling COUNT(*) instead scanned a growing index ten times a second, on the database
  // the consumer was measured against. The table is counted once the clock has stopped.
  await waitFor(async () => {
    const n = await metric(firstRegistry, 'eventlogging_mysql_rows_inserted_total');
    if (n > 0 && firstRowAt === 0) firstRowAt = performance.now();
    return n >= R;
  }, `${R} rows from the consumer`, 20);
  const consumerSeconds = (performance.now() - consumerStarted) / 1000;
  const storedFirst = await count(consumerTable.name);
  if (storedFirst !== R) throw new Error(`the consumer counted ${R} rows inserted, the table holds ${storedFirst}`);
  const rowsPerSec = R / consumerSeconds;
  const startupSeconds = (firstRowAt - consumerStarted) / 1000;
  log(`(b) consumer: ${R} rows in ${consumerSeconds.toFixed(2)} s = ${Math.round(rowsPerSec)} rows/s (first row after ${startupSeconds.toFixed(2)} s)`);
  const statements = await metricField(firstRegistry, 'eventlogging_mysql_insert_seconds', 'eventlogging_mysql_insert_seconds_count');
  const insertSeconds = await metricField(firstRegistry, 'eventlogging_mysql_insert_seconds', 'eventlogging_mysql_insert_seconds_sum');
  const pauses = await metric(firstRegistry, 'eventlogging_partition_pauses_total');
  log(`(b) partitions paused ${pauses} times (backpressure)`);
  log(`(b) ${statements} statements, ${(R / statements).toFixed(0)} rows each, ${insertSeconds.toFixed(2)} s inside INSERT (summed over partitions)`);
  // Every offset committed before the group is moved back.
  await waitFor(async () => ((first.status().details?.partitions ?? []) as Array<{ committedOffset: number }>)
    .reduce((n, p) => n + Math.max(0, p.committedOffset), 0) === R, 'the consumer to commit every offset');
  await first.stop();
  roles.pop();

  // (c) replay: raw, then the consumer from the earliest offsets.
  const rawReplay = await rawInsert(db, rawTable, params, columns);
  if (rawReplay.affected !== 0 || (await count(rawTable.name)) !== R) throw new Error(`raw replay changed ${rawReplay.affected} rows`);
  const rawReplayRowsPerSec = R / rawReplay.seconds;
  log(`(c) raw replay: ${R} duplicate rows in ${rawReplay.seconds.toFixed(2)} s = ${Math.round(rawReplayRowsPerSec)} rows/s`);

  await resetGroupToEarliest(group, topic);
  const replayRegistry = new Registry();
  const replay = role(replayRegistry);
  roles.push(replay);
  const replayStarted = performance.now();
  await replay.start();
  await waitFor(async () => (await metric(replayRegistry, 'eventlogging_mysql_rows_duplicate_total')) >= R, `${R} duplicates from the replay`);
  const replaySeconds = (performance.now() - replayStarted) / 1000;
  const replayRowsPerSec = R / replaySeconds;
  log(`(c) consumer replay: ${R} duplicates in ${replaySeconds.toFixed(2)} s = ${Math.round(replayRowsPerSec)} rows/s`);
  const insertedOnReplay = await metric(replayRegistry, 'eventlogging_mysql_rows_inserted_total');
  await replay.stop();
  roles.pop();
  const stored = await count(consumerTable.name);
  if (stored !== R || insertedOnReplay !== 0) throw new Error(`after the replay: ${stored} rows (want ${R}), ${insertedOnReplay} inserted by the replay (want 0)`);

  const result = {
    consumer: {
      rows: R,
      rowsPerSec,
      rawInsertRowsPerSec,
      rawOwnStatementRowsPerSec,
      ratioToRawInsert: rowsPerSec / rawInsertRowsPerSec,
      replayRowsPerSec,
      rawReplayRowsPerSec,
      replayRatio: replayRowsPerSec / rawReplayRowsPerSec,
      consumerSeconds,
      startupSeconds,
      statements,
      pauses,
      insertSecondsSummed: insertSeconds,
      rowsPerSecAfterFirstRow: R / (consumerSeconds - startupSeconds),
      replaySeconds,
      partitions: PARTITIONS,
      batchSize: BATCH,
    },
    machine: describeMachine(),
    loadAvg: readFileSync('/proc/loadavg', 'utf8').trim(),
  };
  const dir = process.env.EL_BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'consumer.json'), `${JSON.stringify(result, null, 2)}\n`);

  const c = result.consumer;
  const n = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const table: Array<[string, string]> = [
    ['ratio consumer / raw INSERT IGNORE (target >= 0.7)', n(c.ratioToRawInsert, 2)],
    ['ratio consumer replay / raw replay (target >= 0.7)', n(c.replayRatio, 2)],
    ['raw INSERT IGNORE, 1,000-row statements (rows/s)', n(c.rawInsertRowsPerSec)],
    ["raw, the consumer's own statement (rows/s)", n(c.rawOwnStatementRowsPerSec)],
    ['consumer Kafka -> MariaDB, from start() (rows/s)', n(c.rowsPerSec)],
    ['consumer, from the first row seen (rows/s)', n(c.rowsPerSecAfterFirstRow)],
    ['raw INSERT IGNORE replay, all duplicates (rows/s)', n(c.rawReplayRowsPerSec)],
    ['consumer replay, all duplicates (rows/s)', n(c.replayRowsPerSec)],
  ];
  const width = Math.max(...table.map((r) => r[0].length));
  process.stdout.write(`consumer bench: ${R} rows, ${PARTITIONS} partitions, load ${result.loadAvg}\n`);
  for (const [what, value] of table) process.stdout.write(`${what.padEnd(width)}  ${value}\n`);
  process.stdout.write('results: bench/results/consumer.json\n');
  exitCode = 0;
} catch (err) {
  process.stderr.write(`bench consumer FAILED: ${(err as Error).stack ?? String(err)}\n`);
} finally {
  for (const r of roles) await r.stop().catch(() => undefined);
  await db.query(`DROP TABLE IF EXISTS \`${rawTable.name}\``).catch(() => undefined);
  await db.query(`DROP TABLE IF EXISTS \`${consumerTable.name}\``).catch(() => undefined);
  await db.end().catch(() => undefined);
  if (topics.length > 0) {
    const admin = testKafka().admin();
    await admin.connect().then(() => admin.deleteTopics({ topics })).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
process.exit(exitCode);
