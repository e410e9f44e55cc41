/**
 * The lake consumer against the MySQL consumer, same events, same run: R capsules are produced
 * once to a fresh 4-partition topic; `eventlogging lake` (the build, in its own process, as
 * production runs it) writes them to a fresh lake, then `eventlogging consumer` reads the same
 * topic into a fresh table (created before its clock starts). Each rate runs from the process's
 * start until its group has committed all R offsets (a commit follows the files' rename or the
 * database commit); the lake's peak RSS is its process's high-water mark (VmHWM). After the
 * clock stops the lake is counted (one row per uuid) and so is the table.
 *
 * R = 600,000 × EL_BENCH_SCALE. Targets: lake ≥ 2× the MySQL consumer, peak RSS ≤ 512 MB.
 *
 *   node --import tsx bench/lake.ts      prints the JSON
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { createTableDdl } from '../src/domain/table/table-ddl.js';
import { tableFor } from '../src/domain/table/table-mapping.js';
import { freshSchemaDir, testCapsules } from '../test/helpers/capsules.js';
import { BROKERS, committedTotal, freshTopic, testKafka, testProducer, uniqueName } from '../test/helpers/kafka.js';
import { DB_CONFIG } from '../test/helpers/mariadb.js';
import { ROOT } from './lib/daemon.js';
import { scaled } from './lib/machine.js';

export interface LakeBenchResult {
  readonly rows: number;
  readonly lakeRowsPerSec: number;
  readonly mysqlRowsPerSec: number;
  /** lake / MySQL consumer (target ≥ 2). */
  readonly ratioToMysqlConsumer: number;
  readonly lakePeakRssMb: number;
  readonly mysqlPeakRssMb: number;
  readonly lakeSeconds: number;
  readonly mysqlSeconds: number;
  readonly lakeFiles: number;
}

const PARTITIONS = 4;
const log = (msg: string) => process.stderr.write(`bench lake: ${msg}\n`);

/** Runs `eventlogging ARGS` until GROUP has committed `rows` offsets of TOPIC; seconds and peak RSS (MB). */
async function timedCli(args: readonly string[], group: string, topic: string, rows: number): Promise<{ seconds: number; peakRssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(process.env.EL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), join(ROOT, 'bin/eventlogging'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + 600_000;
    let firstAt = 0;
    for (let done = 0; done < rows; done = await committedTotal(group, topic)) {
      if (done > 0 && firstAt === 0) firstAt = performance.now();
      if (child.exitCode !== null) throw new Error(`eventlogging ${args[0]} exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`${group} did not commit ${rows} offsets: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    log(`${args[0]}: first offsets committed ${((firstAt - started) / 1000).toFixed(2)} s after the start`);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return { seconds, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Runs both consumers on the same R capsules. */
export async function runLakeBench(R = scaled(600_000, 2000)): Promise<LakeBenchResult> {
  const schemaDir = freshSchemaDir('BenchLake');
  const topic = await freshTopic('el-bench-lake', PARTITIONS);
  const errorTopic = await freshTopic('el-bench-lake-errors', 1);
  const producer = testProducer();
  await producer.connect();
  try {
    const lines = testCapsules(R, 'bench', schemaDir.schema).map((c) => JSON.stringify(c));
    for (let i = 0; i < R; i += 4000) {
      const sends: Array<Promise<unknown>> = [];
      for (let j = i; j < Math.min(R, i + 4000); j += 1000) {
        sends.push(producer.send({ topic, messages: lines.slice(j, j + 1000).map((value, k) => ({ value, partition: (j + k) % PARTITIONS })) }));
      }
      await Promise.all(sends);
    }
  } finally {
    await producer.disconnect();
  }
  log(`produced ${R} capsules to ${topic}`);
  const K = `kafka:///${BROKERS.join(',')}`;
  const lake = mkdtempSync(join(tmpdir(), 'el-bench-lake-'));
  const db = await mysql.createConnection({ ...DB_CONFIG, connectTimeout: 5000 });
  const table = tableFor(schemaDir.schema, 1, { type: 'object', properties: { value: { type: 'string' } } });
  try {
    const lakeGroup = uniqueName('el-bench-lake');
    const l = await timedCli(['lake', '--schemas-path', schemaDir.dir, '--batch-seconds', '1', `${K}?topics=${topic}&identity=${lakeGroup}`, `file://${lake}`], lakeGroup, topic, R);
    log(`lake: ${R} rows in ${l.seconds.toFixed(2)} s, peak RSS ${l.peakRssMb.toFixed(0)} MB`);
    const { openEngine } = await import('../src/lake/duckdb.js');
    const engine = await openEngine();
    const [stored] = await engine.all(`SELECT count(DISTINCT uuid) AS n, count(DISTINCT filename) AS files FROM read_parquet('${join(lake, 'event/*/*/*/*/*/*.parquet')}', filename = true)`);
    engine.close();
    if (Number(stored?.n) !== R) throw new Error(`the lake holds ${String(stored?.n)} of ${R} rows`);

    await db.query(createTableDdl(table));
    const mysqlGroup = uniqueName('el-bench-lake-mysql');
    const m = await timedCli(['consumer', '--schemas-path', schemaDir.dir, '--error-output', `${K}?topic=${errorTopic}`,
      `${K}?topics=${topic}&identity=${mysqlGroup}`, `mysql://root:@${DB_CONFIG.host}:${DB_CONFIG.port}/${DB_CONFIG.database}?batch_size=1000&batch_time=1`], mysqlGroup, topic, R);
    log(`MySQL consumer: ${R} rows in ${m.seconds.toFixed(2)} s, peak RSS ${m.peakRssMb.toFixed(0)} MB`);
    const [row] = (await db.query(`SELECT COUNT(*) AS n FROM \`${table.name}\``))[0] as Array<{ n: number }>;
    if (Number(row?.n) !== R) throw new Error(`the table holds ${String(row?.n)} of ${R} rows`);
    return {
      rows: R, lakeRowsPerSec: R / l.seconds, mysqlRowsPerSec: R / m.seconds, ratioToMysqlConsumer: m.seconds / l.seconds,
      lakePeakRssMb: l.peakRssMb, mysqlPeakRssMb: m.peakRssMb, lakeSeconds: l.seconds, mysqlSeconds: m.seconds, lakeFiles: Number(stored?.files ?? 0),
    };
  } finally {
    await db.query(`DROP TABLE IF EXISTS \`${table.name}\``).catch(() => undefined);
    await db.end().catch(() => undefined);
    rmSync(lake, { recursive: true, force: true });
    const admin = testKafka().admin();
    await admin.connect().then(() => admin.deleteTopics({ topics: [topic, errorTopic] })).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await runLakeBench(), null, 2)}\n`);
  process.exit(0);
}
