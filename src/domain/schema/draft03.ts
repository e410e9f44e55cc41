/**
 * JSON Schema draft-03 → draft-07 conversion, so that ajv (which has no draft-03 support) validates
 * legacy EventLogging schemas exactly as a draft-03 validator would.
 *
 * Draft-03 differences handled here:
 * - `required: true` on a property schema → the parent's `required: [names]`. A boolean `required`
 *   anywhere else is dropped: it only ever applies to an absent property value.
 * - `type` may be `any`, a list, or a list holding schemas → no constraint / `type: [..]` / `anyOf`.
 *   Type names draft-03 does not define also match anything (as the draft says for unknown types).
 * - `disallow` (same forms as `type`) → `not: { anyOf: [...] }`.
 * - `extends` (schema or list) → `allOf`.
 * - `divisibleBy` stays `divisibleBy`, a keyword the registry's ajv adds (see divisible-by.ts):
 *   `multipleOf` decides by float division, which draft-03 validators do not.
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` next to `minimum`/`maximum` → the numeric form.
 * - `dependencies` with a string value → a one-element list.
 * - draft-03 formats renamed in later drafts (`ip-address`, `host-name`); formats whose meaning
 *   changed or that ajv does not know are dropped rather than enforced differently.
 * Keywords that draft-03 does not define (`anyOf`, `const`, ...) are dropped: a draft-03 validator
 * ignores them, and so must we. `definitions` is kept (converted) so that `$ref`s into it resolve.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SIMPLE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** Draft-03 formats with the same meaning in ajv-formats (after renaming). */
const FORMATS: Readonly<Record<string, string>> = {
  'date-time': 'date-time',
  date: 'date',
  uri: 'uri',
  email: 'email',
  'ip-address': 'ipv4',
  ipv6: 'ipv6',
  'host-name': 'hostname',
  regex: 'regex',
};

const ANNOTATIONS = ['title', 'description', 'default'] as const;
const COPIED = ['enum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', '$ref'] as const;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `schema` declares draft-03 or uses a form only draft-03 has (boolean `required`, `any`, ...). */
export function isDraft03(schema: unknown): boolean {
  if (!isObject(schema)) return false;
  const declared = schema.$schema;
  if (typeof declared === 'string') return declared.includes('draft-03');
  return usesDraft03Forms(schema, 0);
}

function usesDraft03Forms(node: unknown, depth: number): boolean {
  // Depth cap: a hostile, deeply nested document must not overflow the stack during detection.
  if (depth > 64) return false;
  if (Array.isArray(node)) return node.some((item) => usesDraft03Forms(item, depth + 1));
  if (!isObject(node)) return false;
  if (typeof node.required === 'boolean') return true;
  if ('disallow' in node || 'extends' in node || 'divisibleBy' in node) return true;
  const type = node.type;
  if (type === 'any' || (Array.isArray(type) && type.some((t) => t === 'any' || isObject(t)))) return true;
  return Object.entries(node).some(([key, value]) => key !== 'enum' && key !== 'default' && usesDraft03Forms(value, depth + 1));
}

/**
 * Converts a draft-03 schema to an equivalent draft-07 schema (no `$schema`, no `id`). The input is
 * not modified. Non-object input converts to the empty schema (draft-03 treats it as "anything").
 */
export function convertDraft03(schema: unknown): JsonObject {
  return convertNode(schema, 0);
}

function convertNode(node: unknown, depth: number): JsonObject {
  if (depth > 256) throw new RangeError('schema nested deeper than 256 levels');
  if (!isObject(node)) return {};
  const out: JsonObject = {};
  const all: JsonObject[] = [];
  const sub = (value: unknown): JsonObject => convertNode(value, depth + 1);

  for (const key of ANNOTATIONS) if (key in node) out[key] = node[key]!;
  for (const key of COPIED) if (key in node) out[key] = node[key]!;

  if ('type' in node) {
    const typed = typeConstraint(node.type, sub);
    if (typed) Object.assign(out, typed);
  }
  if ('disallow' in node) {
    const list = Array.isArray(node.disallow) ? node.disallow : [node.disallow];
    const branches = list.map((entry) => typeConstraint(entry, sub) ?? {});
    all.push({ not: branches.length === 1 ? branches[0]! : { anyOf: branches } });
  }
  if ('extends' in node) {
    const list = Array.isArray(node.extends) ? node.extends : [node.extends];
    for (const entry of list) all.push(sub(entry));
  }

  if (isObject(node.properties)) {
    // fromEntries defines own properties: a property named `__proto__` stays a property instead
    // of replacing the object's prototype (which silently changed what the schema means).
    const properties: JsonObject = Object.fromEntries(Object.entries(node.properties).map(([name, child]) => [name, sub(child)]));
    const required = Object.entries(node.properties).filter(([, child]) => isObject(child) && child.required === true).map(([name]) => name);
    out.properties = properties;
    if (required.length > 0) out.required = required;
  }
  if (isObject(node.patternProperties)) {
    out.patternProperties = Object.fromEntries(Object.entries(node.patternProperties).map(([p, s]) => [p, sub(s)]));
  }
  if (isObject(node.definitions)) {
    out.definitions = Object.fromEntries(Object.entries(node.definitions).map(([p, s]) => [p, sub(s)]));
  }
  for (const key of ['additionalProperties', 'additionalItems'] as const) {
    const value = node[key];
    if (typeof value === 'boolean') out[key] = value;
    else if (isObject(value)) out[key] = sub(value);
  }
  if (Array.isArray(node.items)) out.items = node.items.map(sub);
  else if (isObject(node.items)) out.items = sub(node.items);

  if (isObject(node.dependencies)) {
    out.dependencies = Object.fromEntries(Object.entries(node.dependencies).map(([name, dep]) => [name,
      typeof dep === 'string' ? [dep] : Array.isArray(dep) ? dep.filter((d) => typeof d === 'string') : sub(dep)]));
  }

  convertBound(node, out, 'minimum', 'exclusiveMinimum');
  convertBound(node, out, 'maximum', 'exclusiveMaximum');
  if (typeof node.divisibleBy === 'number' && node.divisibleBy !== 0) out.divisibleBy = node.divisibleBy;

  if (typeof node.format === 'string') {
    const format = FORMATS[node.format];
    if (format) out.format = format;
  }

  if (all.length > 0) out.allOf = all;
  return out;
}

function convertBound(node: JsonObject, out: JsonObject, bound: 'minimum' | 'maximum', exclusive: 'exclusiveMinimum' | 'exclusiveMaximum'): void {
  const value = node[bound];
  if (typeof value !== 'number') return;
  if (node[exclusive] === true) out[exclusive] = value;
  else out[bound] = value;
}

/**
 * The draft-07 form of a draft-03 `type` (or one `disallow` entry): undefined when it allows
 * anything, `{type}` for simple type names, `{anyOf}` when schemas are among the alternatives.
 */
function typeConstraint(type: unknown, sub: (value: unknown) => JsonObject): JsonObject | undefined {
  const list = Array.isArray(type) ? type : [type];
  const names: string[] = [];
  const schemas: JsonObject[] = [];
  for (const entry of list) {
    if (isObject(entry)) schemas.push(sub(entry));
    else if (typeof entry === 'string' && SIMPLE_TYPES.has(entry)) { if (!names.includes(entry)) names.push(entry); }
    else return undefined; // 'any' or a name draft-03 does not define: matches everything
  }
  if (schemas.length === 0) {
    if (names.length === 0) return { not: {} }; // an empty list of allowed types allows nothing
    return { type: names.length === 1 ? names[0]! : names };
  }
  const branches: JsonObject[] = names.length > 0 ? [{ type: names.length === 1 ? names[0]! : names }, ...schemas] : schemas;
  return { anyOf: branches };
}
