import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { capsuleSchemaFor, formatValidationErrors } from '../../../../src/domain/schema/capsule-schema.js';

const capsule = { event: {}, schema: 'Edit', revision: 1, wiki: 'w', recvFrom: 'r', seqId: 1, dt: '2013-01-19T23:16:38Z', uuid: 'a'.repeat(32) };

test('the capsule schema requires the capsule fields and allows no others', () => {
  const fn = new Ajv({ strict: false, allErrors: true }).compile(capsuleSchemaFor({ properties: {} }));
  assert.equal(fn(capsule), true);
  assert.equal(fn({ ...capsule, extra: 1 }), false);
  assert.equal(fn({ ...capsule, uuid: 'A'.repeat(32) }), false);
  assert.equal(fn({ ...capsule, revision: 0 }), false);
  assert.equal(fn({ ...capsule, event: [] }), false);
  assert.equal(fn({ ...capsule, userAgent: 'Mozilla/5.0' }), true);
});

test('an event schema keeps its own $id; one without gets a base so its refs stay inside it', () => {
  assert.equal((capsuleSchemaFor({ $id: 'https://x.test/e' }).properties as { event: { allOf: [unknown, { $id: string }] } }).event.allOf[1].$id, 'https://x.test/e');
  assert.match((capsuleSchemaFor({}).properties as { event: { allOf: [unknown, { $id: string }] } }).event.allOf[1].$id, /^https:/);
});

test('formatValidationErrors joins paths and messages readably, capped at 10', () => {
  const fn = new Ajv({ strict: false, allErrors: true }).compile({
    type: 'object',
    properties: { event: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer' }, 'a.b': { enum: ['x', 'y'] }, list: { type: 'array', items: { type: 'string' } } } } },
  });
  fn({ event: { version: 'x', 'a.b': 'z', list: ['ok', 3], typo: 1 } });
  assert.equal(formatValidationErrors(fn.errors), `event: must NOT have additional properties 'typo'; event.version: must be integer; event["a.b"]: must be equal to one of the allowed values: "x", "y"; event.list[1]: must be string`);
  const many = Array.from({ length: 12 }, (_, i) => ({ instancePath: `/event/p${i}`, keyword: 'type', message: 'must be integer', params: {}, schemaPath: '' }));
  assert.match(formatValidationErrors(many), /event\.p9: must be integer; and 2 more$/);
  assert.equal(formatValidationErrors(null), 'is invalid');
});
