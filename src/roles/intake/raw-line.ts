/**
 * The raw line an intake produces for one beacon, in the production shape
 * `%q %{recvFrom}s %{seqId}d %D %{ip}i %u` (fields separated by one tab each).
 */

/** What one beacon contributes to its raw line. */
export interface RawLineFields {
  /** The query string exactly as received, without the leading `?`. */
  readonly query: string;
  readonly recvFrom: string;
  readonly seqId: number;
  /** Receive time, ms since the epoch. */
  readonly receivedAt: number;
  readonly ip: string;
  /** The `User-Agent` header, if any. */
  readonly userAgent: string | undefined;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC, without zone or fraction (the `%D` input of the processor). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/**
 * Whitespace would split a field of the tab-separated line; a query can only carry it if a client
 * sent it unencoded, so percent-encode it (decoding gives back the same JSON).
 */
function encodeWhitespace(query: string): string {
  return query.replace(/[\s]/g, (c) => encodeURIComponent(c));
}

/**
 * The user agent field: tabs and line breaks become spaces (they would break the line), `-` when
 * absent or empty, as varnishkafka wrote it.
 */
export function userAgentField(userAgent: string | undefined): string {
  if (userAgent === undefined) return '-';
  const clean = userAgent.replace(/[\t\r\n\v\f]/g, ' ');
  return clean.trim() === '' ? '-' : clean;
}

/**
 * Formats a beacon as a raw line. The query gets exactly one trailing `;` (the form the client
 * library sends, and what the processor's `%q` strips): appended when the client did not send it,
 * never doubled.
 */
export function formatRawLine(fields: RawLineFields): string {
  const query = encodeWhitespace(fields.query);
  const q = `?${query}${query.endsWith(';') ? '' : ';'}`;
  const ip = fields.ip.replace(/\s/g, '') || '-';
  return [q, fields.recvFrom, String(fields.seqId), isoSeconds(fields.receivedAt), ip, userAgentField(fields.userAgent)].join('\t');
}
