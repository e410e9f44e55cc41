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

/** A hole in the row ids this long is taken for ids that will never be used (an ignored duplicate). */
const ID_GAP_GIVE_UP_MS = 10_000;

/**
 * Follows the rows of one BenchEvent table: every `intervalMs` it reads the rows it has not seen
 * and records, per row, the time it was first seen minus its `sentAt` (the latency from beacon to
 * visible row; the poll interval bounds the error). Rows with id ≤ `afterId` are ignored.
 *
 * Ids are not visible in id order: concurrent inserts (one per partition) commit in any order, so
 * a row with a lower id can appear after higher ones were read. Reading only `id > highest seen`
 * missed those rows (a run counted 886 of 96,182 stored rows as lost). So the watcher reads from
 * the first id it has not seen, remembers what it saw above it, and gives a hole up only after
 * ID_GAP_GIVE_UP_MS (ids consumed by an ignored duplicate are never filled).
 */
export function watchRows(db: Connection, table: string, afterId = 0, intervalMs = 100): {
  count(): number; firstSeenAt(): number; lastSeenAt(): number; latenciesMs(): Float64Array; stop(): Promise<void>;
  /** Rows first seen after `at` (ms since the epoch). */
  countSeenAfter(at: number): number;
} {
  /** Every id up to here was seen (or given up). */
  let frontier = afterId;
  /** Ids seen above the frontier. */
  const above = new Set<number>();
  let holeSince: number | undefined;
  let count = 0;
  /** When each poll saw rows, and how many. */
  const seen: Array<{ at: number; n: number }> = [];
  let firstSeen = 0;
  let lastSeen = 0;
  let lat = new Float64Array(1 << 16);
  let stopped = false;
  const advance = (now: number): void => {
    while (above.delete(frontier + 1)) frontier += 1;
    if (above.size === 0) {
      holeSince = undefined;
      return;
    }
    holeSince ??= now;
    if (now - holeSince < ID_GAP_GIVE_UP_MS) return;
    let lowest = Infinity;
    for (const id of above) if (id < lowest) lowest = id;
    frontier = lowest - 1;
    holeSince = undefined;
    advance(now);
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        const [rows] = await db.query(`SELECT id, event_sentAt AS s FROM \`${table}\` WHERE id > ? ORDER BY id LIMIT 100000`, [frontier]);
        const now = Date.now();
        const list = (rows as Array<{ id: number; s: number }>).filter((r) => !above.has(Number(r.id)));
        if (list.length > 0) {
          if (firstSeen === 0) firstSeen = now;
          lastSeen = now;
          if (count + list.length > lat.length) {
            const grown = new Float64Array(Math.max(lat.length * 2, count + list.length));
            grown.set(lat.subarray(0, count));
            lat = grown;
          }
          for (const r of list) {
            lat[count++] = now - Number(r.s);
            above.add(Number(r.id));
          }
          seen.push({ at: now, n: list.length });
        }
        advance(now);
        // A full page with new rows: read on at once (a page of rows already seen waits its turn).
        if ((rows as unknown[]).length === 100000 && list.length > 0) continue;
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
    countSeenAfter: (at) => seen.reduce((n, s) => (s.at > at ? n + s.n : n), 0),
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

/** Rows of `table` with an id above `afterId`. */
export async function countRowsAfter(db: Connection, table: string, afterId: number): Promise<number> {
  const [rows] = await db.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE id > ?`, [afterId]);
  return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
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
