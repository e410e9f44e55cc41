import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { columnsFor, tableFor, tableName } from '../../../../src/domain/table/table-mapping.js';
import { shortHash } from '../../../../src/domain/table/mysql-identifier.js';

const EDIT = JSON.parse(readFileSync(new URL('../../../../schemas/Edit/1.json', import.meta.url), 'utf8')) as unknown;

test('tableName is <Schema>_<revision>; a name with other characters gets a hash, so none share a table', () => {
  assert.equal(tableName('Edit', 1), 'Edit_1');
  assert.equal(tableName('Foo_Bar', 1), 'Foo_Bar_1');
  assert.match(tableName('a.b/c-d', 12), /^a_b_c_d_12_[0-9a-f]{8}$/);
  const names = ['Foo.Bar', 'Foo_Bar', 'Foo/Bar', 'Foo-Bar'].map((s) => tableName(s, 1));
  assert.equal(new Set(names).size, 4, names.join(' '));
  const long = tableName('x'.repeat(63), 123456);
  assert.equal(long.length, 64);
  assert.match(long, /^x{55}_[0-9a-f]{8}$/);
});

test('columns of the demo Edit schema (draft-03): capsule columns, then flattened event properties', () => {
  const columns = columnsFor(EDIT).map((c) => [c.name, c.sqlType]);
  assert.deepEqual(columns, [
    ['id', 'BIGINT'], ['uuid', 'CHAR(32)'], ['dt', 'DATETIME'], ['timestamp', 'VARCHAR(14)'],
    ['wiki', 'VARCHAR(64)'], ['webHost', 'VARCHAR(255)'], ['userAgent', 'TEXT'],
    ['event_action', 'VARCHAR(1024)'], ['event_editor', 'VARCHAR(1024)'], ['event_version', 'BIGINT'],
    ['event_action.init.timing', 'BIGINT'], ['event_page_id', 'BIGINT'], ['event_page_title', 'VARCHAR(1024)'],
  ]);
  const page = columnsFor(EDIT).find((c) => c.name === 'event_page_id');
  assert.deepEqual(page?.source, { kind: 'event', path: ['page', 'id'], encoding: 'scalar' });
});

test('types: bool, bigint, double, varchar/text, JSON text for arrays, bare objects, unions and any', () => {
  const columns = columnsFor({
    properties: {
      b: { type: 'boolean' }, i: { type: 'integer' }, n: { type: 'number' }, s: { type: 'string', maxLength: 1024 },
      long: { type: 'string', maxLength: 1025 }, ns: { type: ['string', 'null'] }, arr: { type: 'array', items: { type: 'integer' } },
      obj: { type: 'object' }, empty: { type: 'object', properties: {} }, union: { type: ['string', 'integer'] },
      any: { type: 'any' }, none: {}, ref: { $ref: '#/definitions/x' }, alt: { anyOf: [{ type: 'string' }] },
    },
  }).slice(7);
  assert.deepEqual(columns.map((c) => [c.name, c.sqlType, c.source.kind === 'event' ? c.source.encoding : '']), [
    ['event_b', 'BOOL', 'scalar'], ['event_i', 'BIGINT', 'scalar'], ['event_n', 'DOUBLE', 'scalar'],
    ['event_s', 'VARCHAR(1024)', 'scalar'], ['event_long', 'TEXT', 'scalar'], ['event_ns', 'VARCHAR(1024)', 'scalar'],
    ['event_arr', 'TEXT', 'json'], ['event_obj', 'TEXT', 'json'], ['event_empty', 'TEXT', 'json'], ['event_union', 'TEXT', 'json'],
    ['event_any', 'TEXT', 'json'], ['event_none', 'TEXT', 'json'], ['event_ref', 'TEXT', 'json'], ['event_alt', 'TEXT', 'json'],
  ]);
});

test('nested objects flatten with _ (event.action.init → event_action_init); draft-07 works too', () => {
  const columns = columnsFor({ $schema: 'http://json-schema.org/draft-07/schema#', properties: { action: { type: 'object', properties: { init: { type: 'integer' } } } } });
  assert.deepEqual(columns.slice(7).map((c) => c.name), ['event_action_init']);
});

test('colliding names are disambiguated deterministically with a hash of the path', () => {
  const schema = { properties: { a: { type: 'object', properties: { b: { type: 'integer' } } }, a_b: { type: 'string' }, A_B: { type: 'string' } } };
  const names = columnsFor(schema).slice(7).map((c) => c.name);
  assert.equal(names[0], 'event_a_b');
  assert.equal(names[1], `event_a_b_${shortHash(JSON.stringify(['a_b']))}`);
  assert.equal(names[2], `event_A_B_${shortHash(JSON.stringify(['A_B']))}`);
  assert.deepEqual(columnsFor(schema).map((c) => c.name), columnsFor(structuredClone(schema)).map((c) => c.name));
});

test('accent-only differences are treated as collisions (the server folds them)', () => {
  const names = columnsFor({ properties: { cafe: { type: 'string' }, café: { type: 'string' } } }).slice(7).map((c) => c.name);
  assert.equal(names[0], 'event_cafe');
  assert.match(names[1]!, /^event_café_[0-9a-f]{8}$/);
});

test('a property named like a capsule column does not collide (event_ prefix)', () => {
  const names = columnsFor({ properties: { uuid: { type: 'string' }, id: { type: 'integer' } } }).map((c) => c.name);
  assert.deepEqual(names.slice(7), ['event_uuid', 'event_id']);
});

test('long names are shortened to 64 characters and stay unique', () => {
  const p1 = `${'p'.repeat(80)}1`;
  const p2 = `${'p'.repeat(80)}2`;
  const names = columnsFor({ properties: { [p1]: { type: 'string' }, [p2]: { type: 'string' } } }).slice(7).map((c) => c.name);
  assert.equal(names.length, 2);
  for (const name of names) assert.equal(name.length, 64);
  assert.notEqual(names[0], names[1]);
});

test('many string properties switch to TEXT before the row size limit', () => {
  const properties = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i}`, { type: 'string' }]));
  const columns = columnsFor({ properties });
  const varcharBytes = columns.reduce((sum, c) => sum + (/CHAR\((\d+)\)/.exec(c.sqlType) ? Number(/\((\d+)\)/.exec(c.sqlType)![1]) * 4 + 2 : 12), 0);
  assert.ok(varcharBytes < 65_535, String(varcharBytes));
  assert.equal(columns.find((c) => c.name === 'event_s0')?.sqlType, 'VARCHAR(1024)');
  assert.equal(columns.find((c) => c.name === 'event_s39')?.sqlType, 'TEXT');
});

test('tableFor combines name and columns', () => {
  const table = tableFor('Edit', 1, EDIT);
  assert.equal(table.name, 'Edit_1');
  assert.equal(table.columns.length, 13);
});

test('columns from the registry’s normalised (frozen) schema equal those from the raw schema', async () => {
  const { createSchemaRegistry } = await import('../../../../src/domain/schema/schema-registry.js');
  const compiled = await createSchemaRegistry({ load: async () => EDIT, now: () => 0 }).get('Edit', 1);
  assert.deepEqual(columnsFor(compiled.eventSchema), columnsFor(EDIT));
});
