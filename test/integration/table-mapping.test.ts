// The table mapping against the real MariaDB: the DDL is accepted for awkward property names,
// a row from rowFor inserts and reads back, and INSERT IGNORE drops a redelivered uuid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import { freshTableName, openDb } from '../helpers/mariadb.js';
import { tableFor, type TableDefinition } from '../../src/domain/table/table-mapping.js';
import { createTableDdl, insertColumns, insertIgnoreSql } from '../../src/domain/table/table-ddl.js';
import { rowFor, type RowCapsule } from '../../src/domain/table/table-row.js';
import { quoteIdentifier } from '../../src/domain/table/mysql-identifier.js';

const EDIT = JSON.parse(readFileSync(new URL('../../schemas/Edit/1.json', import.meta.url), 'utf8')) as unknown;

/** Creates the table under a fresh name, inserts `capsules`, returns the rows read back by column name. */
async function roundTrip(prefix: string, schema: unknown, capsules: RowCapsule[]): Promise<{ table: TableDefinition; rows: Record<string, unknown>[]; inserted: number[] }> {
  const table = { ...tableFor(prefix, 1, schema), name: freshTableName(prefix) };
  const db = await openDb();
  try {
    await db.query(createTableDdl(table));
    try {
      const inserted: number[] = [];
      for (const capsule of capsules) {
        const [result] = await db.query<ResultSetHeader>(insertIgnoreSql(table, 1), rowFor(capsule, table));
        inserted.push(result.affectedRows);
      }
      const select = `SELECT ${insertColumns(table).map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${quoteIdentifier(table.name)} ORDER BY \`id\``;
      const [rows] = await db.query<RowDataPacket[]>({ sql: select, rowsAsArray: true, dateStrings: true });
      const named = (rows as unknown as unknown[][]).map((row) => Object.fromEntries(insertColumns(table).map((c, i) => [c.name, row[i]])));
      return { table, rows: named, inserted };
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${quoteIdentifier(table.name)}`);
    }
  } finally {
    await db.end();
  }
}

const base = { uuid: '749684341abf513186c71f74c6a09502', dt: '2013-01-19T23:16:38Z', wiki: 'enwiki', webHost: 'en.wikipedia.org', userAgent: { browser_family: 'Firefox', is_bot: false } };

test('demo Edit schema (draft-03, dotted and nested names): DDL, insert, read back, duplicate ignored', async () => {
  const event = { action: 'saveSuccess', editor: 'wikitext', version: 2, 'action.init.timing': 1234, page: { id: 42, title: 'Main Page' } };
  const { rows, inserted } = await roundTrip('el_edit', EDIT, [{ ...base, event }, { ...base, event: { ...event, version: 3 } }]);
  assert.deepEqual(inserted, [1, 0], 'the second insert with the same uuid is ignored');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0], {
    uuid: base.uuid, dt: '2013-01-19 23:16:38', timestamp: '20130119231638', wiki: 'enwiki', webHost: 'en.wikipedia.org',
    userAgent: '{"browser_family":"Firefox","is_bot":false}',
    event_action: 'saveSuccess', event_editor: 'wikitext', event_version: 2, 'event_action.init.timing': 1234,
    event_page_id: 42, event_page_title: 'Main Page',
  });
});

test('names with backticks, quotes, semicolons, NUL, trailing spaces, case and accent twins, and very long names', async () => {
  const long1 = `measurement_${'x'.repeat(70)}_first`;
  const long2 = `measurement_${'x'.repeat(70)}_second`;
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    properties: {
      'x`y': { type: 'string' }, "it's": { type: 'integer' }, 'a"b; DROP TABLE t; --': { type: 'boolean' },
      'nul\u0000l': { type: 'number' }, 'trailing ': { type: 'string' }, cafe: { type: 'string' }, café: { type: 'string' },
      Size: { type: 'integer' }, size: { type: 'integer' }, [long1]: { type: 'string' }, [long2]: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } }, blob: { type: 'object' }, anything: {},
    },
  };
  const event = {
    'x`y': 'bq', "it's": 7, 'a"b; DROP TABLE t; --': true, 'nul\u0000l': 0.25, 'trailing ': 'ts', cafe: 'plain', café: 'accent',
    Size: 1, size: 2, [long1]: 'L1', [long2]: 'L2', tags: ['a', 'b'], blob: { k: [1, null] }, anything: 5,
  };
  const { table, rows } = await roundTrip('el_nasty', schema, [{ ...base, event }]);
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  const byPath = (path: string): unknown => {
    const column = table.columns.find((c) => c.source.kind === 'event' && c.source.path.join('\u0001') === path);
    assert.ok(column, path);
    return row[column.name];
  };
  assert.equal(byPath('x`y'), 'bq');
  assert.equal(byPath("it's"), 7);
  assert.equal(byPath('a"b; DROP TABLE t; --'), 1); // BOOL is TINYINT(1)
  assert.equal(byPath('nul\u0000l'), 0.25);
  assert.equal(byPath('trailing '), 'ts');
  assert.equal(byPath('cafe'), 'plain');
  assert.equal(byPath('café'), 'accent');
  assert.equal(byPath('Size'), 1);
  assert.equal(byPath('size'), 2);
  assert.equal(byPath(long1), 'L1');
  assert.equal(byPath(long2), 'L2');
  assert.equal(byPath('tags'), '["a","b"]');
  assert.equal(byPath('blob'), '{"k":[1,null]}');
  assert.equal(byPath('anything'), '5');
});

test('a schema with many string properties still gets a table (row size budget)', async () => {
  const properties = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, { type: 'string' }]));
  const event = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, `v${i}`]));
  const { rows } = await roundTrip('el_wide', { properties }, [{ ...base, event }]);
  assert.equal(rows[0]?.field39 ?? rows[0]?.event_field39, 'v39');
});

test('missing values and a missing capsule webHost are NULL', async () => {
  const { rows } = await roundTrip('el_nulls', EDIT, [{ uuid: base.uuid, dt: base.dt, wiki: 'enwiki', event: { action: 'init', version: 1 } }]);
  assert.equal(rows[0]?.webHost, null);
  assert.equal(rows[0]?.userAgent, null);
  assert.equal(rows[0]?.event_page_id, null);
  assert.equal(rows[0]?.['event_action.init.timing'], null);
});
