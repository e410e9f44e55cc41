/**
 * EventError (design §7): what goes to `eventlogging_EventError` for an event that could not be
 * processed, validated, inserted or replayed. It carries everything an operator needs to find the
 * event again (source topic, partition, offset, stage) and to replay it (`rawEvent`).
 * JSON schema: `docs/schemas/EventError.json`.
 */
import { DEFAULT_INPUT_LIMITS, truncateText } from './input-limits.js';
import type { ErrorCode } from '../errors.js';
import { recoverCapsuleHints } from './qson.js';
import { uuid5Url } from './uuid.js';

/** Schema name of error events. */
export const EVENT_ERROR_SCHEMA = 'EventError';
/** Revision of `docs/schemas/EventError.json`. */
export const EVENT_ERROR_REVISION = 1;

/** Which role failed the event. */
export type EventErrorKind = 'processor' | 'validation' | 'consumer' | 'replay';

/**
 * The kind of an event that failed on its way to or through its schema, as the original kinds
 * it: a schema that cannot be had (missing, or invalid: a SchemaError there) is a `processor`
 * failure; anything else found at validation is `validation`.
 */
export function validationFailureKind(errorCode: ErrorCode): Extract<EventErrorKind, 'processor' | 'validation'> {
  return errorCode === 'EL_SCHEMA_NOT_FOUND' || errorCode === 'EL_SCHEMA_INVALID' ? 'processor' : 'validation';
}

/** Where a message was read from. */
export interface MessageSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** The facts of one failure; the input of {@link makeEventError}. */
export interface EventErrorInput {
  readonly code: EventErrorKind;
  /** The event as received: the raw line (processor), or the capsule JSON (consumer). */
  readonly rawEvent: string;
  readonly message: string;
  /** From the event when it was decoded; else recovered from `rawEvent`. */
  readonly schema?: string;
  readonly revision?: number;
  readonly wiki?: string;
  readonly source?: MessageSource;
  /** The pipeline stage that failed (`parse`, `capsule`, `validate`, `insert`, ...). */
  readonly stage?: string;
  /** The closed-list code of the failure. */
  readonly errorCode?: ErrorCode;
}

/** Who reports the failure, and when; injected (the domain reads no clock). */
export interface EventErrorContext {
  /** Host name of the reporting process. */
  readonly recvFrom: string;
  /** Time of the report, ISO 8601 UTC with `Z`. */
  readonly dt: string;
  /** Overrides the deterministic uuid (tests). */
  readonly uuid?: string;
}

/** The `event` of an EventError. */
export interface EventErrorDetails {
  readonly rawEvent: string;
  readonly message: string;
  readonly code: EventErrorKind;
  /** `unknown` when it could not be found. */
  readonly schema: string;
  /** -1 when it could not be found. */
  readonly revision: number;
  readonly errorCode?: ErrorCode;
  readonly stage?: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
}

/** An error event, as produced to `eventlogging_EventError`. */
export interface EventError {
  readonly schema: typeof EVENT_ERROR_SCHEMA;
  readonly revision: typeof EVENT_ERROR_REVISION;
  readonly wiki: string;
  readonly uuid: string;
  readonly recvFrom: string;
  readonly dt: string;
  readonly event: EventErrorDetails;
}

/**
 * The uuid of an EventError: UUIDv5 of the failure kind and the raw event. The same raw event
 * failing the same way again (redelivery after a crash, a replay that fails again) gets the same
 * uuid, so the EventError table does not fill with duplicates.
 */
export function eventErrorUuid(code: EventErrorKind, rawEvent: string): string {
  return uuid5Url(`event-error://${code}/?rawEvent=${rawEvent}`);
}

/** Longest message kept in an EventError (a message may quote client input). */
const MAX_MESSAGE_CHARS = 2_000;

/**
 * Builds an EventError. Never throws; `schema`/`revision`/`wiki` fall back to what `rawEvent`
 * reveals. `rawEvent` is kept up to the line limit (`DEFAULT_INPUT_LIMITS.maxLineBytes`) so an
 * EventError always fits in a Kafka message, whatever a client sent.
 */
export function makeEventError(fullInput: EventErrorInput, ctx: EventErrorContext): EventError {
  const input = fullInput.rawEvent.length > DEFAULT_INPUT_LIMITS.maxLineBytes || fullInput.message.length > MAX_MESSAGE_CHARS
    ? { ...fullInput, rawEvent: truncateText(fullInput.rawEvent, DEFAULT_INPUT_LIMITS.maxLineBytes), message: truncateText(fullInput.message, MAX_MESSAGE_CHARS) }
    : fullInput;
  const needHints = input.schema === undefined || input.revision === undefined || input.wiki === undefined;
  const hints = needHints ? recoverCapsuleHints(input.rawEvent) : {};
  const source = input.source;
  return {
    schema: EVENT_ERROR_SCHEMA,
    revision: EVENT_ERROR_REVISION,
    wiki: input.wiki ?? hints.wiki ?? '',
    uuid: ctx.uuid ?? eventErrorUuid(input.code, input.rawEvent),
    recvFrom: ctx.recvFrom,
    dt: ctx.dt,
    event: {
      rawEvent: input.rawEvent,
      message: input.message,
      code: input.code,
      schema: input.schema ?? hints.schema ?? 'unknown',
      revision: input.revision ?? hints.revision ?? -1,
      ...(input.errorCode !== undefined ? { errorCode: input.errorCode } : {}),
      ...(input.stage !== undefined ? { stage: input.stage } : {}),
      ...(source !== undefined ? { topic: source.topic, partition: source.partition, offset: source.offset } : {}),
    },
  };
}
