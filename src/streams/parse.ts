/**
 * Stage `parse`: raw lines in, capsules or failures out. Errors travel as data: a line that does
 * not parse, decode or encapsulate becomes a `failed` item carrying the ready input of
 * `makeEventError`, and the stream goes on.
 */
import { encapsulate, type EventCapsule } from '../domain/event/capsule.js';
import type { EventErrorInput, MessageSource } from '../domain/event/event-error.js';
import type { LineParser } from '../domain/event/format-string.js';
import { DEFAULT_INPUT_LIMITS } from '../domain/event/input-limits.js';
import { recoverCapsuleHints } from '../domain/event/qson.js';

/** One raw line, with where it was read from (Kafka) when known. */
export interface RawMessage {
  /** The line; bytes (a Kafka value) must be UTF-8, `null` is a tombstone. */
  readonly value: string | Uint8Array | null;
  readonly source?: MessageSource;
}

/** A line that became a capsule. */
export interface ParsedItem {
  readonly kind: 'ok';
  readonly capsule: EventCapsule;
  /** The raw line, for an EventError if a later stage fails the event. */
  readonly rawEvent: string;
  readonly source?: MessageSource;
}

/** A line that did not; `error` is the input of `makeEventError`. */
export interface FailedItem {
  readonly kind: 'failed';
  readonly error: EventErrorInput;
  readonly source?: MessageSource;
}

/** What the parse stage emits for each message, in order, one for one. */
export type ParsedOrFailed = ParsedItem | FailedItem;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** Decodes message bytes strictly: `undefined` when they are not UTF-8 (never silently replaced). */
function decodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Parses one message: line → fields → capsule. Pure and synchronous (an actor may call it
 * directly). Never throws: even a bug in a converter becomes a failed item (`EL_INTERNAL`)
 * rather than ending the partition's stream.
 */
export function parseMessage(parseLine: LineParser, message: RawMessage): ParsedOrFailed {
  const { source, value } = message;
  if (value instanceof Uint8Array && value.length > DEFAULT_INPUT_LIMITS.maxLineBytes) {
    // Measured before decoding: a cut line may end inside a character, and its size is the failure.
    const head = lossyUtf8.decode(value.subarray(0, DEFAULT_INPUT_LIMITS.maxLineBytes));
    return failedItem({ code: 'processor', message: `line is longer than ${DEFAULT_INPUT_LIMITS.maxLineBytes} bytes`, stage: 'parse', errorCode: 'EL_INPUT_LIMIT', ...recoverCapsuleHints(head.slice(0, 4096)) }, head, source);
  }
  const decoded = typeof value === 'string' ? value : value === null ? '' : decodeStrict(value);
  // Bytes that are not UTF-8 still go to the EventError, lossily decoded, so an operator sees them.
  const rawEvent = decoded ?? lossyUtf8.decode(value as Uint8Array);
  if (value === null) {
    return failedItem({ code: 'processor', message: 'message has no value', stage: 'parse', errorCode: 'EL_PARSE_FAILED' }, rawEvent, source);
  }
  if (decoded === undefined) {
    return failedItem({ code: 'processor', message: 'message is not valid UTF-8', stage: 'parse', errorCode: 'EL_DECODE_FAILED', ...recoverCapsuleHints(rawEvent) }, rawEvent, source);
  }
  try {
    const parsed = parseLine(rawEvent);
    if (!parsed.ok) {
      const { code, message: text, schema, revision, wiki } = parsed;
      return failedItem({ code: 'processor', message: text, stage: 'parse', errorCode: code, ...optional({ schema, revision, wiki }) }, rawEvent, source);
    }
    const result = encapsulate(parsed.fields);
    if (!result.ok) {
      const { code, message: text, schema, revision, wiki } = result;
      return failedItem({
        code: code === 'EL_VALIDATION_FAILED' ? 'validation' : 'processor',
        message: text,
        stage: 'capsule',
        errorCode: code,
        ...optional({ schema, revision, wiki }),
      }, rawEvent, source);
    }
    return source !== undefined ? { kind: 'ok', capsule: result.capsule, rawEvent, source } : { kind: 'ok', capsule: result.capsule, rawEvent };
  } catch (error) {
    return failedItem({ code: 'processor', message: `internal error while parsing: ${String(error)}`, stage: 'parse', errorCode: 'EL_INTERNAL' }, rawEvent, source);
  }
}

function failedItem(error: Omit<EventErrorInput, 'rawEvent' | 'source'>, rawEvent: string, source: MessageSource | undefined): FailedItem {
  const withSource = source !== undefined ? { source } : {};
  return { kind: 'failed', error: { ...error, rawEvent, ...withSource }, ...withSource };
}

function optional<T extends Record<string, unknown>>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(values) as (keyof T)[]) if (values[key] !== undefined) out[key] = values[key];
  return out;
}
