import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowedColumnsFor, allowlistProblems, idRanges, parseAllowlist, pendingRowsSql, planTablePurge, purgeBatchSql, retentionCutoff,
  type OwnedTable,
} from '../../../../src/domain/table/retention.js';
import { tableName } from '../../../../src/domain/table/table-mapping.js';

const owned = (table: string, schema: string, columns: string[] = []): OwnedTable => ({ table, schema, revision: 1, columns });

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

test('allow list matches the exact table first, then the exact schema name of any revision', () => {
  const list = parseAllowlist({ Edit_2: ['a'], Edit: ['b'], 'Foo.Bar': ['c'] });
  assert.deepEqual(allowedColumnsFor(owned('Edit_2', 'Edit'), list), ['a']);
  assert.deepEqual(allowedColumnsFor(owned('Edit_3', 'Edit'), list), ['b']);
  // The schema comes from the table's owner comment, not from its name: `Foo.Bar` matches its table.
  assert.deepEqual(allowedColumnsFor(owned(tableName('Foo.Bar', 1), 'Foo.Bar'), list), ['c']);
  assert.equal(allowedColumnsFor(owned('Foo_Bar_1', 'Foo_Bar'), list), undefined);
});

test('planTablePurge: allow-listed tables null exactly the unlisted columns, others are deleted', () => {
  const cols = ['id', 'uuid', 'dt', 'timestamp', 'wiki', 'webHost', 'userAgent', 'event_a', 'event_b'];
  const list = parseAllowlist({ S: ['wiki', 'event_a'] });
  assert.deepEqual(planTablePurge(owned('X_1', 'X', cols), list), { table: 'X_1', action: 'delete' });
  assert.deepEqual(planTablePurge(owned('S_1', 'S', cols), list), {
    table: 'S_1', action: 'sanitize',
    nullColumns: ['dt', 'webHost', 'userAgent', 'event_b'],
    keptColumns: ['id', 'uuid', 'timestamp', 'wiki', 'event_a'],
  });
  assert.equal(planTablePurge(owned('S_1', 'S', ['id', 'uuid', 'timestamp', 'wiki']), list), undefined);
  // Exact column names: `Event_A` is not `event_a`.
  assert.deepEqual((planTablePurge(owned('S_1', 'S', ['id', 'timestamp', 'Event_A']), list) as { readonly nullColumns: readonly string[] }).nullColumns, ['Event_A']);
});

test('allowlistProblems names entries that match no table or schema, and columns no matched table has', () => {
  const tables = [owned('Edit_1', 'Edit', ['id', 'timestamp', 'wiki']), owned('Edit_2', 'Edit', ['id', 'timestamp', 'wiki', 'event_x'])];
  const list = parseAllowlist({ Edit: ['wiki', 'event_x', 'event_typo'], Edti: ['wiki'], Edit_2: ['uuid'] });
  // Edit_2 has its own entry, so the schema entry covers Edit_1 only.
  assert.deepEqual(allowlistProblems(tables, list), [
    'allow list entry "Edit": column "event_x" is in none of its tables (Edit_1)',
    'allow list entry "Edit": column "event_typo" is in none of its tables (Edit_1)',
    'allow list entry "Edti" matches no event table or schema',
  ]);
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
