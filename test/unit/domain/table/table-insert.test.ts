import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2';
import { insertOutcome, insertRowsSql, insertRowsStatement } from '../../../../src/domain/table/table-insert.js';
import { tableFor } from '../../../../src/domain/table/table-mapping.js';
import type { RowValue } from '../../../../src/domain/table/table-row.js';

const table = tableFor('Edit', 1, { properties: { action: { type: 'string' }, count: { type: 'integer' } } });
const rows: RowValue[][] = [
  ['749684341abf513186c71f74c6a09502', '2013-01-19T23:16:38Z', '20130119231638', 'enwiki', null, '{"browser_family":"Firefox"}', "it's \\ \"odd\"\n", 3],
  ['849684341abf513186c71f74c6a09502', '2013-01-19T23:16:39Z', '20130119231639', null, 'en.wikipedia.org', null, null, -1],
];

test('the placeholder statement: one tuple per row; duplicates skipped by uuid, or REPLACE', () => {
  const tuple = '(?,?,?,?,?,?,?,?)';
  const columns = '(`uuid`,`dt`,`timestamp`,`wiki`,`webHost`,`userAgent`,`event_action`,`event_count`)';
  assert.equal(insertRowsSql(table, 2), `INSERT INTO \`Edit_1\` ${columns} VALUES ${tuple},${tuple} ON DUPLICATE KEY UPDATE \`uuid\` = \`uuid\``);
  assert.equal(insertRowsSql(table, 1, 'replace'), `REPLACE INTO \`Edit_1\` ${columns} VALUES ${tuple}`);
  assert.throws(() => insertRowsSql(table, 0), RangeError);
});

test('the statement with values written in is exactly what mysql2 sends for the placeholder statement', () => {
  for (const mode of ['skip-duplicates', 'replace'] as const) {
    assert.equal(insertRowsStatement(table, rows, mode), mysql.format(insertRowsSql(table, rows.length, mode), rows.flat()));
  }
});

test('a row of the wrong width, or no row at all, is refused before any SQL is written', () => {
  assert.throws(() => insertRowsStatement(table, [rows[0]!.slice(1)]), /has 8 values, got 7/);
  assert.throws(() => insertRowsStatement(table, []), RangeError);
});

test('outcome: skip-duplicates counts affected rows as inserted; REPLACE counts 2 per replaced row', () => {
  assert.deepEqual(insertOutcome(10, 7, 'skip-duplicates'), { inserted: 7, duplicates: 3 });
  assert.deepEqual(insertOutcome(10, 0, 'skip-duplicates'), { inserted: 0, duplicates: 10 });
  assert.deepEqual(insertOutcome(10, 13, 'replace'), { inserted: 7, duplicates: 3 });
  assert.deepEqual(insertOutcome(10, 10, 'replace'), { inserted: 10, duplicates: 0 });
});
