/**
 * A whole pipeline for one benchmark: fresh raw and valid-mixed topics (4 partitions), fresh
 * consumer groups, a fresh database, a schema folder with BenchEvent revisions, and one daemon
 * running an intake, a processor and a MySQL consumer on them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { BROKERS, freshTopic, uniqueName } from '../../test/helpers/kafka.js';
import { benchSchemas, RAW_FORMAT, startDaemon, type Daemon } from './daemon.js';
import { dropDatabase, freePort, freshDatabase, quantile, sleep } from './infra.js';

/** A running pipeline and what a benchmark needs to drive and observe it. */
export interface Pipeline {
  readonly daemon: Daemon;
  readonly intake: { readonly host: string; readonly port: number };
  readonly db: Connection;
  readonly database: string;
  readonly rawTopic: string;
  readonly mixedTopic: string;
  /** Stops the daemon, drops the database, closes the connection. */
  close(): Promise<void>;
}

/** Starts intake + processor + consumer (or only the intake) on fresh topics, groups and database. */
export async function startPipeline(options: { revisions: number; intakeOnly?: boolean; partitions?: number }): Promise<Pipeline> {
  const partitions = options.partitions ?? 4;
  const rawTopic = await freshTopic('bench-raw', partitions);
  const mixedTopic = await freshTopic('bench-valid-mixed', partitions);
  const prefix = uniqueName('bench').replace(/[^A-Za-z0-9_-]/g, '_');
  const { name: database, db } = await freshDatabase('bench');
  const schemas = benchSchemas(options.revisions);
  const port = await freePort();
  const K = `kafka:///${BROKERS.join(',')}`;
  const files: Record<string, string[]> = {
    'intakes/beacon': [
      '--host', '127.0.0.1', '--port', String(port), '--recv-from', 'bench.intake',
      '--seq-state', join(mkdtempSync(join(tmpdir(), 'el-bench-seq-')), 'intake.seq'),
      `${K}?topic=${rawTopic}`,
    ],
  };
  if (!options.intakeOnly) {
    files['processors/client-side-00'] = [
      '--schemas-path', schemas, '--output-invalid', `${K}?topic=${prefix}_EventError`,
      RAW_FORMAT, `${K}?topics=${rawTopic}&identity=${prefix}-processor`, `${K}?topic=${prefix}_{schema}`, `${K}?topic=${mixedTopic}`,
    ];
    files['consumers/mysql-00'] = [
      '--schemas-path', schemas,
      `${K}?topics=${mixedTopic}&identity=${prefix}-consumer`,
      `mysql://root:@127.0.0.1:3306/${database}?batch_size=1000&batch_time=0.2`,
    ];
  }
  const daemon = await startDaemon(files);
  return {
    daemon, intake: { host: '127.0.0.1', port }, db, database, rawTopic, mixedTopic,
    async close() {
      await daemon.stop();
      await dropDatabase(db, database).catch(() => undefined);
      await db.end();
    },
  };
}

/**
 * Follows the rows of one BenchEvent table: every `intervalMs` it reads the rows added since the
 * last poll and records, per row, the time it was first seen minus its `sentAt` (the latency from
 * beacon to visible row; the poll interval bounds the error). Rows with id ≤ `afterId` are ignored.
 */
export function watchRows(db: Connection, table: string, afterId = 0, intervalMs = 100): {
  count(): number; firstSeenAt(): number; lastSeenAt(): number; latenciesMs(): Float64Array; stop(): Promise<void>;
} {
  let lastId = afterId;
  let count = 0;
  let firstSeen = 0;
  let lastSeen = 0;
  let lat = new Float64Array(1 << 16);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const [rows] = await db.query(`SELECT id, event_sentAt AS s FROM \`${table}\` WHERE id > ? ORDER BY id LIMIT 100000`, [lastId]);
        const now = Date.now();
        const list = rows as Array<{ id: number; s: number }>;
        if (list.length > 0) {
          if (firstSeen === 0) firstSeen = now;
          lastSeen = now;
          if (count + list.length > lat.length) {
            const grown = new Float64Array(Math.max(lat.length * 2, count + list.length));
            grown.set(lat.subarray(0, count));
            lat = grown;
          }
          for (const r of list) lat[count++] = now - Number(r.s);
          lastId = Number(list[list.length - 1]!.id);
          if (list.length === 100000) continue;
        }
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_NO_SUCH_TABLE') throw err;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    count: () => count,
    firstSeenAt: () => firstSeen,
    lastSeenAt: () => lastSeen,
    latenciesMs: () => lat.slice(0, count).sort(),
    async stop() { stopped = true; await loop; },
  };
}

/**
 * Waits until `expected` rows were seen, or no new row arrived for `quietMs`, or `maxMs` passed.
 * @returns the ms waited
 */
export async function waitForRows(watch: { count(): number }, expected: number, quietMs: number, maxMs: number): Promise<number> {
  const started = Date.now();
  let last = watch.count();
  let lastChange = Date.now();
  while (watch.count() < expected && Date.now() - started < maxMs) {
    await sleep(100);
    if (watch.count() !== last) { last = watch.count(); lastChange = Date.now(); }
    if (Date.now() - lastChange > quietMs) break;
  }
  return Date.now() - started;
}

/** p50/p99/max of ascending latencies, in ms. */
export function latencySummary(sorted: Float64Array): { p50Ms: number; p99Ms: number; maxMs: number } {
  return { p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted.length ? sorted[sorted.length - 1]! : 0 };
}

/** The highest row id of `table` (0 when empty or missing). */
export async function maxId(db: Connection, table: string): Promise<number> {
  try {
    const [rows] = await db.query(`SELECT COALESCE(MAX(id), 0) AS m FROM \`${table}\``);
    return Number((rows as Array<{ m: number }>)[0]?.m ?? 0);
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return 0;
    throw err;
  }
}
