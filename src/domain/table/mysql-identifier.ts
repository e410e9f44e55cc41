/**
 * MySQL/MariaDB identifiers built from untrusted text (schema and property names). Every name we
 * emit goes through {@link safeIdentifier} and {@link quoteIdentifier}, so a property name can
 * never break out of its quotes or be rejected by the server.
 */

/** Longest table or column name MySQL/MariaDB accept, in characters. */
export const MAX_IDENTIFIER_LENGTH = 64;

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, as 8 lowercase hex digits (stable across runs and hosts). */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A name the server accepts, derived deterministically from `name`:
 * - U+0000 and characters outside the Basic Multilingual Plane (the server rejects both in
 *   identifiers) become `_`; so do trailing spaces (names may not end in a space) and an empty name;
 * - a name longer than 64 characters becomes its first 55 characters, `_`, and 8 hex digits of a
 *   hash of the whole original name, so distinct long names stay distinct.
 */
export function safeIdentifier(name: string): string {
  let chars = [...name].map((c) => (c === '\u0000' || c.codePointAt(0)! > 0xffff ? '_' : c));
  let end = chars.length;
  while (end > 0 && chars[end - 1] === ' ') end -= 1;
  chars = [...chars.slice(0, end), ...Array<string>(chars.length - end).fill('_')];
  if (chars.length === 0) return '_';
  if (chars.length <= MAX_IDENTIFIER_LENGTH && chars.join('') === name) return name;
  if (chars.length <= MAX_IDENTIFIER_LENGTH) return chars.join('');
  return `${chars.slice(0, MAX_IDENTIFIER_LENGTH - 9).join('')}_${shortHash(name)}`;
}

/** Backtick-quotes an identifier, doubling backticks inside it (the only character that needs escaping). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * The key under which the server may consider two column names equal. Column names always compare
 * case-insensitively; depending on server version and collation they may also compare
 * accent-insensitively (`é` = `e`, `ß` = `s`; MariaDB 10.x/11.x here does not, MySQL's general
 * collations do). We fold case, drop combining marks and fold `ß`: coarser than any of them, so
 * what we keep apart the server keeps apart too, at worst at the price of an extra hash suffix.
 */
export function identifierCollisionKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/ß/g, 's').replace(/ +$/, '');
}
