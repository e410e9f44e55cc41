import { Gauge, type Registry } from 'prom-client';
import { STATUS_SEVERITY } from '../domain/burrow/partition-status.js';
import { metricOnce } from '../observability/metrics.js';
import type { LagGroupReport } from './lag-monitor-api.js';

/** The lag monitor's verdicts as metrics, declared once per registry. */
export interface LagMetrics {
  /** Sets a group's series from its evaluation. */
  publish(report: LagGroupReport): void;
  /** Drops a forgotten group's series. */
  remove(group: string, partitions: Iterable<{ topic: string; partition: number }>): void;
}

export function lagMetrics(registry: Registry): LagMetrics {
  const lag = metricOnce(registry, 'eventlogging_lag_messages', () => new Gauge({
    name: 'eventlogging_lag_messages',
    help: 'Current consumer lag per group and partition: broker head minus the last committed offset.',
    labelNames: ['group', 'topic', 'partition'], registers: [registry],
  }));
  const groupStatus = metricOnce(registry, 'eventlogging_lag_group_status_code', () => new Gauge({
    name: 'eventlogging_lag_group_status_code',
    help: 'Burrow status of each consumer group: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR (a partition in STOP, STALL or REWIND makes the group ERR).',
    labelNames: ['group'], registers: [registry],
  }));
  const complete = metricOnce(registry, 'eventlogging_lag_group_complete_ratio', () => new Gauge({
    name: 'eventlogging_lag_group_complete_ratio',
    help: 'Fraction of a group\'s partitions whose commit window is full (Burrow "complete").',
    labelNames: ['group'], registers: [registry],
  }));
  const partitionStatus = metricOnce(registry, 'eventlogging_lag_partition_status_code', () => new Gauge({
    name: 'eventlogging_lag_partition_status_code',
    help: 'Burrow status of each partition: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.',
    labelNames: ['group', 'topic', 'partition'], registers: [registry],
  }));
  return {
    publish(report) {
      const { group } = report;
      groupStatus.set({ group }, STATUS_SEVERITY[report.status]);
      complete.set({ group }, report.complete);
      for (const p of report.partitions) {
        const labels = { group, topic: p.topic, partition: String(p.partition) };
        lag.set(labels, p.currentLag);
        partitionStatus.set(labels, STATUS_SEVERITY[p.status]);
      }
    },
    remove(group, partitions) {
      groupStatus.remove({ group });
      complete.remove({ group });
      for (const s of partitions) {
        const labels = { group, topic: s.topic, partition: String(s.partition) };
        lag.remove(labels);
        partitionStatus.remove(labels);
      }
    },
  };
}
