import { tableName } from './table-mapping.js';
import { keepForMysql, type BotPolicy, type UserAgentInfo } from '../event/user-agent.js';
import { mediawikiTimestamp } from './table-row.js';

/** Audit granularity: MediaWiki timestamp prefixes of 10 (hour) or 12 (minute) digits. */
export type AuditBucketSize = 'hour' | 'minute';

/** Length of the `timestamp` prefix that names a bucket (`LEFT(timestamp, n)`). */
export function bucketLength(by: AuditBucketSize): 10 | 12 {
  return by === 'hour' ? 10 : 12;
}

/** A (schema, revision, bucket) count key. */
export interface AuditKey {
  readonly schema: string;
  readonly revision: number;
  /** `YYYYMMDDHH` or `YYYYMMDDHHMM` (UTC). */
  readonly bucket: string;
}

/** One line of the audit: events the consumer should have stored next to rows found. */
export interface AuditLine extends AuditKey {
  readonly table: string;
  readonly events: number;
  readonly rows: number;
  /** Rows missing (events − rows, when positive). */
  readonly missing: number;
  readonly gap: boolean;
}

/** What the audit takes from one message of the valid topic: its bucket, or why it is not counted. */
export type AuditEventVerdict =
  | { readonly kind: 'count'; readonly key: AuditKey }
  | { readonly kind: 'skip'; readonly reason: 'unparsable' | 'not-a-capsule' | 'bot' | 'out-of-range' };

/**
 * Classifies one message value of the valid topic: counted under (schema, revision, bucket of its
 * `dt`) when the MySQL consumer would store it — the bot filter (`keepForMysql`) is applied, so
 * legitimately dropped bot events do not show up as gaps — and `dt` lies in `[since, until)`
 * (MediaWiki timestamps).
 */
export function auditEvent(value: string, range: { since: string; until: string }, by: AuditBucketSize, policy: BotPolicy = {}): AuditEventVerdict {
  let capsule: unknown;
  try {
    capsule = JSON.parse(value);
  } catch {
    return { kind: 'skip', reason: 'unparsable' };
  }
  if (typeof capsule !== 'object' || capsule === null) return { kind: 'skip', reason: 'not-a-capsule' };
  const c = capsule as { schema?: unknown; revision?: unknown; dt?: unknown; userAgent?: unknown };
  if (typeof c.schema !== 'string' || !Number.isInteger(c.revision) || typeof c.dt !== 'string') return { kind: 'skip', reason: 'not-a-capsule' };
  const ts = mediawikiTimestamp(c.dt);
  if (ts === null) return { kind: 'skip', reason: 'not-a-capsule' };
  if (ts < range.since || ts >= range.until) return { kind: 'skip', reason: 'out-of-range' };
  const ua = typeof c.userAgent === 'object' ? (c.userAgent as UserAgentInfo | null) : undefined;
  if (!keepForMysql(ua, policy)) return { kind: 'skip', reason: 'bot' };
  return { kind: 'count', key: { schema: c.schema, revision: c.revision as number, bucket: ts.slice(0, bucketLength(by)) } };
}

/** Map key of an {@link AuditKey}. */
export function auditKeyString(key: AuditKey): string {
  return `${key.schema}\u0000${key.revision}\u0000${key.bucket}`;
}

/** Adds one to `counts` under `key`. */
export function countInto(counts: Map<string, { key: AuditKey; n: number }>, key: AuditKey, n = 1): void {
  const k = auditKeyString(key);
  const entry = counts.get(k);
  if (entry) entry.n += n;
  else counts.set(k, { key, n });
}

/**
 * Lines events-against-rows for every key seen on either side, sorted by schema, revision,
 * bucket. A gap is fewer rows than events; more rows than events is not a gap (rows from before
 * the topic's retention, or a replay) and is shown as it is.
 */
export function compareAudit(events: ReadonlyMap<string, { key: AuditKey; n: number }>, rows: ReadonlyMap<string, { key: AuditKey; n: number }>): AuditLine[] {
  const keys = new Map<string, AuditKey>();
  for (const [k, v] of events) keys.set(k, v.key);
  for (const [k, v] of rows) keys.set(k, v.key);
  return [...keys.entries()]
    .map(([k, key]): AuditLine => {
      const e = events.get(k)?.n ?? 0;
      const r = rows.get(k)?.n ?? 0;
      return { ...key, table: tableName(key.schema, key.revision), events: e, rows: r, missing: Math.max(0, e - r), gap: r < e };
    })
    .sort((a, b) => a.schema.localeCompare(b.schema) || a.revision - b.revision || a.bucket.localeCompare(b.bucket));
}

/** A bucket as ISO text for people: `2024010112` → `2024-01-01T12`, `202401011230` → `2024-01-01T12:30`. */
export function formatBucket(bucket: string): string {
  const base = `${bucket.slice(0, 4)}-${bucket.slice(4, 6)}-${bucket.slice(6, 8)}T${bucket.slice(8, 10)}`;
  return bucket.length > 10 ? `${base}:${bucket.slice(10, 12)}` : base;
}
