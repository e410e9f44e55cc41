/**
 * Deterministic event ids. The uuid of a capsule is UUIDv5 (SHA-1) in the URL namespace of
 * `event://{recvFrom}/?seqId={seqId}&dt={dt}`, written as 32 lowercase hex digits. Because it
 * depends only on the event, a replayed or redelivered event gets the same uuid and
 * `INSERT IGNORE` on the unique key turns at-least-once delivery into effectively-once rows.
 * `node:crypto`'s hash is pure computation (no I/O), so it is allowed in the domain.
 */
import { hash } from 'node:crypto';

/** RFC 4122 URL namespace `6ba7b811-9dad-11d1-80b4-00c04fd430c8`, as bytes. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * Namespace then name, hashed in one call: a one-shot hash of a reused buffer costs a fraction
 * of a `createHash` object per event, and the processor computes one uuid per event.
 */
let scratch = Buffer.alloc(256);
URL_NAMESPACE.copy(scratch);

/** UUIDv5 (RFC 4122 §4.3) of `name` in the URL namespace, as 32 lowercase hex digits. */
export function uuid5Url(name: string): string {
  const need = 16 + Buffer.byteLength(name, 'utf8');
  if (need > scratch.length) {
    scratch = Buffer.alloc(need * 2);
    URL_NAMESPACE.copy(scratch);
  }
  scratch.write(name, 16, 'utf8');
  const bytes = hash('sha1', scratch.subarray(0, need), 'buffer');
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return bytes.toString('hex', 0, 16);
}

/** The identity of an event: who received it, its sequence number there, and when. */
export interface EventIdentity {
  readonly recvFrom: string;
  readonly seqId: number | string;
  /** The capsule's `dt`, exactly as it appears in the capsule (`2013-01-19T23:16:38Z`). */
  readonly dt: string;
}

/** The URL the capsule uuid is derived from: `event://{recvFrom}/?seqId={seqId}&dt={dt}`. */
export function eventUrl(id: EventIdentity): string {
  return `event://${id.recvFrom}/?seqId=${id.seqId}&dt=${id.dt}`;
}

/**
 * The capsule uuid. Example (design §5): `srv0.example.org`, `132073`, `2013-01-19T23:16:38Z`
 * → `749684341abf513186c71f74c6a09502`.
 */
export function capsuleUuid(id: EventIdentity): string {
  return uuid5Url(eventUrl(id));
}
