/**
 * The processor's FORMAT: a scanf-like format string compiled once into one anchored regex and a
 * list of converters (design §4). A compiled {@link LineParser} never throws: a line that does not
 * match, a capsule that does not decode, or a user agent that is too long comes back as a coded
 * {@link ParseFailure} that names, when it can be recovered, the schema the line was for.
 *
 * Specifiers: `%q` QSON capsule, `%j` JSON capsule, `%t` ISO time → `timestamp` (epoch seconds),
 * `%D` ISO time → `dt` (UTC, `Z`), `%u` user agent (tab-delimited) → `userAgent` (parsed),
 * `%o` omitted field, `%{name}s` string, `%{name}i` tab-delimited string, `%{name}d` integer,
 * `%%` a literal `%`. A space matches any run of whitespace.
 *
 * Precedence, as in the original: a field present in the decoded capsule wins over the same field
 * of the line, and the field's converter is applied to the capsule's value (a capsule `dt` without
 * `Z` is normalised, a capsule `userAgent` string is parsed). Production:
 * `%q %{recvFrom}s %{seqId}d %D %{ip}i %u`.
 */
import { ElError, type ErrorCode } from './errors.js';
import { dtFromEpoch, isoToEpochSeconds, normalizeDt } from './iso-time.js';
import { decodeQson, parseJsonObject, recoverCapsuleHints } from './qson.js';
import type { UserAgentInfo, UserAgentParser } from './user-agent.js';

/** The codes a line can fail with. */
export type ParseErrorCode = Extract<ErrorCode, 'EL_PARSE_FAILED' | 'EL_DECODE_FAILED' | 'EL_USER_AGENT_TOO_LONG'>;

/** A line that could not be parsed; `schema`/`revision`/`wiki` are recovered when possible. */
export interface ParseFailure {
  readonly ok: false;
  readonly code: ParseErrorCode;
  readonly message: string;
  readonly rawEvent: string;
  readonly schema?: string;
  readonly revision?: number;
  readonly wiki?: string;
}

/** A parsed line: the decoded capsule merged with the line's fields (input of `encapsulate`). */
export interface ParseSuccess {
  readonly ok: true;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What a {@link LineParser} returns. */
export type ParseResult = ParseSuccess | ParseFailure;

/** Parses one raw line. Never throws. */
export type LineParser = (line: string) => ParseResult;

/** Injected dependencies of {@link compileFormat}. */
export interface FormatOptions {
  /**
   * The `%u` converter (see `createUserAgentParser`). Required when the format has `%u`; when
   * given it also parses a `userAgent` string sent inside the capsule.
   */
  readonly userAgent?: UserAgentParser;
}

type Converted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: ParseErrorCode; readonly message: string };

/** Converts a field's value; `fromCapsule` values are arbitrary JSON, line values are the matched text. */
type Converter = (value: unknown, fromCapsule: boolean) => Converted;

interface Field {
  readonly name: string;
  /** `undefined` for `%o`. */
  readonly convert: Converter | undefined;
}

const CAPSULE = 'capsule';
const FIELD_NAME = /^\w+$/;
const ISO_TIME = '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?)';

const ok = (value: unknown): Converted => ({ ok: true, value });
const bad = (code: ParseErrorCode, message: string): Converted => ({ ok: false, code, message });
/** A bad capsule value is a decode failure; a bad line value is a parse failure. */
const failCode = (fromCapsule: boolean): ParseErrorCode => (fromCapsule ? 'EL_DECODE_FAILED' : 'EL_PARSE_FAILED');

const asString: Converter = (value) => ok(value);

function asInteger(name: string): Converter {
  return (value, fromCapsule) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return ok(value);
    if (typeof value === 'string' && /^\d{1,16}$/.test(value) && Number.isSafeInteger(Number(value))) return ok(Number(value));
    return bad(failCode(fromCapsule), `${name} is not an integer: ${JSON.stringify(value)?.slice(0, 64)}`);
  };
}

const asDt: Converter = (value, fromCapsule) => {
  const dt = typeof value === 'string' ? normalizeDt(value) : typeof value === 'number' ? dtFromEpoch(value) : undefined;
  return dt === undefined ? bad(failCode(fromCapsule), `dt is not an ISO 8601 time: ${JSON.stringify(value)?.slice(0, 64)}`) : ok(dt);
};

const asTimestamp: Converter = (value, fromCapsule) => {
  if (typeof value === 'number' && Number.isFinite(value)) return ok(value);
  const seconds = typeof value === 'string' ? isoToEpochSeconds(value) : undefined;
  return seconds === undefined ? bad(failCode(fromCapsule), `timestamp is not an ISO 8601 time: ${JSON.stringify(value)?.slice(0, 64)}`) : ok(seconds);
};

function asUserAgent(parse: UserAgentParser): Converter {
  return (value, fromCapsule) => {
    // `-` is how varnishkafka and the intake write an absent header.
    if (value === null || value === '-' || value === '') return ok(null);
    if (typeof value === 'string') {
      const parsed = parse(value);
      return parsed.ok ? ok(parsed.value) : bad(parsed.code, parsed.message);
    }
    // An already parsed user agent (a capsule re-read from a topic) is kept as sent.
    if (typeof value === 'object' && !Array.isArray(value)) return ok(value as UserAgentInfo);
    return bad(failCode(fromCapsule), `userAgent is neither a string nor an object`);
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Compiles a format string once. Throws `EL_CONFIG_INVALID` on a bad format (unknown specifier,
 * a named specifier without a name, no capsule, `%u` without a user-agent parser): that is a
 * configuration mistake found at start, never a per-line failure.
 */
export function compileFormat(format: string, options: FormatOptions = {}): LineParser {
  const fields: Field[] = [];
  let pattern = '';
  let isQson = false;
  const spec = /%(?:\{([^}]*)\})?(.)?/y;
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (/\s/.test(c)) {
      while (i < format.length && /\s/.test(format[i]!)) i++;
      pattern += '\\s+';
      continue;
    }
    if (c !== '%') {
      pattern += escapeRegex(c);
      i++;
      continue;
    }
    spec.lastIndex = i;
    const m = spec.exec(format)!;
    const [whole, name, letter] = m;
    i += whole.length;
    if (letter === '%' && name === undefined) {
      pattern += '%';
      continue;
    }
    const needName = (): string => {
      if (name === undefined || !FIELD_NAME.test(name) || name === '__proto__') {
        throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)}: %${letter} needs a field name, as in %{name}${letter}`);
      }
      return name;
    };
    switch (letter) {
      case 'q':
        pattern += '(\\?\\S*)';
        fields.push({ name: CAPSULE, convert: undefined });
        isQson = true;
        break;
      case 'j':
        // JSON may hold spaces inside strings: prefer the brace-delimited form, backtracking to
        // the last `}` that lets the rest of the line match.
        pattern += '(\\{.*\\}|\\S+)';
        fields.push({ name: CAPSULE, convert: undefined });
        break;
      case 't':
        pattern += ISO_TIME;
        fields.push({ name: 'timestamp', convert: asTimestamp });
        break;
      case 'D':
        pattern += ISO_TIME;
        fields.push({ name: 'dt', convert: asDt });
        break;
      case 'u': {
        if (!options.userAgent) throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)}: %u needs a user-agent parser`);
        pattern += '([^\\t]+)';
        fields.push({ name: 'userAgent', convert: asUserAgent(options.userAgent) });
        break;
      }
      case 'o':
        pattern += '\\S+';
        break;
      case 's':
        pattern += '(\\S+)';
        fields.push({ name: needName(), convert: asString });
        break;
      case 'i':
        pattern += '([^\\t]+)';
        fields.push({ name: needName(), convert: asString });
        break;
      case 'd': {
        const n = needName();
        pattern += '(\\d+)';
        fields.push({ name: n, convert: asInteger(n) });
        break;
      }
      default:
        throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)}: unknown specifier ${JSON.stringify(whole)}`);
    }
  }
  const capsuleIndex = fields.findIndex((f) => f.name === CAPSULE);
  if (capsuleIndex < 0) throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)} has no capsule (%q or %j)`);
  if (fields.filter((f) => f.name === CAPSULE).length > 1) throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)} has two capsules`);
  const regex = new RegExp(`^${pattern}$`);

  // Converters by field name, applied to capsule values too (the capsule wins, converted).
  const converters = new Map<string, Converter>();
  for (const f of fields) if (f.convert && f.name !== CAPSULE) converters.set(f.name, f.convert);
  if (options.userAgent && !converters.has('userAgent')) converters.set('userAgent', asUserAgent(options.userAgent));

  const fail = (code: ParseErrorCode, message: string, rawEvent: string, hintsFrom: string): ParseFailure => ({
    ok: false,
    code,
    message,
    rawEvent,
    ...recoverCapsuleHints(hintsFrom),
  });

  return (rawLine) => {
    if (typeof rawLine !== 'string') return fail('EL_PARSE_FAILED', 'raw event is not a string', String(rawLine), '');
    // A line read from a file or stdin may keep its terminator; it is not part of any field.
    const line = rawLine.replace(/[\r\n]+$/, '');
    const m = regex.exec(line);
    if (!m) return fail('EL_PARSE_FAILED', `line does not match format ${JSON.stringify(format)}`, rawLine, line);
    const capsuleText = m[capsuleIndex + 1]!;
    const decoded = isQson ? decodeQson(capsuleText) : parseJsonObject(capsuleText);
    if (!decoded.ok) return fail('EL_DECODE_FAILED', decoded.message, rawLine, capsuleText);
    const merged = decoded.value;
    for (const [name, convert] of converters) {
      if (!Object.prototype.hasOwnProperty.call(merged, name)) continue;
      const r = convert(merged[name], true);
      if (!r.ok) return fail(r.code, r.message, rawLine, capsuleText);
      merged[name] = r.value;
    }
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      if (!f.convert || f.name === CAPSULE || Object.prototype.hasOwnProperty.call(merged, f.name)) continue;
      const r = f.convert(m[k + 1], false);
      if (!r.ok) return fail(r.code, r.message, rawLine, capsuleText);
      merged[f.name] = r.value;
    }
    return { ok: true, fields: merged };
  };
}
