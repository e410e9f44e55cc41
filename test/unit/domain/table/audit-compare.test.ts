import { tableName } from '../../../../src/domain/table/table-mapping.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditEvent, compareAudit, countInto, formatBucket, type AuditKey } from '../../../../src/domain/table/audit-compare.js';

const range = { since: '20241001000000', until: '20241002000000' };
const capsule = (extra: Record<string, unknown> = {}) => JSON.stringify({ schema: 'Edit', revision: 3, dt: '2024-10-01T12:34:56Z', event: {}, userAgent: null, ...extra });
const bot = { browser_family: 'Other', device_family: 'Spider', is_bot: true, is_mediawiki: false };

test('auditEvent buckets a capsule by the hour or minute of its dt', () => {
  assert.deepEqual(auditEvent(capsule(), range, 'hour'), { kind: 'count', key: { schema: 'Edit', revision: 3, bucket: '2024100112' } });
  assert.deepEqual(auditEvent(capsule(), range, 'minute'), { kind: 'count', key: { schema: 'Edit', revision: 3, bucket: '202410011234' } });
});

test('auditEvent skips what the consumer would not store, and what lies outside [since, until)', () => {
  assert.deepEqual(auditEvent('{nope', range, 'hour'), { kind: 'skip', reason: 'unparsable' });
  assert.deepEqual(auditEvent('{"schema":"Edit"}', range, 'hour'), { kind: 'skip', reason: 'not-a-capsule' });
  assert.deepEqual(auditEvent(capsule({ userAgent: bot }), range, 'hour'), { kind: 'skip', reason: 'bot' });
  assert.equal(auditEvent(capsule({ userAgent: { ...bot, is_mediawiki: true } }), range, 'hour').kind, 'count', 'MediaWiki bots are kept');
  assert.equal(auditEvent(capsule({ userAgent: bot }), range, 'hour', { dropBots: false }).kind, 'count', 'keep-all policy');
  assert.deepEqual(auditEvent(capsule({ dt: '2024-10-02T00:00:00Z' }), range, 'hour'), { kind: 'skip', reason: 'out-of-range' });
  assert.equal(auditEvent(capsule({ dt: '2024-10-01T00:00:00Z' }), range, 'hour').kind, 'count', 'since is inclusive');
});

test('compareAudit flags buckets with fewer rows than events, not more', () => {
  const events = new Map<string, { key: AuditKey; n: number }>();
  const rows = new Map<string, { key: AuditKey; n: number }>();
  const k = (bucket: string, schema = 'Edit'): AuditKey => ({ schema, revision: 1, bucket });
  countInto(events, k('2024100110'), 5);
  countInto(events, k('2024100111'));
  countInto(events, k('2024100111'));
  countInto(events, k('2024100110', 'Nav.Timing'), 1);
  countInto(rows, k('2024100110'), 5);
  countInto(rows, k('2024100111'), 1);
  countInto(rows, k('2024100112'), 7);
  assert.deepEqual(compareAudit(events, rows).map((l) => [l.table, l.bucket, l.events, l.rows, l.missing, l.gap]), [
    ['Edit_1', '2024100110', 5, 5, 0, false],
    ['Edit_1', '2024100111', 2, 1, 1, true],
    ['Edit_1', '2024100112', 0, 7, 0, false],
    [tableName('Nav.Timing', 1), '2024100110', 1, 0, 1, true],
  ]);
});

test('formatBucket shows hours and minutes as ISO text', () => {
  assert.equal(formatBucket('2024100112'), '2024-10-01T12');
  assert.equal(formatBucket('202410011234'), '2024-10-01T12:34');
});
