/**
 * fast-check arbitraries for draft-03 schemas and for values drawn from a schema, shared by the
 * draft-03 and table-mapping properties. Generated keywords are limited to those the reference
 * validator (the `jsonschema` package) implements as draft-03 specifies; see draft03.property.test.ts.
 */
import fc from 'fast-check';

export type Schema = { [key: string]: unknown };

const TYPE_NAMES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null', 'any'] as const;
const PRIMITIVES = fc.oneof(fc.constantFrom(null, true, false, 0, 1, -1, 2.5, '', 'a', 'init'), fc.integer({ min: -5, max: 5 }));

/** Draft-03 keywords constraining a leaf. */
function leafKeywords(): fc.Arbitrary<Schema> {
  return fc.record(
    {
      type: fc.oneof(fc.constantFrom(...TYPE_NAMES), fc.uniqueArray(fc.constantFrom(...TYPE_NAMES), { minLength: 1, maxLength: 3 })),
      enum: fc.uniqueArray(PRIMITIVES, { minLength: 1, maxLength: 4, comparator: 'IsStrictlyEqual' }),
      minimum: fc.integer({ min: -3, max: 3 }),
      maximum: fc.integer({ min: -3, max: 6 }),
      exclusiveMinimum: fc.boolean(),
      exclusiveMaximum: fc.boolean(),
      minLength: fc.nat(3),
      maxLength: fc.nat(5),
      divisibleBy: fc.integer({ min: 1, max: 4 }),
      disallow: fc.oneof(fc.constantFrom('string', 'null', 'integer', 'object'), fc.uniqueArray(fc.constantFrom('string', 'null', 'number', 'array'), { minLength: 1, maxLength: 2 })),
    },
    { requiredKeys: [] },
  );
}

/**
 * Draft-03 schemas: leaves, objects (properties with `required: true/false`, optional
 * `additionalProperties`), arrays (`items`), and type unions holding a schema.
 */
export function draft03Schema(keys: fc.Arbitrary<string>, maxDepth = 3): fc.Arbitrary<Schema> {
  const { node } = fc.letrec<{ node: Schema; property: Schema }>((tie) => ({
    node: fc.oneof(
      { maxDepth, depthIdentifier: 'schema' },
      leafKeywords(),
      fc.record(
        {
          type: fc.constantFrom('object', ['object', 'null'], undefined),
          properties: fc.dictionary(keys, tie('property'), { maxKeys: 4 }),
          additionalProperties: fc.oneof(fc.boolean(), tie('node')),
        },
        { requiredKeys: ['properties'] },
      ).map(dropUndefined),
      fc.record({ type: fc.constantFrom('array', undefined), items: tie('node') }, { requiredKeys: ['items'] }).map(dropUndefined),
      fc.tuple(fc.constantFrom('string', 'integer', 'null'), tie('node')).map(([name, schema]) => ({ type: [name, schema] })),
    ),
    property: fc.tuple(tie('node'), fc.option(fc.boolean(), { nil: undefined })).map(([schema, required]) => (required === undefined ? schema : { ...schema, required })),
  }));
  return node;
}

/** An event schema: a top-level object with properties, as EventLogging schemas are. */
export function draft03EventSchema(keys: fc.Arbitrary<string>): fc.Arbitrary<Schema> {
  return fc.dictionary(keys, draft03Schema(keys, 2).chain((s) => fc.boolean().map((required) => ({ ...s, required }))), { minKeys: 1, maxKeys: 6 })
    .map((properties) => ({ properties }));
}

function dropUndefined(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}

/** Strings of any code points (astral included, as surrogate pairs; never lone surrogates). */
const anyString = (minLength = 0, maxLength = 6): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength }));

/** Values shaped after `schema` (often, not always, valid), mixed with arbitrary JSON. */
export function valueFor(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema !== 'object' || schema === null || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  const s = schema as Schema;
  const choices: fc.Arbitrary<unknown>[] = [];
  if (Array.isArray(s.enum) && s.enum.length > 0) choices.push(fc.constantFrom(...(s.enum as unknown[])));
  const types = s.type === undefined ? ['any'] : Array.isArray(s.type) ? s.type : [s.type];
  for (const type of types) {
    if (typeof type === 'object') { choices.push(valueFor(type, depth + 1)); continue; }
    const min = typeof s.minimum === 'number' ? s.minimum : -10;
    const max = typeof s.maximum === 'number' ? Math.max(s.maximum, min) : 10;
    switch (type) {
      case 'string': choices.push(anyString(typeof s.minLength === 'number' ? s.minLength : 0, Math.max(typeof s.maxLength === 'number' ? s.maxLength : 6, typeof s.minLength === 'number' ? s.minLength : 0))); break;
      case 'integer': choices.push(fc.integer({ min, max })); break;
      case 'number': choices.push(fc.oneof(fc.integer({ min, max }), fc.double({ min, max, noNaN: true, noDefaultInfinity: true }))); break;
      case 'boolean': choices.push(fc.boolean()); break;
      case 'null': choices.push(fc.constant(null)); break;
      case 'array': choices.push(fc.array(valueFor(s.items, depth + 1), { maxLength: 3 })); break;
      case 'object': choices.push(objectFor(s, depth)); break;
      default: choices.push(fc.jsonValue({ maxDepth: 2 }), objectFor(s, depth));
    }
  }
  if (s.properties && !types.includes('object')) choices.push(objectFor(s, depth));
  if (s.items && !types.includes('array')) choices.push(fc.array(valueFor(s.items, depth + 1), { maxLength: 3 }));
  return choices.length === 0 ? fc.jsonValue({ maxDepth: 2 }) : fc.oneof(...choices);
}

function objectFor(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (typeof s.properties === 'object' && s.properties !== null ? s.properties : {}) as Record<string, Schema>;
  const entries = Object.entries(properties).map(([key, child]) =>
    (child?.required === true ? valueFor(child, depth + 1) : fc.option(valueFor(child, depth + 1), { nil: undefined, freq: 3 })).map((v) => [key, v] as const));
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.filter(([, v]) => v !== undefined)));
}
