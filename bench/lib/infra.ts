/**
 * Small helpers the benchmark parts share: Kafka offsets, a fresh MariaDB database, free ports,
 * and sampling another process's resident memory from /proc.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { RdKafka, type KafkaJS } from '@confluentinc/kafka-javascript';
import { testKafka, uniqueName } from '../../test/helpers/kafka.js';
import { DB_CONFIG } from '../../test/helpers/mariadb.js';

/**
 * Sends `lines` to `topic` with a connected producer (`testProducer`: acks -1), round-robin over
 * `partitions`, 1000 per send, 8 sends in flight.
 */
export async function sendRoundRobin(producer: KafkaJS.Producer, topic: string, lines: readonly string[], partitions: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < lines.length) {
      const from = next;
      next += 1000;
      await producer.send({ topic, messages: lines.slice(from, Math.min(from + 1000, lines.length)).map((value, i) => ({ value, partition: (from + i) % partitions })) });
    }
  }));
}

/** An admin client kept open to poll a group's committed offsets cheaply. */
export async function committedReader(group: string, topic: string): Promise<{ committed(): Promise<number>; stableMembers(): Promise<number>; close(): Promise<void> }> {
  const admin = testKafka().admin();
  await admin.connect();
  return {
    async committed() {
      const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    },
    /** Members of the group when it is Stable (every member has its assignment), else 0. */
    async stableMembers() {
      const { groups } = await admin.describeGroups([group]);
      const g = groups[0];
      return g && !g.error && g.state === RdKafka.ConsumerGroupStates.STABLE ? g.members.length : 0;
    },
    close: () => admin.disconnect(),
  };
}

/** Creates a database no earlier run has used and returns its name and an open connection to it. */
export async function freshDatabase(prefix: string): Promise<{ name: string; db: Connection }> {
  const name = uniqueName(prefix).replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
  const db = await mysql.createConnection({ ...DB_CONFIG, connectTimeout: 5000 });
  await db.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await db.query(`USE \`${name}\``);
  return { name, db };
}

/** Drops a database made by `freshDatabase` (benchmarks leave no large tables behind). */
export async function dropDatabase(db: Connection, name: string): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS \`${name}\``);
}

/** Rows in `db`.`table`, or 0 while the consumer has not created the table yet. */
export async function countRows(db: Connection, table: string): Promise<number> {
  try {
    const [rows] = await db.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  } catch (err) {
    if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return 0;
    throw err;
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Current resident set size of `pid` in MiB (VmRSS), or 0 once the process is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples `rssMb(pid)` every `intervalMs` and keeps the maximum since the last `reset()`
 * (VmHWM cannot be reset, and one daemon serves several phases).
 */
export function rssSampler(pid: number, intervalMs = 100): { peak(): number; reset(): void; stop(): void } {
  let peak = rssMb(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, intervalMs);
  timer.unref();
  return {
    peak: () => Math.max(peak, rssMb(pid)),
    reset: () => { peak = rssMb(pid); },
    stop: () => clearInterval(timer),
  };
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Value at quantile `q` (0..1) of an ascending-sorted array; 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
