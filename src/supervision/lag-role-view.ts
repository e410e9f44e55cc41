import type { Commit } from '../domain/burrow/partition-status.js';
import type { LagGroupReport, RoleLagPartition, RoleLagView, WatchedSource } from './lag-monitor-api.js';

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * What `/status` shows under a consuming role: each partition its source holds (the actor's view
 * with the Burrow verdict and window) and, as `revoked`, each partition the group's verdict
 * names that this member no longer holds.
 */
export function roleLagView(
  group: string,
  source: WatchedSource,
  report: LagGroupReport | null,
  windowOf: (topic: string, partition: number) => readonly Commit[],
): RoleLagView {
  const verdicts = new Map((report?.partitions ?? []).map((p) => [key(p.topic, p.partition), p]));
  const window = (topic: string, partition: number) => windowOf(topic, partition).map((c) => ({ offset: c.offset, lag: c.lag }));
  const seen = new Set<string>();
  const partitions: RoleLagPartition[] = [];
  for (const p of source.partitions()) {
    const k = key(p.topic, p.partition);
    seen.add(k);
    const v = verdicts.get(k);
    partitions.push({
      topic: p.topic, partition: p.partition, state: p.state, inFlight: p.inFlight, committedOffset: p.committedOffset,
      lag: v?.currentLag ?? p.lag, status: v?.status ?? 'OK', rule: v?.rule ?? 'no-commits',
      explanation: v?.explanation ?? 'no commits recorded yet', window: window(p.topic, p.partition),
    });
  }
  for (const v of report?.partitions ?? []) {
    if (seen.has(key(v.topic, v.partition))) continue;
    partitions.push({
      topic: v.topic, partition: v.partition, state: 'revoked', inFlight: null, committedOffset: v.end?.offset ?? null,
      lag: v.currentLag, status: v.status, rule: v.rule, explanation: v.explanation, window: window(v.topic, v.partition),
    });
  }
  partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return {
    group,
    supervisorState: source.state(),
    status: report?.status ?? 'NOTFOUND',
    complete: report?.complete ?? 0,
    totalLag: report?.totalLag ?? 0,
    partitions,
  };
}
