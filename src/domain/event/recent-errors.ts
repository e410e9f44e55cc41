import type { EventErrorInput, MessageSource } from './event-error.js';

/** One EventError as the console shows it: no raw event, no client address. */
export interface RecentError {
  /** When it was seen (milliseconds since the epoch). */
  readonly at: number;
  /** The EventError kind (`validation`, `parse`, `processor`...). */
  readonly code: string;
  readonly errorCode?: string;
  readonly schema?: string;
  readonly revision?: number;
  readonly message: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
}

/** The latest EventErrors of each code, kept by reference and summarised only when read. */
export interface RecentErrors {
  /** `source` where the error's own is absent (the record it came from). */
  add(error: Omit<EventErrorInput, 'rawEvent'>, at: number, source?: MessageSource): void;
  /** Newest first, at most `perCode` of each code. */
  list(): readonly RecentError[];
}

/** Longest message shown; the EventError itself keeps up to 2,000 characters. */
const MESSAGE_CHARS = 300;
const SCHEMA_CHARS = 120;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
// Two or more hex groups joined by colons, with at least one `::` or seven colons: an IPv6 address.
const IPV6 = /\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\b/gi;

/**
 * A message may quote client input, and client input may hold an address: mask anything shaped
 * like one, since the console is read by people who may not see client addresses.
 */
export function maskAddresses(text: string): string {
  return text.replace(IPV4, '<ip>').replace(IPV6, (m) => (m.includes('::') || m.split(':').length >= 8 ? '<ip>' : m));
}

export function summariseEventError(e: Omit<EventErrorInput, 'rawEvent'>, at: number, from: MessageSource | undefined = e.source): RecentError {
  const message = maskAddresses(e.message.length > MESSAGE_CHARS ? `${e.message.slice(0, MESSAGE_CHARS)}…` : e.message);
  return {
    at, code: e.code, ...(e.errorCode !== undefined ? { errorCode: e.errorCode } : {}),
    // A schema name comes from the client too: shown as far as a name can sensibly go.
    ...(e.schema !== undefined ? { schema: e.schema.length > SCHEMA_CHARS ? `${e.schema.slice(0, SCHEMA_CHARS)}…` : e.schema } : {}), ...(e.revision !== undefined ? { revision: e.revision } : {}),
    message,
    ...(from !== undefined ? { topic: from.topic, partition: from.partition, offset: from.offset } : {}),
  };
}

/**
 * Keeps the `perCode` latest EventErrors of each error code (`EL_...`, else the kind; both are
 * closed lists, so memory is bounded). Adding is a constant-time array shift, cheap enough for a flood of invalid events.
 */
export function createRecentErrors(perCode = 3): RecentErrors {
  const byCode = new Map<string, { error: Omit<EventErrorInput, 'rawEvent'>; at: number; source: MessageSource | undefined; seq: number }[]>();
  let seq = 0;
  return {
    add(error, at, source) {
      const code = error.errorCode ?? error.code;
      let kept = byCode.get(code);
      if (!kept) byCode.set(code, (kept = []));
      kept.push({ error, at, source: error.source ?? source, seq: seq++ });
      if (kept.length > perCode) kept.shift();
    },
    list() {
      return [...byCode.values()].flat().sort((a, b) => b.seq - a.seq).map((k) => summariseEventError(k.error, k.at, k.source));
    },
  };
}
