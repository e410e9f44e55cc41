/**
 * The processor's FORMAT: a scanf-like format string compiled once into a list of tokens and
 * converters (design §4). A compiled {@link LineParser} never throws: a line that does not
 * match, a capsule that does not decode or is over a limit, or a user agent that is too long
 * comes back as a coded {@link ParseFailure} that names, when it can be recovered, the schema the
 * line was for.
 *
 * Specifiers: `%q` QSON capsule, `%j` JSON capsule, `%t` ISO time → `timestamp` (epoch seconds),
 * `%D` ISO time → `dt` (UTC, `Z`), `%u` user agent (tab-delimited) → `userAgent` (parsed),
 * `%o` omitted field, `%{name}s` string, `%{name}i` tab-delimited string, `%{name}d` integer,
 * `%%` a literal `%`. A space matches any run of whitespace.
 *
 * Matching is linear in the line's length by construction: each token takes the longest text it
 * can, once, and is never revisited (a backtracking regex over the whole line took seconds on a
 * crafted 32 KB line). So `%i` and `%u` run to the next tab, `%s`, `%o` and `%q` to the next
 * whitespace, and `%j` to the brace that closes its object (a JSON object holds no raw tab).
 *
 * The line's fields are the server's: where the line provides a field (recvFrom, seqId, dt or
 * timestamp, ip, userAgent, any named field) its value stands, whatever the capsule says, because
 * the uuid derives from recvFrom, seqId and dt and a client must not choose it. The capsule fills
 * only fields the line does not provide (so a `%j`-only format keeps working as in the original),
 * with the field's converter applied (a capsule `dt` is checked and kept as sent, as the original
 * hashes it into the uuid; `encapsulate` normalises the capsule's copy). A capsule's
 * `uuid` and `topic` are always dropped, and a capsule `userAgent` is accepted only as a string
 * (apps send their own), parsed and length-checked like the line's. Production:
 * `%q %{recvFrom}s %{seqId}d %D %{ip}i %u`.
 */
import { ElError, type ErrorCode } from '../errors.js';
import { dtFromEpoch, isoToEpochSeconds, normalizeDt } from './iso-time.js';
import { DEFAULT_INPUT_LIMITS, truncateText, type InputLimits } from './input-limits.js';
import { decodeQson, parseJsonObject, recoverCapsuleHints } from './qson.js';
import type { UserAgentParser } from './user-agent.js';

/** The codes a line can fail with. */
export type ParseErrorCode = Extract<ErrorCode, 'EL_PARSE_FAILED' | 'EL_DECODE_FAILED' | 'EL_USER_AGENT_TOO_LONG' | 'EL_INPUT_LIMIT'>;

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
  /** Line size and capsule shape limits (default {@link DEFAULT_INPUT_LIMITS}). */
  readonly limits?: InputLimits;
}

type Converted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: ParseErrorCode; readonly message: string };

/** Converts a field's value; `fromCapsule` values are arbitrary JSON, line values are the matched text. */
type Converter = (value: unknown, fromCapsule: boolean) => Converted;

interface Field {
  readonly name: string;
  /** `undefined` for the capsule. */
  readonly convert: Converter | undefined;
}

/** How a token finds the end of its text, starting at `pos`; -1 when it cannot match there. */
type Scan = (line: string, pos: number) => number;

/** One piece of a compiled format: a scan, and the field (index in `fields`) it captures, if any. */
interface Token {
  readonly scan: Scan;
  readonly field?: number;
  /** The text of a literal token. */
  readonly literal?: string;
}

const CAPSULE = 'capsule';
const FIELD_NAME = /^\w+$/;
/** Bounded length, so matching it at one position is constant time. */
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?/y;
/** Fields of the capsule a client never sets: the processor derives them. */
const SERVER_ONLY = ['uuid', 'topic'] as const;

// One character class repeated, matched once at a fixed position (sticky): linear, and the
// engine's scan is several times faster than a loop over char codes on long capsules.
const SPACES = /\s+/y;
const WORD = /\S+/y;

/** End of the run of whitespace (`\s+`) at `pos`. */
const spaces: Scan = (line, pos) => {
  SPACES.lastIndex = pos;
  return SPACES.test(line) ? SPACES.lastIndex : -1;
};

/** End of the run of non-whitespace (`\S+`) at `pos`. */
const word: Scan = (line, pos) => {
  WORD.lastIndex = pos;
  return WORD.test(line) ? WORD.lastIndex : -1;
};

/** End of the text up to the next tab (`[^\t]+`) at `pos`. */
const untilTab: Scan = (line, pos) => {
  const tab = line.indexOf('\t', pos);
  const end = tab < 0 ? line.length : tab;
  return end > pos ? end : -1;
};

/** End of the run of ASCII digits at `pos`. */
const digits: Scan = (line, pos) => {
  let i = pos;
  while (i < line.length && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  return i > pos ? i : -1;
};

/** `?` and the non-whitespace after it: a QSON capsule. */
const qson: Scan = (line, pos) => {
  if (line.charCodeAt(pos) !== 63 /* ? */) return -1;
  const end = word(line, pos + 1);
  return end < 0 ? pos + 1 : end;
};

/** An ISO 8601 time at `pos`. */
const isoTime: Scan = (line, pos) => {
  ISO_TIME.lastIndex = pos;
  return ISO_TIME.test(line) ? ISO_TIME.lastIndex : -1;
};

/**
 * A JSON capsule: from `{` to the brace that closes it, skipping strings (their braces and
 * escapes); a line whose braces do not balance falls back to non-whitespace, and fails to decode.
 */
const jsonObject: Scan = (line, pos) => {
  if (line.charCodeAt(pos) !== 123 /* { */) return word(line, pos);
  let depth = 0;
  let inString = false;
  for (let i = pos; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 0) return c === 125 ? i + 1 : word(line, pos);
    }
  }
  return word(line, pos);
};

/** A literal piece of the format. */
function literal(text: string): Scan {
  return (line, pos) => (line.startsWith(text, pos) ? pos + text.length : -1);
}

/**
 * A run (`\S+`, `[^\t]+`) followed by a literal ends at the literal's last occurrence in the run,
 * as a greedy regex would end it (`%{a}s:%{b}s` splits `x:y:z` as `x:y` and `z`), found once.
 */
function endingAt(run: Scan, text: string): Scan {
  return (line, pos) => {
    const end = run(line, pos);
    if (end < 0) return -1;
    const at = line.lastIndexOf(text, end - text.length);
    return at > pos ? at : -1;
  };
}

/** The line without its terminator (a line read from a file or stdin may keep it); linear. */
function withoutTerminator(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  return end === line.length ? line : line.slice(0, end);
}

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
  if (dt === undefined) return bad(failCode(fromCapsule), `dt is not an ISO 8601 time: ${JSON.stringify(value)?.slice(0, 64)}`);
  // A capsule's own dt text is kept as sent: the original computes the uuid from it unchanged
  // (`encapsulate` normalises the capsule's dt, not the uuid's input).
  return ok(fromCapsule && typeof value === 'string' ? value : dt);
};

const asTimestamp: Converter = (value, fromCapsule) => {
  if (typeof value === 'number' && Number.isFinite(value)) return ok(value);
  const seconds = typeof value === 'string' ? isoToEpochSeconds(value) : undefined;
  return seconds === undefined ? bad(failCode(fromCapsule), `timestamp is not an ISO 8601 time: ${JSON.stringify(value)?.slice(0, 64)}`) : ok(seconds);
};

function asUserAgent(parse: UserAgentParser): Converter {
  return (value, fromCapsule) => {
    // `-` is how varnishkafka and the intake write an absent header. An empty one is parsed (into
    // the all-"Other" object), as the original does.
    if (value === null || value === '-') return ok(null);
    if (typeof value === 'string') {
      const parsed = parse(value);
      return parsed.ok ? ok(parsed.value) : bad(parsed.code, parsed.message);
    }
    // Only text is accepted: a parsed object from a client could claim anything (is_bot: false).
    return bad(failCode(fromCapsule), 'userAgent is not a string');
  };
}

/**
 * Compiles a format string once. Throws `EL_CONFIG_INVALID` on a bad format (unknown specifier,
 * a named specifier without a name, no capsule, `%u` without a user-agent parser): that is a
 * configuration mistake found at start, never a per-line failure.
 */
export function compileFormat(format: string, options: FormatOptions = {}): LineParser {
  const limits = options.limits ?? DEFAULT_INPUT_LIMITS;
  const fields: Field[] = [];
  const tokens: Token[] = [];
  let isQson = false;
  const capture = (name: string, convert: Converter | undefined, scan: Scan): void => {
    tokens.push({ scan, field: fields.length });
    fields.push({ name, convert });
  };
  const spec = /%(?:\{([^}]*)\})?(.)?/y;
  let text = '';
  const flushText = (): void => {
    if (text !== '') tokens.push({ scan: literal(text), literal: text });
    text = '';
  };
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (/\s/.test(c)) {
      while (i < format.length && /\s/.test(format[i]!)) i++;
      flushText();
      tokens.push({ scan: spaces });
      continue;
    }
    if (c !== '%') {
      text += c;
      i++;
      continue;
    }
    spec.lastIndex = i;
    const m = spec.exec(format)!;
    const [whole, name, letter] = m;
    i += whole.length;
    if (letter === '%' && name === undefined) {
      text += '%';
      continue;
    }
    flushText();
    const needName = (): string => {
      if (name === undefined || !FIELD_NAME.test(name) || name === '__proto__' || name === CAPSULE) {
        throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)}: %${letter} needs a field name, as in %{name}${letter}`);
      }
      return name;
    };
    switch (letter) {
      case 'q':
        capture(CAPSULE, undefined, qson);
        isQson = true;
        break;
      case 'j':
        capture(CAPSULE, undefined, jsonObject);
        break;
      case 't':
        capture('timestamp', asTimestamp, isoTime);
        break;
      case 'D':
        capture('dt', asDt, isoTime);
        break;
      case 'u': {
        if (!options.userAgent) throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)}: %u needs a user-agent parser`);
        capture('userAgent', asUserAgent(options.userAgent), untilTab);
        break;
      }
      case 'o':
        tokens.push({ scan: word });
        break;
      case 's':
        capture(needName(), asString, word);
        break;
      case 'i':
        capture(needName(), asString, untilTab);
        break;
      case 'd': {
        const n = needName();
        capture(n, asInteger(n), digits);
        break;
      }
      default:
        throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)}: unknown specifier ${JSON.stringify(whole)}`);
    }
  }
  flushText();
  for (let k = 0; k + 1 < tokens.length; k++) {
    const next = tokens[k + 1]!;
    const scan = tokens[k]!.scan;
    if (next.literal !== undefined && (scan === word || scan === untilTab || scan === qson)) tokens[k] = { ...tokens[k]!, scan: endingAt(scan, next.literal) };
  }
  const capsuleIndex = fields.findIndex((f) => f.name === CAPSULE);
  if (capsuleIndex < 0) throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)} has no capsule (%q or %j)`);
  if (fields.filter((f) => f.name === CAPSULE).length > 1) throw new ElError('EL_CONFIG_INVALID', `format ${JSON.stringify(format)} has two capsules`);

  // The line's own fields, and the converters a capsule value of the same name goes through.
  const lineFields = fields.filter((f) => f.name !== CAPSULE);
  const converters = new Map<string, Converter>();
  for (const f of lineFields) converters.set(f.name, f.convert!);
  if (options.userAgent && !converters.has('userAgent')) converters.set('userAgent', asUserAgent(options.userAgent));
  // The line's fields win over the capsule's, except a user agent: apps send their own, as text
  // that is parsed like the header. dt and timestamp are one identity field: a line with either
  // leaves the capsule neither.
  const lineNames = new Set(lineFields.map((f) => f.name).filter((name) => name !== 'userAgent'));
  if (lineNames.has('dt') || lineNames.has('timestamp')) lineNames.add('dt').add('timestamp');
  const dropFromCapsule = [...lineNames, ...SERVER_ONLY];
  const capsuleWins = new Set(['userAgent']);
  const lineHasUserAgent = lineFields.some((f) => f.name === 'userAgent');

  const fail = (code: ParseErrorCode, message: string, rawEvent: string, hintsFrom: string): ParseFailure => ({
    ok: false,
    code,
    message,
    rawEvent,
    ...recoverCapsuleHints(hintsFrom),
  });

  return (rawLine) => {
    if (typeof rawLine !== 'string') return fail('EL_PARSE_FAILED', 'raw event is not a string', String(rawLine), '');
    // Longer than the limit in UTF-16 units is longer in bytes; measure bytes only when it may be.
    if (rawLine.length > limits.maxLineBytes || (rawLine.length * 3 > limits.maxLineBytes && Buffer.byteLength(rawLine) > limits.maxLineBytes)) {
      const head = truncateText(rawLine, limits.maxLineBytes);
      return fail('EL_INPUT_LIMIT', `line is longer than ${limits.maxLineBytes} bytes`, head, head.slice(0, 4096));
    }
    // A line read from a file or stdin may keep its terminator; it is not part of any field.
    const line = withoutTerminator(rawLine);
    const captured: string[] = [];
    let pos = 0;
    let matched = true;
    for (const token of tokens) {
      const end = token.scan(line, pos);
      if (end < 0) {
        matched = false;
        break;
      }
      if (token.field !== undefined) captured[token.field] = line.slice(pos, end);
      pos = end;
    }
    if (!matched || pos !== line.length) {
      return fail('EL_PARSE_FAILED', `line does not match format ${JSON.stringify(format)}`, rawLine, line);
    }
    const capsuleText = captured[capsuleIndex]!;
    const decoded = isQson ? decodeQson(capsuleText, limits) : parseJsonObject(capsuleText, limits);
    if (!decoded.ok) return fail(decoded.limit !== undefined ? 'EL_INPUT_LIMIT' : 'EL_DECODE_FAILED', decoded.message, rawLine, capsuleText);
    const merged = decoded.value;
    for (const name of dropFromCapsule) delete merged[name];
    // An empty capsule user agent says nothing when the request has its own.
    if (lineHasUserAgent && merged.userAgent === '') delete merged.userAgent;
    for (const [name, convert] of converters) {
      if (!Object.prototype.hasOwnProperty.call(merged, name)) continue;
      const r = convert(merged[name], true);
      if (!r.ok) return fail(r.code, r.message, rawLine, capsuleText);
      merged[name] = r.value;
    }
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      // A capsule user agent that is empty or `-` (converted to null) says nothing: the line's stands.
      if (f.name === CAPSULE || (capsuleWins.has(f.name) && merged[f.name] !== undefined && merged[f.name] !== null)) continue;
      const r = f.convert!(captured[k], false);
      if (!r.ok) return fail(r.code, r.message, rawLine, capsuleText);
      merged[f.name] = r.value;
    }
    return { ok: true, fields: merged };
  };
}
