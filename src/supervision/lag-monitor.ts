import { appendCommit, commitLag } from '../domain/burrow/lag-window.js';
import { evaluateGroup, type GroupPartitionInput, type GroupPartitionVerdict } from '../domain/burrow/evaluate-group.js';
import type { Commit } from '../domain/burrow/partition-status.js';
import { lagMetrics } from './lag-metrics.js';
import { roleLagView } from './lag-role-view.js';
import type {
  CommitObservation, CommittedOffset, LagGroupReport, LagMonitor, LagMonitorOptions, LagPartitionReport, RoleLagView, WatchedSource,
} from './lag-monitor-api.js';

export type * from './lag-monitor-api.js';

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  window: readonly Commit[];
  /** Latest broker head that came with a commit (the committer's fetch high-watermark). */
  commitHead: number | null;
  owner: string;
  clientId: string;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * The stateful side of the Burrow rules: keeps, per (group, topic, partition), a window of the last
 * commits with the lag at commit time (built with `appendCommit`, as Burrow's storage does) and,
 * per partition, the recent broker heads (newest first); evaluates groups with `evaluateGroup` on
 * demand and every `evaluateEveryMs`, exporting the verdicts as metrics. The clock and all I/O are
 * injected, so tests drive it with a fake `now` and call `pollHeads`/`evaluate` themselves.
 */
export function createLagMonitor(options: LagMonitorOptions): LagMonitor {
  const { cluster, now, registry, logger } = options;
  const intervals = options.intervals ?? 10;
  const minDistanceMs = options.minDistanceMs ?? 1000;
  const brokerHistory = options.brokerHistory ?? intervals;
  const groups = new Map<string, Map<string, PartitionState>>();
  /** topic → partition → recent heads, newest first. */
  const heads = new Map<string, Map<number, number[]>>();
  const watched = new Set<string>(options.watchGroups ?? []);
  const sources = new Map<string, { group: string; source: WatchedSource }>();
  const lastStatus = new Map<string, string>();
  const timers: NodeJS.Timeout[] = [];
  let polling: Promise<void> | undefined;

  const metrics = lagMetrics(registry);

  function latestPolledHead(topic: string, partition: number): number | null {
    return heads.get(topic)?.get(partition)?.[0] ?? null;
  }

  function headNow(state: PartitionState): number | null {
    const polled = latestPolledHead(state.topic, state.partition);
    if (polled === null) return state.commitHead;
    if (state.commitHead === null) return polled;
    // Heads only grow; whichever was seen later is the larger one.
    return Math.max(polled, state.commitHead);
  }

  function recordCommit(group: string, commit: CommitObservation, meta: { owner?: string; clientId?: string } = {}): void {
    let partitions = groups.get(group);
    if (!partitions) {
      partitions = new Map();
      groups.set(group, partitions);
    }
    const k = key(commit.topic, commit.partition);
    let state = partitions.get(k);
    if (!state) {
      state = { topic: commit.topic, partition: commit.partition, window: [], commitHead: null, owner: '', clientId: '' };
      partitions.set(k, state);
    }
    if (meta.owner !== undefined) state.owner = meta.owner;
    if (meta.clientId !== undefined) state.clientId = meta.clientId;
    // Commits are kept in arrival order, as Burrow keeps them (by their place in
    // __consumer_offsets), whatever their timestamps say; one that arrives before any broker
    // head is known is not stored (its lag would be unknown), as in Burrow.
    if (commit.highWatermark !== undefined) {
      state.commitHead = state.commitHead === null ? commit.highWatermark : Math.max(state.commitHead, commit.highWatermark);
    }
    state.window = appendCommit(state.window, { offset: commit.offset, timestamp: commit.at }, headNow(state), { intervals, minDistanceMs });
  }

  function currentLag(state: PartitionState): number {
    const end = state.window[state.window.length - 1];
    if (!end) return 0;
    return commitLag(headNow(state), end.offset) ?? 0;
  }

  function groupStatus(group: string): LagGroupReport | null {
    const partitions = groups.get(group);
    if (!partitions || partitions.size === 0) return null;
    const at = now();
    const states = [...partitions.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const inputs: GroupPartitionInput[] = states.map((s) => ({
      topic: s.topic,
      partition: s.partition,
      owner: s.owner,
      window: s.window,
      currentLag: currentLag(s),
      brokerOffsets: heads.get(s.topic)?.get(s.partition) ?? [],
      now: at,
      intervals,
      ...(options.allowedLag !== undefined ? { allowedLag: options.allowedLag } : {}),
      ...(options.minimumComplete !== undefined ? { minimumComplete: options.minimumComplete } : {}),
    }));
    const verdict = evaluateGroup(inputs);
    const withClient = (v: GroupPartitionVerdict): LagPartitionReport =>
      Object.freeze({ ...v, clientId: partitions.get(key(v.topic, v.partition))?.clientId ?? '' });
    const reports = verdict.partitions.map(withClient);
    return Object.freeze({
      ...verdict,
      cluster,
      group,
      partitions: Object.freeze(reports),
      maxLag: verdict.maxLag === null ? null : reports[verdict.partitions.indexOf(verdict.maxLag)] ?? withClient(verdict.maxLag),
    });
  }

  function evaluate(): readonly LagGroupReport[] {
    const reports: LagGroupReport[] = [];
    for (const group of [...groups.keys()].sort()) {
      const report = groupStatus(group);
      if (!report) continue;
      reports.push(report);
      metrics.publish(report);
      const before = lastStatus.get(group);
      if (before !== report.status) {
        lastStatus.set(group, report.status);
        const bad = report.partitions.filter((p) => p.status !== 'OK')
          .map((p) => ({ topic: p.topic, partition: p.partition, status: p.status, rule: p.rule, explanation: p.explanation }));
        const fields = { group, from: before ?? 'NOTFOUND', to: report.status, totalLag: report.totalLag, partitions: bad };
        if (report.status === 'OK') logger?.info(fields, `consumer group ${group}: lag status ${report.status}`);
        else logger?.warn(fields, `consumer group ${group}: lag status ${report.status}`);
      }
    }
    return reports;
  }

  function topicsToPoll(): Set<string> {
    const topics = new Set<string>();
    for (const partitions of groups.values()) for (const s of partitions.values()) topics.add(s.topic);
    for (const { source } of sources.values()) for (const p of source.partitions()) topics.add(p.topic);
    return topics;
  }

  async function pollHeads(): Promise<void> {
    for (const topic of topicsToPoll()) {
      let fetched: ReadonlyMap<number, number>;
      try {
        fetched = await options.fetchHeads(topic);
      } catch (error) {
        // A failed poll only makes the heads older; the rules then see less lag, never a false STOP.
        logger?.warn({ err: error, topic }, 'lag monitor: cannot fetch broker heads');
        continue;
      }
      let byPartition = heads.get(topic);
      if (!byPartition) {
        byPartition = new Map();
        heads.set(topic, byPartition);
      }
      for (const [partition, head] of fetched) {
        const history = byPartition.get(partition) ?? [];
        byPartition.set(partition, [head, ...history].slice(0, brokerHistory));
      }
    }
  }

  async function pollGroups(): Promise<void> {
    if (watched.size === 0) return;
    if (!options.fetchGroupOffsets) {
      logger?.warn({ groups: [...watched] }, 'lag monitor: groups to watch but no fetchGroupOffsets');
      return;
    }
    for (const group of watched) {
      let offsets: readonly CommittedOffset[];
      try {
        offsets = await options.fetchGroupOffsets(group);
      } catch (error) {
        logger?.warn({ err: error, group }, 'lag monitor: cannot fetch committed offsets');
        continue;
      }
      const at = now();
      for (const o of offsets) {
        if (o.offset < 0) continue;
        const state = groups.get(group)?.get(key(o.topic, o.partition));
        const last = state?.window[state.window.length - 1];
        // Polling sees the committed offset, not each commit: only a changed offset is a new commit,
        // so a group that stopped committing ages into rule 4 instead of looking freshly active.
        if (last !== undefined && last.offset === o.offset) continue;
        recordCommit(group, { topic: o.topic, partition: o.partition, offset: o.offset, at });
      }
    }
  }

  function pollOnce(): Promise<void> {
    // One poll at a time: a slow broker must not pile up admin requests.
    polling ??= (async () => {
      try {
        await pollHeads();
        await pollGroups();
      } finally {
        polling = undefined;
      }
    })();
    return polling;
  }

  function roleView(role: string): RoleLagView | undefined {
    const entry = sources.get(role);
    if (!entry) return undefined;
    const windows = groups.get(entry.group);
    return roleLagView(entry.group, entry.source, groupStatus(entry.group), (topic, partition) => windows?.get(key(topic, partition))?.window ?? []);
  }

  function watchSource(role: string, group: string, source: WatchedSource): void {
    sources.set(role, { group, source });
    source.onCommit((commit) => recordCommit(group, commit, { owner: role, clientId: role }));
  }

  return {
    cluster,
    recordCommit,
    watchSource,
    hookFor: (role, onBrokers) => ({
      watchSource(group, source, brokers, client) {
        if (brokers && brokers.length > 0) onBrokers?.(brokers, client);
        watchSource(role, group, source);
      },
    }),
    watchGroup: (group) => { watched.add(group); },
    forgetGroup(group) {
      const partitions = groups.get(group);
      if (!partitions) return false;
      groups.delete(group);
      lastStatus.delete(group);
      metrics.remove(group, partitions.values());
      logger?.info({ group }, 'lag monitor: group windows forgotten; they restart with the next commit');
      return true;
    },
    groups: () => [...groups.entries()].filter(([, p]) => p.size > 0).map(([g]) => g).sort(),
    groupStatus,
    roleView,
    pollHeads,
    pollGroups,
    evaluate,
    start() {
      if (timers.length > 0) return;
      const poll = setInterval(() => { void pollOnce(); }, options.pollIntervalMs ?? 5000);
      const judge = setInterval(() => { evaluate(); }, options.evaluateEveryMs ?? 5000);
      // The monitor must never keep a draining daemon alive.
      poll.unref();
      judge.unref();
      timers.push(poll, judge);
      void pollOnce();
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      await polling?.catch(() => undefined);
      await options.close?.();
    },
  };
}
