/**
 * The EventCapsule (design §5): the envelope every valid event travels in after the processor.
 * `encapsulate` turns a parsed line's fields into a capsule with exactly the contract's fields,
 * dropping anything else a client or an old format put at the top level (`clientValidated`,
 * `isTruncated`, `clientIp`, `timestamp`, ...), and computes the deterministic uuid.
 */
import type { ErrorCode } from '../errors.js';
import { dtFromEpoch, normalizeDt } from './iso-time.js';
import type { UserAgentInfo } from './user-agent.js';
import { capsuleUuid } from './uuid.js';

/** An encapsulated event: exactly these top-level fields. */
export interface EventCapsule {
  readonly event: Readonly<Record<string, unknown>>;
  readonly schema: string;
  readonly revision: number;
  /** Absent only when the client did not send it (the capsule schema then rejects the event). */
  readonly wiki?: string;
  readonly webHost?: string;
  readonly recvFrom: string;
  readonly seqId: number;
  /** UTC, ISO 8601 with `Z`: `2013-01-19T23:16:38Z`. */
  readonly dt: string;
  /** 32 lowercase hex digits, see `capsuleUuid`. */
  readonly uuid: string;
  /** Parsed user agent; `null` when the request had none (`-`). */
  readonly userAgent: UserAgentInfo | null;
  /** Kafka topic the capsule was produced to, when known. */
  readonly topic?: string;
  /** Client IP; never stored in MySQL. */
  readonly ip?: string;
}

/** Why fields could not become a capsule; `schema`/`revision`/`wiki` when they were readable. */
export interface CapsuleFailure {
  readonly ok: false;
  /** `EL_PARSE_FAILED`: the line lacked the identity (recvFrom, seqId, dt); `EL_VALIDATION_FAILED`: the capsule is malformed. */
  readonly code: Extract<ErrorCode, 'EL_PARSE_FAILED' | 'EL_VALIDATION_FAILED'>;
  readonly message: string;
  readonly schema?: string;
  readonly revision?: number;
  readonly wiki?: string;
}

/** What {@link encapsulate} returns. */
export type CapsuleResult = { readonly ok: true; readonly capsule: EventCapsule } | CapsuleFailure;

/** Top-level fields of a capsule, in the order they are written. */
export const CAPSULE_FIELDS = Object.freeze([
  'event', 'schema', 'revision', 'wiki', 'webHost', 'recvFrom', 'seqId', 'dt', 'uuid', 'userAgent', 'topic', 'ip',
] as const);

const SCHEMA_NAME = /^[./a-zA-Z0-9_-]{1,63}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A failure, with what could be read of the event's schema, revision and wiki. */
function capsuleFailure(code: CapsuleFailure['code'], message: string, fields: Readonly<Record<string, unknown>>): CapsuleFailure {
  const { schema, revision, wiki } = fields;
  return {
    ok: false,
    code,
    message,
    ...(typeof schema === 'string' && SCHEMA_NAME.test(schema) ? { schema } : {}),
    ...(typeof revision === 'number' && Number.isSafeInteger(revision) && revision >= 1 ? { revision } : {}),
    ...(typeof wiki === 'string' ? { wiki } : {}),
  };
}

/**
 * Builds the capsule from parsed fields (a `LineParser` success, or any object of the same
 * shape). Never throws. `dt` comes from `dt` (normalised; the uuid hashes the text as sent), else
 * from `timestamp` (epoch seconds, or ms); an empty array `event` (PHP's `{}`) is an empty object;
 * `ip` `-` means absent. The uuid is always recomputed, never taken from the input, so that a
 * client cannot choose it.
 */
export function encapsulate(fields: Readonly<Record<string, unknown>>): CapsuleResult {
  const { event, schema, revision, wiki, webHost, recvFrom, seqId, userAgent, topic, ip } = fields;
  if (typeof recvFrom !== 'string' || recvFrom === '') return capsuleFailure('EL_PARSE_FAILED', 'capsule has no recvFrom', fields);
  if (typeof seqId !== 'number' || !Number.isSafeInteger(seqId) || seqId < 0) return capsuleFailure('EL_PARSE_FAILED', 'capsule has no integer seqId', fields);
  const sentDt = typeof fields.dt === 'string' ? fields.dt : undefined;
  const dt =
    sentDt !== undefined ? normalizeDt(sentDt)
    : typeof fields.dt === 'number' ? dtFromEpoch(fields.dt)
    : fields.dt === undefined && typeof fields.timestamp === 'number' ? dtFromEpoch(fields.timestamp)
    : undefined;
  if (dt === undefined) return capsuleFailure('EL_PARSE_FAILED', 'capsule has no valid dt (or timestamp)', fields);

  if (typeof schema !== 'string' || schema === '') return capsuleFailure('EL_VALIDATION_FAILED', 'capsule has no schema', fields);
  if (!SCHEMA_NAME.test(schema)) return capsuleFailure('EL_VALIDATION_FAILED', `schema name ${JSON.stringify(schema.slice(0, 80))} is not a valid name`, fields);
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 1) return capsuleFailure('EL_VALIDATION_FAILED', 'capsule revision is not a positive integer', fields);
  // PHP serialises an empty array, and so an event without properties, as `[]`: the original
  // accepts it on purpose (its fixtures say so), and so does this, as `{}`.
  const body = Array.isArray(event) && event.length === 0 ? {} : event;
  if (!isPlainObject(body)) return capsuleFailure('EL_VALIDATION_FAILED', 'capsule event is not an object', fields);
  if (wiki !== undefined && typeof wiki !== 'string') return capsuleFailure('EL_VALIDATION_FAILED', 'capsule wiki is not a string', fields);
  if (webHost !== undefined && typeof webHost !== 'string') return capsuleFailure('EL_VALIDATION_FAILED', 'capsule webHost is not a string', fields);
  if (userAgent !== undefined && userAgent !== null && !isPlainObject(userAgent)) {
    return capsuleFailure('EL_VALIDATION_FAILED', 'capsule userAgent is not a parsed user agent (no user-agent parser configured?)', fields);
  }

  // Field by field, in CAPSULE_FIELDS order (the JSON is written in insertion order).
  const capsule: { -readonly [K in keyof EventCapsule]: EventCapsule[K] } = { event: body, schema, revision } as EventCapsule;
  if (wiki !== undefined) capsule.wiki = wiki;
  if (webHost !== undefined) capsule.webHost = webHost;
  capsule.recvFrom = recvFrom;
  capsule.seqId = seqId;
  capsule.dt = dt;
  // The uuid hashes dt as it was sent (the original's `capsule_uuid`), so a capsule with its own
  // `2013-01-21T18:10:34.912000` gets the original's uuid; the capsule carries the normal form.
  capsule.uuid = capsuleUuid({ recvFrom, seqId, dt: sentDt ?? dt });
  capsule.userAgent = (userAgent ?? null) as UserAgentInfo | null;
  if (typeof topic === 'string' && topic !== '') capsule.topic = topic;
  if (typeof ip === 'string' && ip !== '' && ip !== '-') capsule.ip = ip;
  return { ok: true, capsule };
}
