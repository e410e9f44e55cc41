/**
 * The processor's domain path for a batch of one partition's raw records, in the shape that
 * crosses between threads: the raw values in one byte buffer going in; the routed messages as
 * parallel arrays (one capsule's text shared by its outputs), the outcome counts for the metrics
 * and the failures for the console coming out. The check thread runs it (check-thread.ts); the
 * main thread runs the same function when no check thread is available.
 */
import type { EventErrorInput, MessageSource } from '../../domain/event/event-error.js';
import { ERROR_CODES } from '../../domain/errors.js';
import { routeChecked, type Checked } from '../../streams/route.js';
import type { ProcessorCore } from './processor-core.js';

/** One partition's raw records, packed. */
export interface CheckJob {
  readonly id: number;
  readonly topic: string;
  readonly partition: number;
  /** Every record's offset, in order. */
  readonly offsets: Float64Array;
  /** The records' values back to back. */
  readonly bytes: Uint8Array;
  /** Where each value ends in `bytes`; -1 for a tombstone (no value). */
  readonly ends: Int32Array;
}

/** A failure as the console keeps it (no raw event: it may hold client data and can be large). */
export interface CheckFailure {
  readonly record: number;
  readonly error: Omit<EventErrorInput, 'rawEvent'>;
}

/** Outcomes of a batch, by metric label: `[label, count]` pairs. */
export interface CheckTally {
  readonly raw: number;
  readonly valid: readonly (readonly [string, number])[];
  readonly invalid: readonly (readonly [string, number])[];
  readonly errors: readonly (readonly [string, number])[];
}

/** What a batch routed to: per record its messages, each pointing into shared tables. */
export interface CheckResult {
  readonly id: number;
  /** Messages per record, in record order. */
  readonly counts: Uint16Array;
  /** Per message: its output index, topic (index into `topics`) and text (index into `values`). */
  readonly outputs: Uint16Array;
  readonly topicOf: Uint32Array;
  readonly valueOf: Uint32Array;
  readonly topics: readonly string[];
  /** One entry per routed capsule or EventError, shared by every output it goes to. */
  readonly values: readonly string[];
  /** The key of each value; '' when messages are not keyed. */
  readonly keys: readonly string[];
  readonly tally: CheckTally;
  readonly failures: readonly CheckFailure[];
}

/** Failures per error code a batch reports (the console shows 3 per code). */
const FAILURES_PER_CODE = 3;

function bump(counts: Map<string, number>, label: string): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}

/** Checks every record of a job (awaiting schema lookups only when one is needed) and routes it. */
export function checkBatch(core: Pick<ProcessorCore, 'check' | 'route' | 'known'>, job: CheckJob): CheckResult | Promise<CheckResult> {
  const n = job.offsets.length;
  const checked: (Checked | Promise<Checked>)[] = new Array(n);
  let waiting = false;
  let start = 0;
  for (let i = 0; i < n; i += 1) {
    const end = job.ends[i]!;
    const value = end < 0 ? null : job.bytes.subarray(start, end);
    if (end >= 0) start = end;
    const source: MessageSource = { topic: job.topic, partition: job.partition, offset: job.offsets[i]! };
    const c = core.check({ value, source });
    if (c instanceof Promise) waiting = true;
    checked[i] = c;
  }
  if (!waiting) return routeBatch(core, job.id, checked as Checked[]);
  return Promise.all(checked).then((all) => routeBatch(core, job.id, all));
}

function routeBatch(core: Pick<ProcessorCore, 'route' | 'known'>, id: number, checked: readonly Checked[]): CheckResult {
  const counts = new Uint16Array(checked.length);
  const outputs: number[] = [];
  const topicOf: number[] = [];
  const valueOf: number[] = [];
  const topics: string[] = [];
  const topicIndex = new Map<string, number>();
  const values: string[] = [];
  const keys: string[] = [];
  const valid = new Map<string, number>();
  const invalid = new Map<string, number>();
  const errors = new Map<string, number>();
  // The console keeps the latest few per code; a batch sends no more than that.
  const failures = new Map<string, CheckFailure[]>();
  for (let i = 0; i < checked.length; i += 1) {
    const item = checked[i]!;
    if (item.kind === 'valid') {
      const { schema, revision } = item.capsule;
      bump(valid, core.known(schema, revision) ? schema : 'unknown');
    } else {
      const { schema, revision, errorCode } = item.error;
      bump(invalid, schema !== undefined && revision !== undefined && core.known(schema, revision) ? schema : 'unknown');
      bump(errors, errorCode !== undefined && errorCode in ERROR_CODES ? errorCode : 'EL_INTERNAL');
      const { rawEvent: _raw, ...error } = item.error;
      const code = error.errorCode ?? error.code;
      let kept = failures.get(code);
      if (kept === undefined) failures.set(code, (kept = []));
      kept.push({ record: i, error: error.source === undefined && item.source !== undefined ? { ...error, source: item.source } : error });
      if (kept.length > FAILURES_PER_CODE) kept.shift();
    }
    const messages = routeChecked(core.route, item);
    counts[i] = messages.length;
    let lastValue: string | undefined;
    for (const m of messages) {
      let t = topicIndex.get(m.topic);
      if (t === undefined) {
        t = topics.length;
        topics.push(m.topic);
        topicIndex.set(m.topic, t);
      }
      // A capsule's outputs share one string: send it once.
      if (m.value !== lastValue) {
        values.push(m.value);
        keys.push(m.key ?? '');
        lastValue = m.value;
      }
      outputs.push(m.output);
      topicOf.push(t);
      valueOf.push(values.length - 1);
    }
  }
  return {
    id,
    counts,
    outputs: Uint16Array.from(outputs),
    topicOf: Uint32Array.from(topicOf),
    valueOf: Uint32Array.from(valueOf),
    topics,
    values,
    keys,
    tally: { raw: checked.length, valid: [...valid], invalid: [...invalid], errors: [...errors] },
    failures: [...failures.values()].flat().sort((a, b) => a.record - b.record),
  };
}
