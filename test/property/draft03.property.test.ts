/**
 * Property: our draft-03 → draft-07 conversion, compiled by ajv, accepts exactly the values the
 * `jsonschema` package (a draft-03 implementation) accepts.
 *
 * What jsonschema 1.5 does differently from the draft-03 text, read in node_modules/jsonschema/lib,
 * and therefore is not generated here:
 * - `extends` is implemented by deep-merging the schemas (so e.g. a `type` in the extending schema
 *   replaces, rather than intersects with, the extended one); draft-03 says an instance must be
 *   valid against both. (Our conversion follows the draft: `allOf`; covered by unit tests.)
 * - `minLength`/`maxLength` subtract one per low surrogate, so a lone low surrogate counts as zero
 *   characters; ajv counts it as one. Only well-formed strings are generated.
 * - Only integer divisors are generated for `divisibleBy` (both sides scale decimals the same way;
 *   unit tests cover decimal divisors), and instance numbers are integers or values from
 *   fc.double within small ranges.
 * - `format`, `pattern`, `$ref`, `uniqueItems`, `dependencies`, tuple `items` are not generated
 *   (not in this property's scope; unit tests cover `dependencies`).
 * Both sides get the same event-level rule: top-level `additionalProperties` false when absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import jsonschema from 'jsonschema';
import { normalizeEventSchema } from '../../src/domain/schema/schema-normalize.js';
import { createEventSchemaAjv } from '../../src/domain/schema/schema-registry.js';
import { draft03EventSchema, draft03Schema, valueFor, type Schema } from './json-schema.arbitrary.js';

const DRAFT03 = 'http://json-schema.org/draft-03/schema#';
const keys = fc.constantFrom('a', 'b', 'c', 'action.init', 'with space', 'A');

function agree(schema: Schema, values: unknown[]): void {
  const reference: Schema = { ...schema, $schema: DRAFT03 };
  if (!('additionalProperties' in reference)) reference.additionalProperties = false;
  // The registry's own options: the property is about what production compiles.
  const ajv = createEventSchemaAjv();
  const ours = ajv.compile(normalizeEventSchema({ ...schema, $schema: DRAFT03 }));
  const validator = new jsonschema.Validator();
  for (const value of values) {
    const expected = validator.validate(value, reference).valid;
    const actual = ours(value) as boolean;
    assert.equal(actual, expected, `schema ${JSON.stringify(schema)}\nvalue ${JSON.stringify(value)}\njsonschema: ${expected}, ours: ${actual}`);
  }
}

test('draft-03 conversion agrees with jsonschema on generated schemas and values from them', () => {
  fc.assert(
    fc.property(
      draft03Schema(keys).chain((schema) => fc.tuple(fc.constant(schema), fc.array(valueFor(schema), { minLength: 1, maxLength: 8 }))),
      ([schema, values]) => agree(schema, values),
    ),
    { numRuns: 400 },
  );
});

test('draft-03 conversion agrees with jsonschema on event schemas and arbitrary JSON', () => {
  fc.assert(
    fc.property(draft03EventSchema(keys), fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }), (schema, values) => {
      // Arbitrary JSON objects rarely use the schema's keys; also try objects built from them.
      agree(schema, values);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(
      draft03EventSchema(keys).chain((schema) => fc.tuple(fc.constant(schema), fc.array(fc.dictionary(keys, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), { minLength: 1, maxLength: 5 }))),
      ([schema, values]) => agree(schema, values),
    ),
    { numRuns: 200 },
  );
});

test('the generators produce accepted values often enough for the comparison to mean something', () => {
  let accepted = 0;
  let total = 0;
  fc.assert(fc.property(draft03EventSchema(keys).chain((s) => fc.tuple(fc.constant(s), valueFor(s))), ([schema, value]) => {
    total += 1;
    if (new jsonschema.Validator().validate(value, { ...schema, additionalProperties: false }).valid) accepted += 1;
  }), { numRuns: 300 });
  assert.ok(accepted / total > 0.1, `only ${accepted} of ${total} generated values were valid`);
});
