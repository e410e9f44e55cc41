import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowedColumnsFor, idRanges, parseAllowlist, pendingRowsSql, planTablePurge, purgeBatchSql, retentionCutoff, schemaOfTable,
} from '../../../src/domain/retention.js';

test('retentionCutoff subtracts whole days from the injected clock, in UTC MediaWiki form', () => {
  assert.equal(retentionCutoff(Date.parse('2024-03-31T12:34:56Z'), 90), '20240101123456');
  assert.equal(retentionCutoff(Date.parse('2024-03-01T00:00:00Z'), 1), '20240229000000');
  assert.throws(() => retentionCutoff(0, 0), /--days/);
});

test('parseAllowlist accepts table or schema keys with column lists, and lists every mistake', () => {
  const list = parseAllowlist({ Edit_1: ['wiki', 'event_action', 'wiki'], NavigationTiming: ['wiki'] });
  assert.deepEqual(list.get('Edit_1'), ['wiki', 'event_action']);
  assert.equal(parseAllowlist(null).size, 0);
  assert.throws(() => parseAllowlist({ A: 'wiki', B: [1], C: ['ok'] }), (e: Error) => /A: expected/.test(e.message) && /B: expected/.test(e.message) && !/C:/.test(e.message));
  assert.throws(() => parseAllowlist(['x']), /mapping/);
});

test('allow list matches the exact table first, then the schema of any revision', () => {
  const list = parseAllowlist({ Edit_2: ['a'], Edit: ['b'], Other_Thing: ['c'] });
  assert.deepEqual(allowedColumnsFor('Edit_2', list), ['a']);
  assert.deepEqual(allowedColumnsFor('Edit_3', list), ['b']);
  assert.deepEqual(allowedColumnsFor('Other_Thing_7', list), ['c']);
  assert.equal(allowedColumnsFor('Nope_1', list), undefined);
  assert.equal(schemaOfTable('Edit_13457736'), 'Edit');
  assert.equal(schemaOfTable('schema_migrations'), undefined);
});

test('planTablePurge: non-event tables are skipped; allow-listed ones null exactly the unlisted columns', () => {
  const cols = ['id', 'uuid', 'dt', 'timestamp', 'wiki', 'webHost', 'userAgent', 'event_a', 'event_b'];
  const list = parseAllowlist({ S: ['wiki', 'event_a'] });
  assert.equal(planTablePurge('settings', cols, list), undefined);
  assert.equal(planTablePurge('X_1', ['id', 'uuid'], list), undefined);
  assert.deepEqual(planTablePurge('X_1', cols, list), { table: 'X_1', action: 'delete' });
  assert.deepEqual(planTablePurge('S_1', cols, list), {
    table: 'S_1', action: 'sanitize',
    nullColumns: ['dt', 'webHost', 'userAgent', 'event_b'],
    keptColumns: ['id', 'uuid', 'timestamp', 'wiki', 'event_a'],
  });
  assert.equal(planTablePurge('S_1', ['id', 'uuid', 'timestamp', 'wiki'], list), undefined);
});

test('batch SQL: deletes or nulls by id range, and skips rows already sanitised so re-runs resume', () => {
  const del = purgeBatchSql({ table: 'X_1', action: 'delete' }, '20240101000000', 1, 101);
  assert.equal(del.sql, 'DELETE FROM `X_1` WHERE `id` >= ? AND `id` < ? AND `timestamp` < ?');
  assert.deepEqual(del.params, [1, 101, '20240101000000']);
  const plan = { table: 'S_1', action: 'sanitize' as const, nullColumns: ['dt', 'event.b'], keptColumns: ['id'] };
  const upd = purgeBatchSql(plan, '20240101000000', 5, 10);
  assert.equal(upd.sql, 'UPDATE `S_1` SET `dt` = NULL, `event.b` = NULL WHERE `id` >= ? AND `id` < ? AND `timestamp` < ? AND (`dt` IS NOT NULL OR `event.b` IS NOT NULL)');
  assert.match(pendingRowsSql(plan, 'c').sql, /WHERE `timestamp` < \? AND \(`dt` IS NOT NULL OR `event.b` IS NOT NULL\)$/);
});

test('idRanges covers lo..hi exactly once in batch-sized half-open ranges', () => {
  assert.deepEqual(idRanges(3, 9, 3), [[3, 6], [6, 9], [9, 10]]);
  assert.deepEqual(idRanges(5, 5, 100), [[5, 6]]);
  assert.throws(() => idRanges(1, 2, 0), /--batch/);
});
