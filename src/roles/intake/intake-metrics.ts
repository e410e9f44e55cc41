import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { metricOnce } from '../../observability/metrics.js';

/** Why a beacon was not produced: a closed set, so the label stays bounded. */
export const DROP_REASONS = ['too_long', 'empty', 'body_too_large', 'backlog_full', 'producer_down', 'seq_unavailable', 'shutdown'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * Why a request was refused before any route saw it, or by `/v1/events` for its size: a closed
 * set. `request_timeout` is a client too slow with its headers or body (closed with 408),
 * `header_too_large` a request line and headers over the server's limit (431), `malformed` a
 * request that is not HTTP (400), `too_many_events` and `body_too_large` a `/v1/events` request
 * over its limits (413).
 */
export const REJECT_REASONS = ['request_timeout', 'header_too_large', 'malformed', 'too_many_events', 'body_too_large'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Outcomes of one server-side event of `POST /v1/events`. */
export type EventOutcome = 'valid' | 'invalid';

/** The intake's metrics, bound to one intake's `intake` label. */
export interface IntakeMetrics {
  beaconReceived(): void;
  beaconsProduced(count: number): void;
  beaconDropped(reason: DropReason, count?: number): void;
  produceLatency(seconds: number): void;
  event(outcome: EventOutcome): void;
  /** Counts a request refused for its size, its slowness or its form. */
  requestRejected(reason: RejectReason): void;
  /** Sets the source of the backlog gauge (read at scrape time). */
  backlogFrom(read: () => number): void;
}

/**
 * Registers (once per registry) and binds the intake metrics. Several intakes in one daemon share
 * each metric and are told apart by the `intake` label.
 */
export function createIntakeMetrics(registry: Registry, intake: string): IntakeMetrics {
  const received = metricOnce(registry, 'eventlogging_intake_beacons_received_total', () => new Counter({
    name: 'eventlogging_intake_beacons_received_total', help: 'Beacon requests received.', labelNames: ['intake'], registers: [registry],
  }));
  const produced = metricOnce(registry, 'eventlogging_intake_beacons_produced_total', () => new Counter({
    name: 'eventlogging_intake_beacons_produced_total', help: 'Raw lines acknowledged by the output.', labelNames: ['intake'], registers: [registry],
  }));
  const dropped = metricOnce(registry, 'eventlogging_intake_beacons_dropped_total', () => new Counter({
    name: 'eventlogging_intake_beacons_dropped_total', help: 'Beacons not produced, by reason.', labelNames: ['intake', 'reason'], registers: [registry],
  }));
  const latency = metricOnce(registry, 'eventlogging_intake_produce_duration_seconds', () => new Histogram({
    name: 'eventlogging_intake_produce_duration_seconds', help: 'Time to produce one batch of raw lines (until acknowledged).',
    labelNames: ['intake'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  }));
  const events = metricOnce(registry, 'eventlogging_intake_events_total', () => new Counter({
    name: 'eventlogging_intake_events_total', help: 'Server-side events received on /v1/events, by outcome.', labelNames: ['intake', 'outcome'], registers: [registry],
  }));
  const rejected = metricOnce(registry, 'eventlogging_intake_rejected_requests_total', () => new Counter({
    name: 'eventlogging_intake_rejected_requests_total', help: 'Requests refused for their size, slowness or form, by reason.', labelNames: ['intake', 'reason'], registers: [registry],
  }));
  const sources = new Map<string, () => number>();
  const backlog = metricOnce(registry, 'eventlogging_intake_backlog_messages', () => new Gauge({
    name: 'eventlogging_intake_backlog_messages', help: 'Raw lines accepted but not yet acknowledged by the output.', labelNames: ['intake'], registers: [registry],
  }));
  // Every intake sets its own label value just before a scrape; prom-client calls collect() then.
  const previousCollect = (backlog as unknown as { collect?: () => void }).collect;
  (backlog as unknown as { collect: () => void }).collect = function collect() {
    previousCollect?.call(this);
    for (const [name, read] of sources) backlog.set({ intake: name }, read());
  };
  for (const reason of DROP_REASONS) dropped.inc({ intake, reason }, 0);
  for (const reason of REJECT_REASONS) rejected.inc({ intake, reason }, 0);
  received.inc({ intake }, 0);
  produced.inc({ intake }, 0);
  return {
    beaconReceived: () => received.inc({ intake }),
    beaconsProduced: (count) => produced.inc({ intake }, count),
    beaconDropped: (reason, count = 1) => dropped.inc({ intake, reason }, count),
    produceLatency: (seconds) => latency.observe({ intake }, seconds),
    event: (outcome) => events.inc({ intake, outcome }),
    requestRejected: (reason) => rejected.inc({ intake, reason }),
    backlogFrom: (read) => {
      sources.set(intake, read);
    },
  };
}
