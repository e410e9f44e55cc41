import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertDraft03, isDraft03 } from '../../../../src/domain/schema/draft03.js';
import { createEventSchemaAjv } from '../../../../src/domain/schema/schema-registry.js';

function validator(draft03: unknown): (value: unknown) => boolean {
  const ajv = createEventSchemaAjv();
  const fn = ajv.compile(convertDraft03(draft03));
  return (value) => fn(value) as boolean;
}

test('isDraft03: declared, or recognised by boolean required / any / disallow / extends / divisibleBy', () => {
  assert.equal(isDraft03({ $schema: 'http://json-schema.org/draft-03/schema#' }), true);
  assert.equal(isDraft03({ $schema: 'http://json-schema.org/draft-07/schema#', properties: { a: { required: true } } }), false);
  assert.equal(isDraft03({ properties: { a: { type: 'string', required: true } } }), true);
  assert.equal(isDraft03({ properties: { a: { properties: { b: { required: false } } } } }), true);
  assert.equal(isDraft03({ properties: { a: { type: 'any' } } }), true);
  assert.equal(isDraft03({ properties: { a: { disallow: 'string' } } }), true);
  assert.equal(isDraft03({ properties: { a: { type: 'string' } }, required: ['a'] }), false);
  // A value that merely looks like a schema inside enum/default is data, not schema.
  assert.equal(isDraft03({ properties: { a: { enum: [{ required: true }] } } }), false);
});

test('required: true on a property becomes the parent required list', () => {
  const out = convertDraft03({ properties: { a: { type: 'string', required: true }, b: { required: false } } });
  assert.deepEqual(out, { properties: { a: { type: 'string' }, b: {} }, required: ['a'] });
  const v = validator({ properties: { a: { type: 'string', required: true } } });
  assert.equal(v({ a: 'x' }), true);
  assert.equal(v({}), false);
});

test('type any, unions with null and with schemas', () => {
  const any = validator({ type: 'any' });
  for (const value of [1, 'x', null, [], {}, true]) assert.equal(any(value), true);
  const nullable = validator({ type: ['string', 'null'] });
  assert.equal(nullable('x'), true);
  assert.equal(nullable(null), true);
  assert.equal(nullable(1), false);
  const mixed = validator({ type: ['integer', { type: 'object', properties: { a: { type: 'string', required: true } } }] });
  assert.equal(mixed(3), true);
  assert.equal(mixed({ a: 'x' }), true);
  assert.equal(mixed({}), false);
  assert.equal(mixed('x'), false);
  assert.equal(validator({ type: ['string', 'any'] })(5), true);
});

test('disallow, extends, divisibleBy, exclusive bounds, string dependencies', () => {
  const noStrings = validator({ disallow: ['string', 'null'] });
  assert.equal(noStrings(1), true);
  assert.equal(noStrings('x'), false);
  assert.equal(noStrings(null), false);
  const extended = validator({ properties: { a: { type: 'integer' } }, extends: { properties: { b: { type: 'string', required: true } } } });
  assert.equal(extended({ a: 1, b: 'x' }), true);
  assert.equal(extended({ a: 1 }), false);
  assert.equal(extended({ a: 'x', b: 'x' }), false);
  const even = validator({ divisibleBy: 2 });
  assert.equal(even(4), true);
  assert.equal(even(3), false);
  const open = validator({ minimum: 1, exclusiveMinimum: true, maximum: 3, exclusiveMaximum: false });
  assert.equal(open(1), false);
  assert.equal(open(1.5), true);
  assert.equal(open(3), true);
  const deps = validator({ dependencies: { a: 'b' } });
  assert.equal(deps({ a: 1, b: 2 }), true);
  assert.equal(deps({ a: 1 }), false);
  assert.equal(deps({ b: 1 }), true);
});

test('keywords draft-03 does not define are ignored, as a draft-03 validator does', () => {
  const v = validator({ type: 'string', const: 'x', anyOf: [{ type: 'integer' }] });
  assert.equal(v('y'), true);
  assert.equal(v(1), false);
});

test('the input is not modified', () => {
  const input = { properties: { a: { type: 'string', required: true } } };
  const copy = structuredClone(input);
  convertDraft03(input);
  assert.deepEqual(input, copy);
});

test('a property named __proto__ stays a property (found by the table-mapping property test)', () => {
  const converted = convertDraft03(JSON.parse('{"properties":{"__proto__":{"type":"string","required":true},"a":{"type":"integer"}}}')) as Record<string, unknown>;
  const properties = converted.properties as Record<string, unknown>;
  assert.ok(Object.hasOwn(properties, '__proto__'));
  assert.equal(Object.getPrototypeOf(properties), Object.prototype);
  assert.deepEqual(converted.required, ['__proto__']);
});
