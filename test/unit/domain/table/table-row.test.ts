import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptRow, mediawikiTimestamp, rowFor, sqlDatetime } from '../../../../src/domain/table/table-row.js';
import { tableFor, withTextDt } from '../../../../src/domain/table/table-mapping.js';

const table = tableFor('Edit', 1, {
  properties: {
    action: { type: 'string' }, version: { type: 'integer' }, ok: { type: 'boolean' }, ratio: { type: 'number' },
    'action.init.timing': { type: 'integer' }, page: { type: 'object', properties: { id: { type: 'integer' }, title: { type: 'string' } } },
    tags: { type: 'array' }, extra: { type: 'object' }, anything: { type: 'any' },
  },
});

test('mediawikiTimestamp is YYYYMMDDHHMMSS in UTC, null when dt does not parse', () => {
  assert.equal(mediawikiTimestamp('2013-01-19T23:16:38Z'), '20130119231638');
  assert.equal(mediawikiTimestamp('2013-01-19T23:16:38.999+02:00'), '20130119211638');
  assert.equal(mediawikiTimestamp('not a time'), null);
});

test('rowFor gives one value per insert column, in order, ip never stored', () => {
  const row = rowFor({
    uuid: '749684341abf513186c71f74c6a09502', dt: '2013-01-19T23:16:38Z', wiki: 'enwiki', webHost: 'en.wikipedia.org',
    userAgent: { browser_family: 'Firefox', is_bot: false }, ip: '10.0.0.1',
    event: { action: 'init', version: 3, ok: true, ratio: 0.5, 'action.init.timing': 12, page: { id: 7, title: 'Main' }, tags: ['a', 1], extra: { k: [1] }, anything: 'str' },
  } as Parameters<typeof rowFor>[0], table);
  assert.deepEqual(row, [
    '749684341abf513186c71f74c6a09502', '2013-01-19 23:16:38', '20130119231638', 'enwiki', 'en.wikipedia.org',
    '{"browser_family":"Firefox","is_bot":false}',
    'init', 3, true, 0.5, 12, 7, 'Main', '["a",1]', '{"k":[1]}', '"str"',
  ]);
  assert.ok(!row.includes('10.0.0.1'));
});

test('missing values are null, including a missing nested object and absent capsule fields', () => {
  const row = rowFor({ uuid: 'u'.repeat(32), dt: '2013-01-19T23:16:38Z', event: { page: null } }, table);
  assert.equal(row.length, table.columns.length - 1);
  assert.deepEqual(row.slice(3), Array(row.length - 3).fill(null));
});

test('a value of the wrong type (unvalidated event) is kept as JSON text, never thrown on', () => {
  const row = rowFor({ uuid: 'u'.repeat(32), dt: 'x', event: { version: 'three', ok: 'yes', page: 'flat' } }, table);
  assert.equal(row[2], null);
  assert.equal(row[7], '"three"');
  assert.equal(row[8], '"yes"');
  assert.equal(row[11], null);
});

test('inherited keys are not read from the event (no prototype values leak into rows)', () => {
  const t = tableFor('T', 1, { properties: { constructor: { type: 'any' }, toString: { type: 'string' } } });
  assert.deepEqual(rowFor({ uuid: 'u'.repeat(32), dt: 'x', event: {} }, t).slice(6), [null, null]);
});

test('dt goes to a DATETIME as UTC `YYYY-MM-DD HH:MM:SS[.fraction]`, whatever zone it was sent in; null when it does not parse', () => {
  assert.equal(sqlDatetime('2013-01-19T23:16:38Z'), '2013-01-19 23:16:38');
  assert.equal(sqlDatetime('2013-01-21T18:10:34.912000'), '2013-01-21 18:10:34.912000');
  assert.equal(sqlDatetime('2013-01-20T01:16:38+02:00'), '2013-01-19 23:16:38');
  assert.equal(sqlDatetime('yesterday'), null);
});

test('a table of an earlier version keeps dt as ISO text: withTextDt types it VARCHAR(32), adaptRow turns the value back', () => {
  const current = tableFor('Test', 1, { type: 'object', properties: { page: { type: 'string' } } });
  const legacy = withTextDt(current);
  assert.equal(legacy.columns.find((c) => c.name === 'dt')!.sqlType, 'VARCHAR(32)');
  assert.equal(current.columns.find((c) => c.name === 'dt')!.sqlType, 'DATETIME', 'the definition it came from is unchanged');
  const capsule = { uuid: 'u'.repeat(32), dt: '2013-01-21T18:10:34.912000', event: { page: 'Main' } };
  const row = rowFor(capsule, current);
  assert.deepEqual(adaptRow(current, legacy, row), rowFor(capsule, legacy));
  assert.equal(adaptRow(current, legacy, row)[1], '2013-01-21T18:10:34.912000Z');
  assert.equal(adaptRow(current, current, row), row, 'the same table: the row as it is');
});
