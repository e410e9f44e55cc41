import { Counter, Histogram, type Registry } from 'prom-client';
import { metricOnce } from '../../observability/metrics.js';
import { ERROR_CODES, type ErrorCode } from '../../domain/errors.js';
import type { Checked } from '../../streams/route.js';
import type { CheckTally } from './check-batch.js';

/** The processor's metrics, bound to one role label. */
export interface ProcessorMetrics {
  /** Counts one raw event and its outcome; `known(schema, revision)` says whether the schema may be a label. */
  observe(item: Checked, known: (schema: string, revision: number) => boolean): void;
  /** Counts a batch's outcomes, labelled where they were checked (a check thread). */
  tally(counts: CheckTally): void;
  /** One acknowledged produce request of `messages` messages that took `seconds`. */
  produced(messages: number, seconds: number): void;
  /** One failed produce attempt (it is retried). */
  produceFailed(): void;
  /** The Kafka client sent `requests` produce requests again on its own (a leader moved, a broker was lost). */
  producerRetried(requests: number): void;
  /** A check thread died (its jobs were checked on the main thread). */
  checkThreadLost(): void;
}

/**
 * Per-event counts are kept in plain numbers and added to the counters when the registry is read
 * (each counter's `collect`): a prom-client increment hashes its label set every time, and the
 * processor counts two or three per event. Flushers are kept per counter and role, so a role
 * restarted under the same name replaces its predecessor (after its counts are flushed).
 */
const flushers = new WeakMap<object, Map<string, () => void>>();

function flushAll(counter: object): void {
  for (const flush of flushers.get(counter)?.values() ?? []) flush();
}

function addFlusher(counter: object, role: string, flush: () => void): void {
  let byRole = flushers.get(counter);
  if (byRole === undefined) flushers.set(counter, (byRole = new Map()));
  byRole.get(role)?.();
  byRole.set(role, flush);
}

/** One label set's count since the last flush. */
interface Pending {
  readonly labels: Record<string, string>;
  n: number;
}

function pendingFor(byKey: Map<string, Pending>, key: string, labels: () => Record<string, string>): Pending {
  let p = byKey.get(key);
  if (p === undefined) byKey.set(key, (p = { labels: labels(), n: 0 }));
  return p;
}

/**
 * Registers (once per registry) and binds the processor metrics:
 * `eventlogging_processor_raw_events_total{role}`,
 * `eventlogging_processor_events_total{role, outcome=valid|invalid, schema}`,
 * `eventlogging_processor_errors_total{role, code}`,
 * `eventlogging_processor_produced_messages_total{role}`,
 * `eventlogging_processor_produce_failures_total{role}`,
 * `eventlogging_processor_produce_seconds{role}`,
 * `eventlogging_processor_produce_retried_requests_total{role}`.
 * Labels stay bounded: `schema` is a compiled schema's name, else `unknown`; `code` is from the
 * closed list, else `EL_INTERNAL`.
 */
export function createProcessorMetrics(registry: Registry, role: string): ProcessorMetrics {
  const raw = metricOnce(registry, 'eventlogging_processor_raw_events_total', () => new Counter({
    name: 'eventlogging_processor_raw_events_total', help: 'Raw events read by the processor.', labelNames: ['role'], registers: [registry],
    collect() { flushAll(this); },
  }));
  const events = metricOnce(registry, 'eventlogging_processor_events_total', () => new Counter({
    name: 'eventlogging_processor_events_total', help: 'Processed events by outcome and schema (unknown when the schema is not in the repository).',
    labelNames: ['role', 'outcome', 'schema'], registers: [registry],
    collect() { flushAll(this); },
  }));
  const errors = metricOnce(registry, 'eventlogging_processor_errors_total', () => new Counter({
    name: 'eventlogging_processor_errors_total', help: 'Events that became EventErrors, by error code.', labelNames: ['role', 'code'], registers: [registry],
    collect() { flushAll(this); },
  }));
  const producedMessages = metricOnce(registry, 'eventlogging_processor_produced_messages_total', () => new Counter({
    name: 'eventlogging_processor_produced_messages_total', help: 'Messages acknowledged by the outputs.', labelNames: ['role'], registers: [registry],
  }));
  const produceFailures = metricOnce(registry, 'eventlogging_processor_produce_failures_total', () => new Counter({
    name: 'eventlogging_processor_produce_failures_total', help: 'Failed produce attempts (each is retried).', labelNames: ['role'], registers: [registry],
  }));
  const produceSeconds = metricOnce(registry, 'eventlogging_processor_produce_seconds', () => new Histogram({
    name: 'eventlogging_processor_produce_seconds', help: 'Time from sending a produce batch to its acknowledgement.',
    labelNames: ['role'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  }));
  const retried = metricOnce(registry, 'eventlogging_processor_produce_retried_requests_total', () => new Counter({
    name: 'eventlogging_processor_produce_retried_requests_total',
    help: 'Produce requests the Kafka client sent again on its own (a leader moved, a broker was lost); idempotence keeps them from duplicating records.',
    labelNames: ['role'], registers: [registry],
  }));
  const threadExits = metricOnce(registry, 'eventlogging_processor_check_thread_exits_total', () => new Counter({
    name: 'eventlogging_processor_check_thread_exits_total',
    help: 'Check threads that died; their jobs were checked on the main thread, and after three the role stays there.',
    labelNames: ['role'], registers: [registry],
  }));
  let rawPending = 0;
  const validPending = new Map<string, Pending>();
  const invalidPending = new Map<string, Pending>();
  const errorPending = new Map<string, Pending>();
  const flush = (): void => {
    if (rawPending > 0) raw.inc({ role }, rawPending);
    rawPending = 0;
    const drain = (counter: Counter, byKey: Map<string, Pending>): void => {
      for (const p of byKey.values()) {
        if (p.n > 0) counter.inc(p.labels, p.n);
        p.n = 0;
      }
    };
    drain(events, validPending);
    drain(events, invalidPending);
    drain(errors, errorPending);
  };
  for (const counter of [raw, events, errors]) addFlusher(counter, role, flush);
  return {
    observe(item, known) {
      rawPending += 1;
      if (item.kind === 'valid') {
        const { schema, revision } = item.capsule;
        const label = known(schema, revision) ? schema : 'unknown';
        pendingFor(validPending, label, () => ({ role, outcome: 'valid', schema: label })).n += 1;
        return;
      }
      const { schema, revision, errorCode } = item.error;
      const label = schema !== undefined && revision !== undefined && known(schema, revision) ? schema : 'unknown';
      pendingFor(invalidPending, label, () => ({ role, outcome: 'invalid', schema: label })).n += 1;
      const code: ErrorCode = errorCode !== undefined && errorCode in ERROR_CODES ? errorCode : 'EL_INTERNAL';
      pendingFor(errorPending, code, () => ({ role, code })).n += 1;
    },
    tally(counts) {
      rawPending += counts.raw;
      for (const [label, n] of counts.valid) pendingFor(validPending, label, () => ({ role, outcome: 'valid', schema: label })).n += n;
      for (const [label, n] of counts.invalid) pendingFor(invalidPending, label, () => ({ role, outcome: 'invalid', schema: label })).n += n;
      for (const [code, n] of counts.errors) pendingFor(errorPending, code, () => ({ role, code })).n += n;
    },
    produced(messages, seconds) {
      producedMessages.inc({ role }, messages);
      produceSeconds.observe({ role }, seconds);
    },
    produceFailed() {
      produceFailures.inc({ role });
    },
    producerRetried(requests) {
      retried.inc({ role }, requests);
    },
    checkThreadLost() {
      threadExits.inc({ role });
    },
  };
}
