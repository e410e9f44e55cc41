// Chaos: stop the real MariaDB under a running consumer role, keep producing, start it again.
// While it is down the role must report the database failing/down, hold its partitions (bounded
// in-flight, backpressure) and commit nothing the table does not hold; once it is back the role
// must resume on its own and end with exactly N rows and N committed offsets.
//
// The server stopped is a real MariaDB server (mariadbd, stopped with `mysqladmin shutdown` and
// started again), not a mock: by default a private one on port 3307 that this file creates
// (`EL_MARIADB_PORT=3307 scripts/mariadb up` initialises its data directory under .run/, so a
// fresh machine needs nothing more) and purges in `after`, pass or fail, so other test files on
// the shared server (3306) are not disturbed while it is down. EL_CHAOS_MARIADB_PORT=3306 stops
// the shared server instead; that one is only brought back up in `after`, never purged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConsumerArgs } from '../../src/config/parse-role-args.js';
import { createConsumerRole } from '../../src/roles/consumer/consumer-role.js';
import { tableName } from '../../src/domain/table/table-mapping.js';
import type { PartitionStatus } from '../../src/actors/partition-status.js';
import { BROKERS, freshTopic, produceLines, uniqueName } from '../helpers/kafka.js';
import { DB_CONFIG } from '../helpers/mariadb.js';
import { until } from '../helpers/wait.js';
import { freshSchemaDir, testCapsules } from '../helpers/capsules.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const PORT = Number(process.env.EL_CHAOS_MARIADB_PORT ?? 3307);
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The role's per-partition high-water mark: `--max-in-flight` below (batch_size=200 is smaller). */
const HIGH_WATER = 5000;
const BEFORE = 400;
/** Well over the two partitions' high-water marks together (~6,000 a partition), so both must pause. */
const DURING = 12_000;
const AFTER = 400;
const N = BEFORE + DURING + AFTER;
const OUTAGE_MS = 30_000;

/** Produces `lines` 2,000 (about 0.5 MB) a request: the broker refuses requests over 1 MiB. */
async function produceChunked(topic: string, lines: readonly string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 2000) await produceLines(topic, lines.slice(i, i + 2000));
}

async function mariadb(command: 'up' | 'start' | 'stop' | 'purge'): Promise<void> {
  await run('bash', ['scripts/mariadb', command], { cwd: ROOT, timeout: 120_000, env: { ...process.env, EL_MARIADB_PORT: String(PORT) } });
}

const openDb = () => mysql.createConnection({ ...DB_CONFIG, port: PORT, connectTimeout: 5000 });

before(async () => {
  await mariadb('up');
});

after(async () => {
  // Pass or fail: the private server this file created is stopped and deleted; the shared one
  // (EL_CHAOS_MARIADB_PORT=3306) answers again.
  await mariadb(PORT === 3306 ? 'up' : 'purge');
});

const partitionsOf = (role: { status(): { details?: Record<string, unknown> } }) =>
  (role.status().details?.partitions ?? []) as PartitionStatus[];
const committedSum = (parts: readonly PartitionStatus[]) => parts.reduce((n, p) => n + Math.max(0, p.committedOffset), 0);

test('MariaDB stopped for 30 s under load: the role holds, resumes on its own, N rows, no duplicates, N committed', { timeout: 240_000 }, async () => {
  const topic = await freshTopic('el-chaos-db', 2);
  const errorTopic = await freshTopic('el-chaos-db-errors', 1);
  const group = uniqueName('el-chaos-db');
  const { dir, schema } = freshSchemaDir('Chaos');
  const table = tableName(schema, 1);
  const capsules = testCapsules(N, 'outage', schema);
  const lines = capsules.map((c) => JSON.stringify(c));
  const config = parseConsumerArgs([
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`,
    `mysql://root:@127.0.0.1:${PORT}/test?batch_size=200&batch_time=0.2`,
    '--schemas-path', dir, '--error-output', `kafka:///${BROKERS.join(',')}?topic=${errorTopic}`,
    '--max-in-flight', String(HIGH_WATER),
  ]);
  const role = createConsumerRole({ kind: 'consumers', name: 'chaos', file: 'chaos', config }, { logger, registry: new Registry(), onFatal: (e) => { throw e; } });
  let stopped = false;
  let conn = await openDb();
  const count = async (c = conn) => {
    const [rows] = await c.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS u FROM \`${table}\``);
    const r = (rows as Array<{ n: number; u: number }>)[0]!;
    return { n: Number(r.n), u: Number(r.u) };
  };
  try {
    await produceLines(topic, lines.slice(0, BEFORE));
    await role.start();
    await until(async () => (await count()).n >= 200, 30_000, 'the first rows before the outage');
    await conn.end();

    await mariadb('stop');
    const stoppedAt = Date.now();
    // Keep producing while the database is down, in two waves.
    await produceChunked(topic, lines.slice(BEFORE, BEFORE + DURING / 2));
    await sleep(2_000);
    await produceChunked(topic, lines.slice(BEFORE + DURING / 2, BEFORE + DURING));

    // The first failed statement moves the supervisor off `up`.
    await until(() => ['failing', 'down'].includes((role.status().details?.database as { state: string }).state), 20_000, 'database failing/down');
    // A batch already past the database when it stopped may still commit in the first seconds.
    await sleep(3_000);
    const committedEarly = committedSum(partitionsOf(role));
    const restartsBefore = role.status().details?.restarts as number;
    let maxInFlight = 0;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      const status = role.status();
      const db = status.details?.database as { state: string };
      assert.ok(['failing', 'down'].includes(db.state), `database state during the outage: ${db.state}`);
      assert.equal(status.ready, false, 'not ready while the database is down');
      for (const p of partitionsOf(role)) {
        maxInFlight = Math.max(maxInFlight, p.inFlight);
        assert.ok(p.inFlight <= HIGH_WATER, `${p.topic}/${p.partition}: ${p.inFlight} in flight > ${HIGH_WATER}`);
      }
      await sleep(500);
    }
    const parts = partitionsOf(role);
    const committedDuringOutage = committedSum(parts);
    assert.equal(committedDuringOutage, committedEarly, 'no offset committed while the database is down');
    assert.ok(parts.some((p) => p.state === 'backpressured'), `a partition paused: ${JSON.stringify(parts.map((p) => [p.state, p.inFlight]))}`);
    assert.ok(maxInFlight >= HIGH_WATER, `in-flight reached the high-water mark (${maxInFlight})`);
    // The Kafka session survived the pause: still running, no supervisor restart.
    assert.equal(role.status().state, 'running');
    assert.equal(role.status().details?.restarts, restartsBefore);

    await mariadb('start');
    conn = await openDb();
    // The supervisor probes with a backoff of up to 10 s, so this count is (nearly always) taken
    // before the role writes again; rows only grow, so the check holds either way.
    const atRestart = await count();
    assert.ok(committedDuringOutage <= atRestart.n, `committed ${committedDuringOutage} > ${atRestart.n} rows in the table`);

    await produceLines(topic, lines.slice(BEFORE + DURING));
    await until(async () => (await count()).n >= N, 60_000, `${N} rows after the restart`);
    await until(() => committedSum(partitionsOf(role)) === N, 20_000, `${N} committed offsets`);
    assert.equal((role.status().details?.database as { state: string }).state, 'up');
    assert.ok((role.status().details?.database as { outages: number }).outages >= 1);
    stopped = true;
    await role.stop();
    assert.deepEqual(await count(), { n: N, u: N });
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE uuid IN (?)`, [capsules.map((c) => c.uuid)]);
    assert.equal(Number((rows as Array<{ n: number }>)[0]!.n), N, 'the rows are exactly the produced events');
  } finally {
    if (!stopped) await role.stop().catch(() => undefined);
    await mariadb('up');
    const c = await openDb();
    await c.query(`DROP TABLE IF EXISTS \`${table}\``);
    await c.end();
    await conn.end().catch(() => undefined);
  }
});
