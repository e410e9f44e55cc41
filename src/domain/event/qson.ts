/**
 * QSON: query-string-encoded JSON, the `%q` capsule of a raw line (`?` + URL-encoded JSON + `;`).
 * Pure; decoding never throws, failures come back as data.
 */

import { checkJsonLimits, DEFAULT_INPUT_LIMITS, type InputLimits, type LimitViolation } from './input-limits.js';

/** A decoded QSON capsule, or why it could not be decoded. */
export type QsonResult =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly message: string; readonly limit?: LimitViolation };

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

/** True when `c` is the code of an ASCII hex digit. */
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Percent-decodes `text` as UTF-8, strictly: a byte sequence that is not valid UTF-8 is an error
 * (`undefined`), never silently replaced by U+FFFD, because a replaced character would be stored
 * as if the client had sent it. A `%` not followed by two hex digits stays literal, as in
 * Python's `unquote`.
 */
export function percentDecodeUtf8(text: string): string | undefined {
  // Fast path: the engine's decoder is strict about UTF-8 too; it only also rejects stray `%`.
  try {
    return decodeURIComponent(text);
  } catch {
    // fall through: stray `%` or bad UTF-8; the slow path tells them apart
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 /* % */ && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // A raw non-ASCII character: keep it, as its UTF-8 bytes (whole code point).
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (cp >= 0xd800 && cp <= 0xdfff) return undefined; // lone surrogate: not representable
      for (const b of utf8.encode(ch)) bytes.push(b);
      i += ch.length - 1;
    }
  }
  try {
    return fatalUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** Strips the `?` prefix and `;` suffix a QSON capsule may carry (all of them, like Python's `strip('?;')`). */
export function stripQsonMarks(qson: string): string {
  let start = 0;
  let end = qson.length;
  while (start < end && (qson[start] === '?' || qson[start] === ';')) start++;
  while (end > start && (qson[end - 1] === '?' || qson[end - 1] === ';')) end--;
  return qson.slice(start, end);
}

/**
 * Decodes a QSON capsule: strip `?`/`;`, `+` → space, percent-decode as strict UTF-8, parse JSON.
 * The result must be a JSON object.
 */
export function decodeQson(qson: string, limits: InputLimits = DEFAULT_INPUT_LIMITS): QsonResult {
  const text = percentDecodeUtf8(stripQsonMarks(qson).replace(/\+/g, ' '));
  if (text === undefined) return { ok: false, message: 'capsule is not valid percent-encoded UTF-8' };
  return parseJsonObject(text, limits);
}

/**
 * Parses `text` as JSON that must be an object (the `%j` capsule, and the last step of QSON)
 * within the input limits (a violation comes back with `limit` set).
 */
export function parseJsonObject(text: string, limits: InputLimits = DEFAULT_INPUT_LIMITS): QsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `capsule is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `capsule is JSON but not an object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})` };
  }
  const limit = checkJsonLimits(value, limits);
  if (limit !== undefined) return { ok: false, message: `capsule is over a limit: ${limit.message}`, limit };
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Encodes an object as the QSON a client sends: `?` + percent-encoded JSON + `;`. The inverse of
 * {@link decodeQson}; used by test fixtures and generators.
 */
export function encodeQson(value: Readonly<Record<string, unknown>>): string {
  return `?${encodeURIComponent(JSON.stringify(value))};`;
}

/** What could be recovered from a line that failed to decode. */
export interface CapsuleHints {
  readonly schema?: string;
  readonly revision?: number;
  readonly wiki?: string;
}

const SCHEMA_NAME = /^[./a-zA-Z0-9_-]{1,63}$/;
const HINT_SCHEMA = /"schema"\s*:\s*"([^"\\]{1,63})"/;
const HINT_REVISION = /"revision"\s*:\s*"?(\d{1,15})/;
const HINT_WIKI = /"wiki"\s*:\s*"([^"\\]{1,100})"/;

/**
 * Forgiving recovery of `schema`, `revision` and `wiki` from raw text that did not decode (a
 * truncated or mangled capsule), so the EventError can name the schema an operator must look at.
 * Only ASCII percent-escapes are decoded, so bad UTF-8 elsewhere does not hide the names.
 */
export function recoverCapsuleHints(raw: string): CapsuleHints {
  const text = raw.replace(/\+/g, ' ').replace(/%([0-7][0-9a-fA-F])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const schema = HINT_SCHEMA.exec(text)?.[1];
  const revision = HINT_REVISION.exec(text)?.[1];
  const wiki = HINT_WIKI.exec(text)?.[1];
  const revisionNumber = revision === undefined ? undefined : Number(revision);
  return {
    ...(schema !== undefined && SCHEMA_NAME.test(schema) ? { schema } : {}),
    ...(revisionNumber !== undefined && Number.isSafeInteger(revisionNumber) && revisionNumber >= 1 ? { revision: revisionNumber } : {}),
    ...(wiki !== undefined ? { wiki } : {}),
  };
}
