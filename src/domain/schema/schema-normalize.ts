import { convertDraft03, isDraft03 } from './draft03.js';
import { ElError } from '../errors.js';

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keywords whose value is one schema, a list of schemas, or a map of schemas (draft-04..07). */
const ONE = ['additionalProperties', 'additionalItems', 'not', 'contains', 'propertyNames', 'if', 'then', 'else'] as const;
const LIST = ['allOf', 'anyOf', 'oneOf'] as const;
const MAP = ['properties', 'patternProperties', 'definitions'] as const;

/**
 * Turns a raw event schema from the repository into the draft-07 schema we compile:
 * draft-03 (declared, or recognised by its forms) is converted; draft-04's boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become numeric; draft-06/07 pass unchanged. `$schema` is
 * removed (the schema is embedded in the capsule schema, where a nested `$schema` would be an error).
 *
 * Event-level `additionalProperties` defaults to false (nested objects keep the JSON Schema
 * default), so that a typo in a property name is rejected instead of silently dropped from the
 * table. The default is not applied when the top level combines other schemas (`extends`,
 * `allOf`, `$ref`, ...): their properties would all count as additional and every event would fail.
 */
export function normalizeEventSchema(raw: unknown): JsonObject {
  if (!isObject(raw)) throw new ElError('EL_SCHEMA_INVALID', 'a schema must be a JSON object');
  let schema: JsonObject;
  try {
    schema = isDraft03(raw) ? convertDraft03(raw) : fixBooleanBounds(raw, 0) as JsonObject;
  } catch (cause) {
    throw new ElError('EL_SCHEMA_INVALID', `schema cannot be converted: ${(cause as Error).message}`, { cause });
  }
  delete schema.$schema;
  const combines = ['extends', 'allOf', 'anyOf', 'oneOf', '$ref', 'if'].some((key) => key in raw);
  if (!('additionalProperties' in schema) && !combines) schema.additionalProperties = false;
  return schema;
}

/** Copies a draft-04+ schema, rewriting draft-04 boolean exclusive bounds to the numeric form. */
function fixBooleanBounds(node: unknown, depth: number): unknown {
  if (depth > 256) throw new RangeError('schema nested deeper than 256 levels');
  if (!isObject(node)) return node;
  const out: JsonObject = { ...node };
  for (const [bound, exclusive] of [['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum']] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true && typeof out[bound] === 'number') {
      out[exclusive] = out[bound];
      delete out[bound];
    } else {
      delete out[exclusive];
    }
  }
  for (const key of ONE) if (key in out) out[key] = fixBooleanBounds(out[key], depth + 1);
  for (const key of LIST) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map((s) => fixBooleanBounds(s, depth + 1));
  for (const key of MAP) {
    const map = out[key];
    if (isObject(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, s]) => [k, fixBooleanBounds(s, depth + 1)]));
  }
  if (Array.isArray(out.items)) out.items = out.items.map((s) => fixBooleanBounds(s, depth + 1));
  else if ('items' in out) out.items = fixBooleanBounds(out.items, depth + 1);
  if (isObject(out.dependencies)) {
    out.dependencies = Object.fromEntries(Object.entries(out.dependencies).map(([k, d]) => [k, Array.isArray(d) ? d : fixBooleanBounds(d, depth + 1)]));
  }
  return out;
}
