/**
 * Where `eventlogging offsets reset` moves a consumer group, partition by partition: the pure
 * part of the runbook's offset-reset script. Every target is clamped to the partition's log
 * (start ≤ target ≤ end), because a committed offset outside the log makes the consumer fall
 * back to its reset policy, which silently skips or re-reads everything.
 */
import { ElError } from '../errors.js';

/** What the broker knows about one partition of the group's topic. */
export interface PartitionOffsets {
  readonly partition: number;
  /** The group's committed offset; -1 when it has none. */
  readonly committed: number;
  /** Log start: the oldest offset still on the broker. */
  readonly low: number;
  /** Log end: the offset the next message will get. */
  readonly high: number;
}

/** How to choose the targets (one of the `reset` options). */
export type OffsetTargetSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  /** `--to-offset P:O,...`: only the listed partitions move. */
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, number> }
  /** `--shift-by N`: from the committed offset (the log start when there is none: consumers start from the beginning). */
  | { readonly kind: 'shift'; readonly by: number }
  /**
   * `--to-datetime`: the broker's answer per partition (first offset with a timestamp at or after
   * the time; -1 or absent when there is none, which means the log end).
   */
  | { readonly kind: 'timestamp'; readonly offsets: ReadonlyMap<number, number> };

/** One line of the plan. */
export interface OffsetTarget {
  readonly partition: number;
  /** Committed offset now; -1 when none. */
  readonly current: number;
  readonly target: number;
  readonly low: number;
  readonly high: number;
  /** True when the asked-for offset was outside the log and was moved to its edge. */
  readonly clamped: boolean;
}

/** Clamps an offset into [low, high]. */
export function clampOffset(offset: number, low: number, high: number): number {
  return Math.min(Math.max(offset, low), high);
}

/**
 * Lag of a partition: messages between the committed offset and the log end. With no commit,
 * the consumer would start at the log start, so everything on the log is lag.
 */
export function partitionLag(p: PartitionOffsets): number {
  const from = p.committed >= 0 ? p.committed : p.low;
  return Math.max(0, p.high - from);
}

function wanted(p: PartitionOffsets, spec: OffsetTargetSpec): number | undefined {
  switch (spec.kind) {
    case 'earliest': return p.low;
    case 'latest': return p.high;
    case 'offsets': return spec.offsets.get(p.partition);
    case 'shift': return (p.committed >= 0 ? p.committed : p.low) + spec.by;
    case 'timestamp': {
      const o = spec.offsets.get(p.partition);
      return o === undefined || o < 0 ? p.high : o;
    }
  }
}

/**
 * Computes the plan. Partitions a `--to-offset` list does not name are left out (they do not
 * move). Throws `EL_USAGE` when `--to-offset` names a partition the topic does not have.
 */
export function computeOffsetTargets(partitions: readonly PartitionOffsets[], spec: OffsetTargetSpec): OffsetTarget[] {
  if (spec.kind === 'offsets') {
    const known = new Set(partitions.map((p) => p.partition));
    for (const partition of spec.offsets.keys()) {
      if (!known.has(partition)) throw new ElError('EL_USAGE', `--to-offset: the topic has no partition ${partition} (partitions: ${[...known].sort((a, b) => a - b).join(', ')})`);
    }
  }
  const out: OffsetTarget[] = [];
  for (const p of [...partitions].sort((a, b) => a.partition - b.partition)) {
    const want = wanted(p, spec);
    if (want === undefined) continue;
    const target = clampOffset(want, p.low, p.high);
    out.push({ partition: p.partition, current: p.committed, target, low: p.low, high: p.high, clamped: target !== want });
  }
  return out;
}

/** Parses `--to-offset` (`P:O,P:O`); throws `EL_USAGE` naming the bad item. */
export function parseOffsetList(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+):(\d+)$/.exec(item);
    if (m === null) throw new ElError('EL_USAGE', `--to-offset: '${item}' is not PARTITION:OFFSET`);
    const partition = Number(m[1]);
    if (out.has(partition)) throw new ElError('EL_USAGE', `--to-offset: partition ${partition} given twice`);
    out.set(partition, Number(m[2]));
  }
  if (out.size === 0) throw new ElError('EL_USAGE', '--to-offset needs PARTITION:OFFSET[,PARTITION:OFFSET...]');
  return out;
}

/** Parses `--shift-by` (a signed whole number); throws `EL_USAGE`. */
export function parseShift(text: string): number {
  if (!/^[-+]?\d+$/.test(text.trim())) throw new ElError('EL_USAGE', `--shift-by must be a whole number (negative goes back), got '${text}'`);
  return Number(text.trim());
}

/** Parses `--to-datetime` (ISO 8601; a time without a zone is UTC) into epoch ms; throws `EL_USAGE`. */
export function parseDatetime(text: string): number {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)) {
    throw new ElError('EL_USAGE', `--to-datetime must be ISO 8601 (e.g. 2018-03-08T13:32:20Z), got '${text}'`);
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) && trimmed.length > 10;
  const iso = trimmed.replace(' ', 'T');
  const ms = Date.parse(hasZone ? iso : (iso.length === 10 ? `${iso}T00:00:00Z` : `${iso}Z`));
  if (Number.isNaN(ms)) throw new ElError('EL_USAGE', `--to-datetime: '${text}' is not a valid date`);
  return ms;
}

/**
 * The `dt` of an event as stored on a topic: a capsule's `dt`, an EventBus event's `meta.dt`, or
 * the fourth tab-separated field of a raw line (the production format's `%D`). `undefined` when
 * the message has none.
 */
export function eventDt(value: string): string | undefined {
  const text = value.trim();
  if (text.startsWith('{')) {
    try {
      const data = JSON.parse(text) as Record<string, unknown>;
      if (typeof data.dt === 'string' && data.dt !== '') return data.dt;
      const meta = data.meta as Record<string, unknown> | undefined;
      if (meta !== null && typeof meta === 'object' && typeof meta.dt === 'string' && meta.dt !== '') return meta.dt;
      return undefined;
    } catch {
      // Not JSON after all: try it as a raw line.
    }
  }
  const field = value.split('\t')[3]?.trim();
  return field !== undefined && field !== '' ? field : undefined;
}
