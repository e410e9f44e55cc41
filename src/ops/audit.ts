import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import {
  auditEvent, bucketLength, compareAudit, countInto,
  type AuditBucketSize, type AuditKey, type AuditLine,
} from '../domain/table/audit-compare.js';
import { ElError } from '../domain/errors.js';
import { quoteIdentifier } from '../domain/table/mysql-identifier.js';
import { mediawikiTimestamp } from '../domain/table/table-row.js';
import { tableName } from '../domain/table/table-mapping.js';
import type { BotPolicy } from '../domain/event/user-agent.js';

type Counts = Map<string, { key: AuditKey; n: number }>;

/** Inputs of {@link runAudit}. */
export interface AuditOptions {
  readonly kafka: KafkaJS.Kafka;
  readonly topic: string;
  readonly connection: Pick<Connection, 'query'>;
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly by: AuditBucketSize;
  readonly policy?: BotPolicy;
  /** Messages produced up to this long after `until` are still read (processing delay). */
  readonly graceMs?: number;
  /** Only schemas present in this repository directory (`<Name>/<revision>.json|yaml`). */
  readonly schemasPath?: string;
  readonly timeoutMs?: number;
  readonly progress?: (line: string) => void;
}

/** The audit's result: one line per (schema, revision, bucket), and what was read. */
export interface AuditReport {
  readonly lines: readonly AuditLine[];
  readonly messagesRead: number;
  readonly skipped: Readonly<Record<string, number>>;
}

function inRepository(dir: string, key: AuditKey): boolean {
  return ['json', 'yaml', 'yml'].some((ext) => existsSync(join(dir, key.schema, `${key.revision}.${ext}`)));
}

/**
 * Counts, per (schema, revision, bucket of `dt`), the events of `topic` that the MySQL consumer
 * would store. Reading starts at the first offset with a message timestamp ≥ since (the broker's
 * time index) and ends at the high watermark seen at start, or once messages are more than
 * `graceMs` past until — so a busy topic is not read to its end for an old window.
 */
async function countTopic(options: AuditOptions, range: { since: string; until: string }): Promise<{ counts: Counts; read: number; skipped: Record<string, number> }> {
  const { kafka, topic } = options;
  const stopAtMs = options.untilMs + (options.graceMs ?? 600_000);
  const admin = kafka.admin();
  await admin.connect();
  let starts: Array<{ partition: number; offset: string }>;
  let highs: Array<{ partition: number; high: string }>;
  try {
    starts = await admin.fetchTopicOffsetsByTimestamp(topic, options.sinceMs);
    highs = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const highOf = new Map(highs.map((h) => [h.partition, Number(h.high)]));
  const pending = new Map<number, { start: number; end: number }>();
  for (const s of starts) {
    const end = highOf.get(s.partition) ?? 0;
    const start = Number(s.offset) < 0 ? end : Number(s.offset);
    if (start < end) pending.set(s.partition, { start, end });
  }
  const counts: Counts = new Map();
  const skipped: Record<string, number> = {};
  let read = 0;
  if (pending.size === 0) return { counts, read, skipped };

  // A throwaway group that never commits: the audit must not move anyone's offsets.
  const consumer = kafka.consumer({
    kafkaJS: { groupId: `eventlogging-audit-${randomUUID()}`, allowAutoTopicCreation: false, fromBeginning: true, autoCommit: false },
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => { finish = resolve; });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ElError('EL_TIMEOUT', `audit: reading ${topic} did not finish within ${options.timeoutMs ?? 120_000} ms (partitions left: ${[...pending.keys()].join(', ')})`)), options.timeoutMs ?? 120_000);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    // Seeks before the group assigns the partitions are kept and applied at the assignment.
    for (const [partition, window] of pending) consumer.seek({ topic, partition, offset: String(window.start) });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const window = pending.get(partition);
        if (!window) return;
        const offset = Number(message.offset);
        if (offset < window.start) return;
        if (offset >= window.end || Number(message.timestamp) > stopAtMs) {
          pending.delete(partition);
          if (pending.size === 0) finish();
          return;
        }
        read += 1;
        if (read % 10_000 === 0) options.progress?.(`read ${read} messages of ${topic}`);
        const verdict = auditEvent(message.value?.toString('utf8') ?? '', range, options.by, options.policy);
        if (verdict.kind === 'count' && (!options.schemasPath || inRepository(options.schemasPath, verdict.key))) countInto(counts, verdict.key);
        else {
          const reason = verdict.kind === 'skip' ? verdict.reason : 'not-in-repository';
          skipped[reason] = (skipped[reason] ?? 0) + 1;
        }
        if (offset >= window.end - 1) {
          pending.delete(partition);
          if (pending.size === 0) finish();
        }
      },
    });
    await Promise.race([finished, timedOut]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return { counts, read, skipped };
}

/** Rows per bucket of each table, in `[since, until)` by the `timestamp` column. A missing table has none. */
async function countRows(options: AuditOptions, tables: ReadonlyMap<string, { schema: string; revision: number }>, range: { since: string; until: string }): Promise<Counts> {
  const counts: Counts = new Map();
  const n = bucketLength(options.by);
  for (const [table, { schema, revision }] of tables) {
    try {
      const [rows] = await options.connection.query<RowDataPacket[]>(
        `SELECT LEFT(${quoteIdentifier('timestamp')}, ${n}) AS bucket, COUNT(*) AS n FROM ${quoteIdentifier(table)} WHERE ${quoteIdentifier('timestamp')} >= ? AND ${quoteIdentifier('timestamp')} < ? GROUP BY bucket`,
        [range.since, range.until],
      );
      for (const row of rows) countInto(counts, { schema, revision, bucket: String(row.bucket) }, Number(row.n));
    } catch (error) {
      // No table yet: the consumer never stored a row of this revision; every event is missing.
      if ((error as { code?: string }).code !== 'ER_NO_SUCH_TABLE') throw error;
    }
  }
  return counts;
}

/**
 * The runbook's end-to-end check: per schema and hour (or minute), events on the valid topic that
 * the MySQL consumer should have stored, next to the rows in `<Schema>_<revision>`.
 */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const since = mediawikiTimestamp(new Date(options.sinceMs).toISOString());
  const until = mediawikiTimestamp(new Date(options.untilMs).toISOString());
  if (since === null || until === null || since >= until) throw new ElError('EL_USAGE', '--since must be before --until');
  const range = { since, until };
  const { counts: events, read, skipped } = await countTopic(options, range);
  const tables = new Map<string, { schema: string; revision: number }>();
  for (const { key } of events.values()) tables.set(tableName(key.schema, key.revision), { schema: key.schema, revision: key.revision });
  const rows = await countRows(options, tables, range);
  return { lines: compareAudit(events, rows), messagesRead: read, skipped };
}
