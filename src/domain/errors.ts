/**
 * The closed list of coded errors. Every failure the system reports carries one of these codes,
 * and supervisors decide what to do by reading the flags, never by matching messages.
 */

/** How a failure should be handled; decided once, here, for each code. */
export interface FailureFlags {
  /** Trying the same operation again later can succeed (connection refused, timeout). */
  readonly retryable: boolean;
  /** A partition leader moved or vanished: refresh metadata, the consumer must not stop. */
  readonly leaderLoss: boolean;
  /** The consumer group membership is stale: rejoin before continuing. */
  readonly needsRejoin: boolean;
  /** Nothing will fix this by retrying: stop the role (config mistakes, programming errors). */
  readonly fatal: boolean;
}

const f = (retryable: boolean, leaderLoss = false, needsRejoin = false, fatal = false): FailureFlags =>
  Object.freeze({ retryable, leaderLoss, needsRejoin, fatal });

/** Every error code, with its flags. Adding a code means deciding how it is handled. */
export const ERROR_CODES = Object.freeze({
  EL_CONFIG_INVALID: f(false, false, false, true),
  EL_USAGE: f(false, false, false, true),
  EL_URI_INVALID: f(false, false, false, true),
  EL_PARSE_FAILED: f(false),
  EL_DECODE_FAILED: f(false),
  EL_SCHEMA_NOT_FOUND: f(false),
  EL_SCHEMA_INVALID: f(false),
  EL_VALIDATION_FAILED: f(false),
  EL_USER_AGENT_TOO_LONG: f(false),
  /** Input over a documented limit (size, nesting, keys; see input-limits.ts). */
  EL_INPUT_LIMIT: f(false),
  EL_ROW_REJECTED: f(false),
  EL_DB_UNAVAILABLE: f(true),
  EL_DB_FAILED: f(false),
  EL_KAFKA_UNAVAILABLE: f(true),
  EL_KAFKA_LEADER_LOST: f(true, true),
  EL_KAFKA_REBALANCING: f(true, false, true),
  EL_KAFKA_FAILED: f(false, false, false, true),
  /** Authentication or authorisation refused: retrying with the same credentials only locks accounts. */
  EL_KAFKA_AUTH: f(false, false, false, true),
  /** A fetched record could not be decoded (corrupt, or compressed with a codec that failed). */
  EL_KAFKA_RECORD_UNREADABLE: f(false),
  EL_PRODUCE_FAILED: f(true),
  EL_TIMEOUT: f(true),
  EL_INTERNAL: f(false, false, false, true),
} satisfies Record<string, FailureFlags>);

/** One of the closed list of error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error with a code from the closed list. Fields are own enumerable properties so that a
 * structured logger prints them whole; `cause` keeps the original error.
 */
export class ElError extends Error {
  readonly code: ErrorCode;
  readonly flags: FailureFlags;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ElError';
    this.code = code;
    this.flags = ERROR_CODES[code];
    this.details = options.details ? Object.freeze({ ...options.details }) : undefined;
    Object.defineProperty(this, 'message', { enumerable: true, value: message });
  }
}

/** True when `value` is an {@link ElError}. */
export function isElError(value: unknown): value is ElError {
  return value instanceof ElError;
}
