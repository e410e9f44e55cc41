import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeEventSchema } from '../../../../src/domain/schema/schema-normalize.js';
import { isElError } from '../../../../src/domain/errors.js';

test('top-level additionalProperties defaults to false; nested objects keep the JSON Schema default', () => {
  const out = normalizeEventSchema({ properties: { page: { type: 'object', properties: { id: { type: 'integer' } } } } });
  assert.equal(out.additionalProperties, false);
  assert.equal('additionalProperties' in (out.properties as { page: object }).page, false);
  assert.equal(normalizeEventSchema({ additionalProperties: true }).additionalProperties, true);
});

test('the default is not applied when the top level combines schemas', () => {
  assert.equal('additionalProperties' in normalizeEventSchema({ allOf: [{ properties: { a: {} } }] }), false);
  assert.equal('additionalProperties' in normalizeEventSchema({ extends: { properties: { a: { required: true } } } }), false);
});

test('draft-03 is converted, $schema removed, draft-04 exclusive bounds rewritten, draft-07 kept', () => {
  const d3 = normalizeEventSchema({ $schema: 'http://json-schema.org/draft-03/schema#', properties: { a: { type: 'any', required: true } } });
  assert.deepEqual(d3, { properties: { a: {} }, required: ['a'], additionalProperties: false });
  const d4 = normalizeEventSchema({ $schema: 'http://json-schema.org/draft-04/schema#', properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } } });
  assert.deepEqual(d4, { properties: { n: { type: 'number', exclusiveMinimum: 0 } }, additionalProperties: false });
  const d7 = normalizeEventSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['a'], properties: { a: { const: 1 } } });
  assert.deepEqual(d7, { type: 'object', required: ['a'], properties: { a: { const: 1 } }, additionalProperties: false });
});

test('a non-object schema is EL_SCHEMA_INVALID', () => {
  for (const bad of [null, [], 'x', 3]) {
    assert.throws(() => normalizeEventSchema(bad), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID');
  }
});
