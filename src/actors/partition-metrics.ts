import { Counter, Gauge, type Registry } from 'prom-client';
import { metricOnce } from '../observability/metrics.js';

/** Labels of a partition's series: one role, one of its assigned partitions. */
export interface PartitionLabels {
  readonly role: string;
  readonly topic: string;
  readonly partition: string;
}

/** The partition actors' metrics, declared once per registry. */
export interface PartitionMetrics {
  readonly inFlight: Gauge;
  readonly paused: Gauge;
  readonly pauses: Counter;
  readonly committed: Gauge;
  /** Actors replaced by their restart supervisor after their pipeline failed. */
  readonly pipelineRestarts: Counter;
  /** Drops the gauges of a partition this member no longer holds. */
  forget(labels: PartitionLabels): void;
}

export function partitionMetrics(registry: Registry): PartitionMetrics {
  const labelNames = ['role', 'topic', 'partition'];
  const inFlight = metricOnce(registry, 'eventlogging_partition_in_flight_messages', () => new Gauge({
    name: 'eventlogging_partition_in_flight_messages', help: 'Records received by a partition actor and not yet durable downstream.',
    labelNames, registers: [registry],
  }));
  const paused = metricOnce(registry, 'eventlogging_partition_paused_ratio', () => new Gauge({
    name: 'eventlogging_partition_paused_ratio', help: '1 while a partition is paused for backpressure.',
    labelNames, registers: [registry],
  }));
  const pauses = metricOnce(registry, 'eventlogging_partition_pauses_total', () => new Counter({
    name: 'eventlogging_partition_pauses_total', help: 'Times a partition was paused for backpressure.',
    labelNames, registers: [registry],
  }));
  const committed = metricOnce(registry, 'eventlogging_partition_committed_offset', () => new Gauge({
    name: 'eventlogging_partition_committed_offset', help: 'Last committed offset (next offset to read) per partition.',
    labelNames, registers: [registry],
  }));
  const pipelineRestarts = metricOnce(registry, 'eventlogging_partition_pipeline_restarts_total', () => new Counter({
    name: 'eventlogging_partition_pipeline_restarts_total',
    help: 'Partition actors replaced after their pipeline failed (with capped backoff; the new actor starts at the committed offset).',
    labelNames, registers: [registry],
  }));
  return {
    inFlight, paused, pauses, committed, pipelineRestarts,
    forget(labels) {
      inFlight.remove({ ...labels });
      paused.remove({ ...labels });
    },
  };
}
