/**
 * The lake's columns: the capsule's fields, `dt` as a timestamp, and `event` and `userAgent` as
 * structs, typed from the event's JSON schema so that `event.userID` works in SQL. Types are
 * DuckDB's, written as the text DuckDB reads (`STRUCT("userID" BIGINT, ...)`); a field whose type
 * the schema does not pin down is kept as JSON text. The client address is never stored.
 */

/**
 * A column's type: a DuckDB scalar type, or the structure DuckDB's `json_transform` gives nested
 * values (`{"field": ...}` a struct, `[...]` a list, `"JSON"` text kept as is).
 */
export type LakeType = string | readonly LakeType[] | { readonly [field: string]: LakeType };

/** A column and its type. */
export interface LakeColumn {
  readonly name: string;
  readonly type: LakeType;
}

/** Deepest nesting typed as structs; deeper objects are kept as JSON. */
const MAX_DEPTH = 8;

/** A name as a DuckDB identifier (double quotes, doubled inside). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A text as a DuckDB string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function typeOf(schema: unknown, depth: number): LakeType {
  if (schema === null || typeof schema !== 'object') return 'JSON';
  const s = schema as Record<string, unknown>;
  const types = Array.isArray(s.type) ? s.type.filter((t) => t !== 'null') : [s.type];
  if (types.length !== 1) return 'JSON';
  switch (types[0]) {
    case 'string': return 'VARCHAR';
    case 'integer': return 'BIGINT';
    case 'number': return 'DOUBLE';
    case 'boolean': return 'BOOLEAN';
    case 'array':
      if (depth >= MAX_DEPTH || s.items === undefined || Array.isArray(s.items)) return 'JSON';
      return [typeOf(s.items, depth + 1)];
    case 'object': return structOf(s, depth);
    default: return 'JSON';
  }
}

function structOf(s: Record<string, unknown>, depth: number): LakeType {
  const properties = s.properties;
  if (depth >= MAX_DEPTH || properties === null || typeof properties !== 'object') return 'JSON';
  const entries = Object.entries(properties as Record<string, unknown>);
  // A struct needs a field; an object without declared properties stays JSON.
  if (entries.length === 0) return 'JSON';
  const out: Record<string, LakeType> = {};
  for (const [name, sub] of entries) out[name] = typeOf(sub, depth + 1);
  return out;
}

/** The type of an event from its (normalised, draft-07) JSON schema. */
export function eventTypeOf(eventSchema: Readonly<Record<string, unknown>>): LakeType {
  return structOf(eventSchema as Record<string, unknown>, 0);
}

/** The parsed user agent, as the processor writes it. */
export const USER_AGENT_TYPE: LakeType = {
  browser_family: 'VARCHAR', browser_major: 'VARCHAR', browser_minor: 'VARCHAR', os_family: 'VARCHAR', os_major: 'VARCHAR',
  os_minor: 'VARCHAR', device_family: 'VARCHAR', wmf_app_version: 'VARCHAR', is_bot: 'BOOLEAN', is_mediawiki: 'BOOLEAN',
};

/** An EventError's details (`event.eventerror`'s `event`). */
export const EVENT_ERROR_TYPE: LakeType = {
  code: 'VARCHAR', errorCode: 'VARCHAR', message: 'VARCHAR', rawEvent: 'VARCHAR', schema: 'VARCHAR', revision: 'BIGINT',
  stage: 'VARCHAR', topic: 'VARCHAR', partition: 'BIGINT', offset: 'BIGINT',
};

/** The columns every table starts with: the event's identity and origin. */
const IDENTITY: readonly LakeColumn[] = [
  { name: 'uuid', type: 'VARCHAR' },
  { name: 'dt', type: 'TIMESTAMP' },
  { name: 'schema', type: 'VARCHAR' },
  { name: 'revision', type: 'BIGINT' },
  { name: 'wiki', type: 'VARCHAR' },
];

/** The columns of a schema's table, in order. */
export function capsuleColumns(eventType: LakeType): LakeColumn[] {
  return [
    ...IDENTITY,
    { name: 'webHost', type: 'VARCHAR' },
    { name: 'recvFrom', type: 'VARCHAR' },
    { name: 'seqId', type: 'BIGINT' },
    { name: 'topic', type: 'VARCHAR' },
    { name: 'userAgent', type: USER_AGENT_TYPE },
    { name: 'event', type: eventType },
  ];
}

/** The columns of `eventerror`. */
export function eventErrorColumns(): LakeColumn[] {
  return [...IDENTITY, { name: 'recvFrom', type: 'VARCHAR' }, { name: 'event', type: EVENT_ERROR_TYPE }];
}
