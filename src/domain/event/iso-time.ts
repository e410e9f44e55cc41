/**
 * ISO 8601 times as the raw line and the capsule carry them. Pure: no clock reads.
 * The capsule's `dt` is always UTC with a `Z` (`2013-01-19T23:16:38Z`), because the uuid is
 * computed from its text and two spellings of one instant must not give two uuids.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parsed parts of an ISO time: ms since the epoch and the fraction digits as written. */
interface IsoParts {
  readonly ms: number;
  readonly fraction: string | undefined;
  /** Written as the capsule writes it already (`T`, UTC `Z`): normalising changes nothing. */
  readonly canonical: boolean;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits at `text[from, from + n)` as a number; -1 when any is not a digit. */
function digits(text: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * `YYYY-MM-DDTHH:MM:SSZ`, the form nearly every event carries, read without a regex or a Date.
 * `undefined` means "not this form" (the general parser decides), not "invalid".
 */
function parseCanonical(text: string): IsoParts | undefined {
  if (text.length !== 20 || text.charCodeAt(19) !== 90 /* Z */ || text.charCodeAt(10) !== 84 /* T */) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[13] !== ':' || text[16] !== ':') return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  // Years before 100 go the general way (Date.UTC reads them as 19xx; that path rejects them).
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return undefined;
  return { ms: Date.UTC(year, month - 1, day, hour, minute, second), fraction: undefined, canonical: true };
}

function parseIso(text: string): IsoParts | undefined {
  const fast = parseCanonical(text);
  if (fast !== undefined) return fast;
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const canonical = zone === 'Z' && text.charCodeAt(10) === 84; // 'T'
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 Feb into March: reject dates that do not exist.
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = Number(digits.slice(2, 4));
    if (offH > 23 || offM > 59) return undefined;
    ms -= sign * (offH * 60 + offM) * 60_000;
  }
  return { ms, fraction: frac, canonical };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function format(ms: number, fraction: string | undefined): string {
  const t = new Date(ms);
  const base = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

/**
 * Normalises an ISO time to the capsule's `dt`: UTC, `Z` suffix, seconds precision unless the
 * input had a fraction (kept as written). Input may lack the zone (`2016-09-26T07:01:42`, read as
 * UTC) or carry an offset. `undefined` when the text is not a valid time.
 */
export function normalizeDt(text: string): string | undefined {
  const parts = parseIso(text);
  if (!parts || !Number.isFinite(parts.ms)) return undefined;
  // The common case (clients and varnish write UTC with Z): the text is already the dt.
  if (parts.canonical) return text;
  const year = new Date(parts.ms).getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  return format(parts.ms, parts.fraction);
}

/** Seconds since the epoch of an ISO time (the `%t` converter); `undefined` when invalid. */
export function isoToEpochSeconds(text: string): number | undefined {
  const parts = parseIso(text);
  return parts ? Math.floor(parts.ms / 1000) : undefined;
}

/**
 * The `dt` of an epoch timestamp. Values too large to be seconds (after year 5138) are read as
 * milliseconds, as the original did for client-sent timestamps. `undefined` when not finite.
 */
export function dtFromEpoch(timestamp: number): string | undefined {
  if (!Number.isFinite(timestamp) || timestamp < 0) return undefined;
  const ms = Math.floor(timestamp > 1e11 ? timestamp : timestamp * 1000);
  if (ms > 253402300799999) return undefined; // after 9999-12-31
  const rest = ms % 1000;
  return format(ms - rest, rest > 0 ? pad(rest, 3) : undefined);
}
