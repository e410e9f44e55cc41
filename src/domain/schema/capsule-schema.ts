import type { ErrorObject } from 'ajv';

const SCHEMA_NAME_PATTERN = '^[./a-zA-Z0-9_-]{1,63}$';
const UUID_PATTERN = '^[0-9a-f]{32}$';
/** The capsule's own patterns: linear by construction (no nested quantifier), so the native engine may run them. */
export const CAPSULE_PATTERNS: ReadonlySet<string> = new Set([SCHEMA_NAME_PATTERN, UUID_PATTERN]);

/** Base URI given to an embedded event schema without its own `$id`, so its `#/...` refs resolve inside it. */
const EVENT_BASE = 'https://schemas.eventlogging.invalid/event';

/**
 * The draft-07 schema of an EventCapsule whose `event` is `eventSchema` (already normalised, see
 * `normalizeEventSchema`). Validation is always of the encapsulated event, so capsule fields are
 * checked together with the event and a message names the full path (`event.version`).
 * No other top-level fields are allowed (DESIGN section 5).
 */
export function capsuleSchemaFor(eventSchema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // An embedded schema's `#/definitions/x` would otherwise resolve against the capsule root.
  const event = typeof eventSchema.$id === 'string' ? { ...eventSchema } : { ...eventSchema, $id: EVENT_BASE };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['event', 'schema', 'revision', 'wiki', 'recvFrom', 'seqId', 'dt', 'uuid'],
    properties: {
      event: { allOf: [{ type: 'object' }, event] },
      schema: { type: 'string', pattern: SCHEMA_NAME_PATTERN },
      revision: { type: 'integer', minimum: 1 },
      wiki: { type: 'string' },
      webHost: { type: 'string' },
      recvFrom: { type: 'string' },
      seqId: { type: 'integer' },
      dt: { type: 'string', format: 'date-time' },
      uuid: { type: 'string', pattern: UUID_PATTERN },
      userAgent: { type: ['object', 'string', 'null'] },
      topic: { type: 'string' },
      ip: { type: 'string' },
    },
  };
}

/** At most this many errors are spelled out; the rest are counted (a message must stay readable). */
const MAX_LISTED = 10;

/**
 * Joins ajv errors into one readable line: `event.version: must be integer; event: must have
 * required property 'action'`. Paths use dots; keys that are not plain names are bracketed.
 */
export function formatValidationErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'is invalid';
  // Linear in the number of errors: a Set drops repeats, and only the first few are formatted
  // (one event with 37,657 unknown keys once took 26 s here with a list and `includes`).
  const shown: string[] = [];
  const seen = new Set<string>();
  let more = 0;
  for (const error of errors) {
    // The `allOf` wrapper around the event adds no information beyond its branch's own error.
    if (error.keyword === 'allOf') continue;
    if (shown.length >= MAX_LISTED) {
      more += 1;
      continue;
    }
    const line = `${dotted(error.instancePath)}: ${error.message ?? 'is invalid'}${detail(error)}`;
    if (seen.has(line)) continue;
    seen.add(line);
    shown.push(line);
  }
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}

function detail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return ` '${String(params.additionalProperty)}'`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`.slice(0, 200);
  }
  return '';
}

function dotted(pointer: string): string {
  if (pointer === '') return 'capsule';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, index) => {
      if (/^[A-Za-z_$][\w$]*$/.test(part)) return `${index === 0 ? '' : '.'}${part}`;
      return /^\d+$/.test(part) ? `[${part}]` : `[${JSON.stringify(part)}]`;
    })
    .join('');
}
