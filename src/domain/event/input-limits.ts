/**
 * Limits on what a client may send, checked once where input is decoded (the processor's line
 * parser, the intake's `/v1/events`), so that no later stage (validation, routing, serialising,
 * MySQL) ever meets a value it cannot handle in bounded time and stack. Every limit is far above
 * what a real EventLogging event needs (schemas have tens of properties, a few levels deep) and
 * far below what breaks a stage (`JSON.stringify` overflows its stack near 4,000 levels; ajv's
 * error list grows with the keys of an object).
 *
 * The walk is iterative (an explicit stack), so a hostile nesting depth cannot overflow it, and
 * it stops at the first violation, so its cost is bounded by the limits, not by the input.
 */

/** The limits; see {@link DEFAULT_INPUT_LIMITS}. */
export interface InputLimits {
  /** Longest raw line (processor) or `/v1/events` event, in UTF-8 bytes. */
  readonly maxLineBytes: number;
  /** Deepest nesting of objects and arrays, the capsule itself being level 1. */
  readonly maxDepth: number;
  /** Most keys in one object. */
  readonly maxObjectKeys: number;
  /** Most values (objects, arrays, scalars) in one capsule. */
  readonly maxValues: number;
}

/**
 * The documented defaults (README "Limits"). 128 KiB per line keeps an EventError that quotes
 * the whole line under Kafka's default 1 MB message size even when JSON escaping multiplies it.
 */
export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({
  maxLineBytes: 131_072,
  maxDepth: 32,
  maxObjectKeys: 1_000,
  maxValues: 20_000,
});

/** Why a value was refused; `reason` is a bounded metric label. */
export interface LimitViolation {
  readonly reason: 'too_large' | 'too_deep' | 'too_many_keys' | 'too_many_values' | 'not_finite' | 'forbidden_key';
  readonly message: string;
}

/**
 * Checks a decoded JSON value against the limits: nesting depth, keys per object, values in all,
 * and two things JSON.parse lets through that a later stage would silently change: a number that
 * is not finite (`1e999` parses as Infinity and is written back as `null`) and a `__proto__` key
 * (an own property after JSON.parse, but a prototype switch for any consumer that copies it with
 * plain assignment). `undefined` when the value is within every limit.
 */
export function checkJsonLimits(value: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): LimitViolation | undefined {
  const stack: Array<{ readonly value: unknown; readonly depth: number }> = [{ value, depth: 1 }];
  let values = 0;
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    values += 1;
    if (values > limits.maxValues) return { reason: 'too_many_values', message: `more than ${limits.maxValues} values in one event` };
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { reason: 'not_finite', message: 'a number is too large to represent (not finite)' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.maxDepth) return { reason: 'too_deep', message: `nested deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(v)) {
      if (v.length + values > limits.maxValues) return { reason: 'too_many_values', message: `more than ${limits.maxValues} values in one event` };
      for (const item of v) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.maxObjectKeys) return { reason: 'too_many_keys', message: `an object has ${keys.length} keys, more than ${limits.maxObjectKeys}` };
    for (const key of keys) {
      if (key === '__proto__') return { reason: 'forbidden_key', message: 'the key "__proto__" is not allowed' };
      stack.push({ value: (v as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return undefined;
}

/** `text` cut to at most `maxChars` UTF-16 units without splitting a surrogate pair. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const end = (text.charCodeAt(maxChars - 1) & 0xfc00) === 0xd800 ? maxChars - 1 : maxChars;
  return text.slice(0, end);
}
