import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { appendCommit, commitLag } from '../domain/burrow/lag-window.js';
import { evaluateGroup, type GroupPartitionInput, type GroupPartitionVerdict, type GroupVerdict } from '../domain/burrow/evaluate-group.js';
import { STATUS_SEVERITY, type Commit } from '../domain/burrow/partition-status.js';
import type { KafkaClientOptions } from '../domain/kafka-options.js';
import type { KafkaSource } from '../kafka/kafka-source-api.js';
import { metricOnce } from '../observability/metrics.js';

/** One successful offset commit, as `KafkaSource.onCommit` reports it (`highWatermark` optional for polled groups). */
export interface CommitObservation {
  readonly topic: string;
  readonly partition: number;
  /** The committed offset (the next offset the group will read). */
  readonly offset: number;
  /** The broker head the committer knew when it committed, if any. */
  readonly highWatermark?: number;
  /** When the commit happened, ms since the epoch. */
  readonly at: number;
}

/** A committed offset of some group, read from the cluster (admin `fetchOffsets`). */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has no committed offset for the partition. */
  readonly offset: number;
}

/** The part of a Kafka source the monitor reads: commits, supervisor state, partition actors. */
export type WatchedSource = Pick<KafkaSource, 'onCommit' | 'state' | 'partitions'>;

/** Options of {@link createLagMonitor}. Every I/O and the clock come in here. */
export interface LagMonitorOptions {
  /** The cluster name the Burrow API answers for. */
  readonly cluster: string;
  readonly now: () => number;
  /** Broker head (log end offset) per partition of a topic. */
  readonly fetchHeads: (topic: string) => Promise<ReadonlyMap<number, number>>;
  /** Committed offsets of a group we do not run (needed only with {@link LagMonitor.watchGroup}). */
  readonly fetchGroupOffsets?: (group: string) => Promise<readonly CommittedOffset[]>;
  /** Groups to watch from the start through `fetchGroupOffsets`. */
  readonly watchGroups?: readonly string[];
  readonly registry: Registry;
  readonly logger?: Logger;
  /** Commits kept per partition (Burrow `storage.intervals`, default 10). */
  readonly intervals?: number;
  /** A commit closer than this to the previous one replaces it (Burrow `storage.min-distance`; default 1000 ms). */
  readonly minDistanceMs?: number;
  /** Burrow `evaluator.allowed-lag`: current lag up to this many messages is OK (default 0). */
  readonly allowedLag?: number;
  /** Burrow `evaluator.minimum-complete` (default 0). */
  readonly minimumComplete?: number;
  /** Broker heads kept per partition, newest first (default: `intervals`). */
  readonly brokerHistory?: number;
  /** How often heads (and watched groups' offsets) are polled by `start()` (default 5000 ms). */
  readonly pollIntervalMs?: number;
  /** How often every group is evaluated and the metrics updated by `start()` (default 5000 ms). */
  readonly evaluateEveryMs?: number;
  /** Called by `stop()` to release the I/O behind `fetchHeads` (an admin client). */
  readonly close?: () => Promise<void>;
}

/** A partition verdict with the client id of the committer (Burrow's `client_id`). */
export interface LagPartitionReport extends GroupPartitionVerdict {
  readonly clientId: string;
}

/** A group's evaluation now: Burrow's `ConsumerGroupStatus`. */
export interface LagGroupReport extends Omit<GroupVerdict, 'partitions' | 'maxLag'> {
  readonly cluster: string;
  readonly group: string;
  readonly partitions: readonly LagPartitionReport[];
  readonly maxLag: LagPartitionReport | null;
}

/** One partition of a role, for the daemon's `/status`: the actor's view and the Burrow verdict. */
export interface RoleLagPartition {
  readonly topic: string;
  readonly partition: number;
  /** The partition actor state (`flowing`, `backpressured`, `draining`...), or `revoked` when no actor holds it. */
  readonly state: string;
  readonly inFlight: number | null;
  readonly committedOffset: number | null;
  /** Current lag as the monitor sees it (broker head − last commit). */
  readonly lag: number;
  readonly status: string;
  readonly rule: string;
  readonly explanation: string;
  /** The Burrow window the verdict was judged on, oldest first: offset and lag at each commit (null: unknown). */
  readonly window: ReadonlyArray<{ readonly offset: number; readonly lag: number | null }>;
}

/** What `/status` shows under a consuming role. */
export interface RoleLagView {
  readonly group: string;
  readonly supervisorState: string;
  readonly status: string;
  readonly complete: number;
  readonly totalLag: number;
  readonly partitions: readonly RoleLagPartition[];
}

/** The per-role hook a role gets through `RoleDeps.lagMonitor`. */
export interface RoleLagHook {
  /**
   * Reports the source's commits to the monitor and shows its partitions under this role in
   * `/status`. `brokers` and `client` (the reader URI's client options: security...) say how to
   * reach the cluster for broker heads.
   */
  watchSource(group: string, source: WatchedSource, brokers?: readonly string[], client?: KafkaClientOptions): void;
}

/** A running lag monitor. */
export interface LagMonitor {
  readonly cluster: string;
  /** Adds a commit of `group` to its partition window, in arrival order (as Burrow stores them). */
  recordCommit(group: string, commit: CommitObservation, meta?: { owner?: string; clientId?: string }): void;
  /** Feeds a running source's commits in, and remembers it under `role` for {@link roleView}. */
  watchSource(role: string, group: string, source: WatchedSource): void;
  /** The hook handed to one role (binds its role key). */
  hookFor(role: string, onBrokers?: (brokers: readonly string[], client?: KafkaClientOptions) => void): RoleLagHook;
  /** Also follows a group this process does not run, by polling its committed offsets. */
  watchGroup(group: string): void;
  /** Forgets a group's windows (Burrow's DELETE); they are recreated on its next commit. True if it was known. */
  forgetGroup(group: string): boolean;
  /** Groups with at least one partition window, sorted. */
  groups(): readonly string[];
  /** Evaluates `group` now; null when the group is unknown (Burrow NOTFOUND). */
  groupStatus(group: string): LagGroupReport | null;
  /** The `/status` view of a role that called {@link watchSource}, or undefined. */
  roleView(role: string): RoleLagView | undefined;
  /** Fetches broker heads of every topic a known group reads; errors are logged, not thrown. */
  pollHeads(): Promise<void>;
  /** Fetches the committed offsets of watched groups and records the changed ones as commits. */
  pollGroups(): Promise<void>;
  /** Evaluates every group and updates the metrics; returns the reports. */
  evaluate(): readonly LagGroupReport[];
  /** Starts the poll and evaluation timers. */
  start(): void;
  /** Stops the timers, waits for a poll under way and closes the I/O. */
  stop(): Promise<void>;
}

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

  const lagGauge = metricOnce(registry, 'eventlogging_lag_messages', () => new Gauge({
    name: 'eventlogging_lag_messages',
    help: 'Current consumer lag per group and partition: broker head minus the last committed offset.',
    labelNames: ['group', 'topic', 'partition'], registers: [registry],
  }));
  const groupStatusGauge = metricOnce(registry, 'eventlogging_lag_group_status_code', () => new Gauge({
    name: 'eventlogging_lag_group_status_code',
    help: 'Burrow status of each consumer group: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR (a partition in STOP, STALL or REWIND makes the group ERR).',
    labelNames: ['group'], registers: [registry],
  }));
  const completeGauge = metricOnce(registry, 'eventlogging_lag_group_complete_ratio', () => new Gauge({
    name: 'eventlogging_lag_group_complete_ratio',
    help: 'Fraction of a group\'s partitions whose commit window is full (Burrow "complete").',
    labelNames: ['group'], registers: [registry],
  }));
  const partitionStatusGauge = metricOnce(registry, 'eventlogging_lag_partition_status_code', () => new Gauge({
    name: 'eventlogging_lag_partition_status_code',
    help: 'Burrow status of each partition: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.',
    labelNames: ['group', 'topic', 'partition'], registers: [registry],
  }));

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

  function removeMetrics(group: string, partitions: Iterable<PartitionState>): void {
    groupStatusGauge.remove({ group });
    completeGauge.remove({ group });
    for (const s of partitions) {
      const labels = { group, topic: s.topic, partition: String(s.partition) };
      lagGauge.remove(labels);
      partitionStatusGauge.remove(labels);
    }
  }

  function evaluate(): readonly LagGroupReport[] {
    const reports: LagGroupReport[] = [];
    for (const group of [...groups.keys()].sort()) {
      const report = groupStatus(group);
      if (!report) continue;
      reports.push(report);
      groupStatusGauge.set({ group }, STATUS_SEVERITY[report.status]);
      completeGauge.set({ group }, report.complete);
      for (const p of report.partitions) {
        const labels = { group, topic: p.topic, partition: String(p.partition) };
        lagGauge.set(labels, p.currentLag);
        partitionStatusGauge.set(labels, STATUS_SEVERITY[p.status]);
      }
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
    const report = groupStatus(entry.group);
    const verdicts = new Map((report?.partitions ?? []).map((p) => [key(p.topic, p.partition), p]));
    const windows = groups.get(entry.group);
    const windowOf = (k: string) => (windows?.get(k)?.window ?? []).map((c) => ({ offset: c.offset, lag: c.lag }));
    const seen = new Set<string>();
    const partitions: RoleLagPartition[] = [];
    for (const p of entry.source.partitions()) {
      const k = key(p.topic, p.partition);
      seen.add(k);
      const v = verdicts.get(k);
      partitions.push({
        topic: p.topic, partition: p.partition, state: p.state, inFlight: p.inFlight, committedOffset: p.committedOffset,
        lag: v?.currentLag ?? p.lag, status: v?.status ?? 'OK', rule: v?.rule ?? 'no-commits',
        explanation: v?.explanation ?? 'no commits recorded yet', window: windowOf(k),
      });
    }
    for (const v of report?.partitions ?? []) {
      if (seen.has(key(v.topic, v.partition))) continue;
      partitions.push({
        topic: v.topic, partition: v.partition, state: 'revoked', inFlight: null, committedOffset: v.end?.offset ?? null,
        lag: v.currentLag, status: v.status, rule: v.rule, explanation: v.explanation, window: windowOf(key(v.topic, v.partition)),
      });
    }
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    return {
      group: entry.group,
      supervisorState: entry.source.state(),
      status: report?.status ?? 'NOTFOUND',
      complete: report?.complete ?? 0,
      totalLag: report?.totalLag ?? 0,
      partitions,
    };
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
      removeMetrics(group, partitions.values());
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

/** Reads broker heads and committed offsets through one lazily connected admin client. */
export function kafkaLagIo(kafka: KafkaJS.Kafka): {
  fetchHeads: (topic: string) => Promise<ReadonlyMap<number, number>>;
  fetchGroupOffsets: (group: string) => Promise<readonly CommittedOffset[]>;
  close: () => Promise<void>;
} {
  let admin: Promise<KafkaJS.Admin> | undefined;
  const connected = (): Promise<KafkaJS.Admin> => {
    admin ??= (async () => {
      const a = kafka.admin();
      try {
        await a.connect();
        return a;
      } catch (error) {
        // Forget the failed client so the next poll tries again.
        admin = undefined;
        throw error;
      }
    })();
    return admin;
  };
  return {
    async fetchHeads(topic) {
      const offsets = await (await connected()).fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    },
    async fetchGroupOffsets(group) {
      const topics = await (await connected()).fetchOffsets({ groupId: group });
      // A partition without a commit may carry librdkafka's "invalid" offset (-1001): report -1.
      return topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Math.max(-1, Number(p.offset)) })));
    },
    async close() {
      const a = admin;
      admin = undefined;
      if (a) await (await a.catch(() => undefined))?.disconnect().catch(() => undefined);
    },
  };
}

/**
 * The daemon's lag monitor on the Kafka cluster the roles read: the admin client is created from
 * the brokers (and client options) of the first role that reports a source (roles parse their own
 * URIs), so the daemon needs no separate broker setting. Heads are read as empty until then.
 */
export function createKafkaLagMonitor(options: {
  readonly createKafka: (brokers: readonly string[], client?: KafkaClientOptions) => KafkaJS.Kafka;
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly cluster?: string;
  readonly now?: () => number;
  readonly watchGroups?: readonly string[];
} & Pick<LagMonitorOptions, 'intervals' | 'minDistanceMs' | 'allowedLag' | 'minimumComplete' | 'pollIntervalMs' | 'evaluateEveryMs'>): LagMonitor {
  let io: ReturnType<typeof kafkaLagIo> | undefined;
  const monitor = createLagMonitor({
    ...options,
    cluster: options.cluster ?? 'eventlogging',
    now: options.now ?? Date.now,
    fetchHeads: async (topic) => (io ? io.fetchHeads(topic) : new Map()),
    fetchGroupOffsets: async (group) => (io ? io.fetchGroupOffsets(group) : []),
    close: async () => { await io?.close(); },
  });
  return {
    ...monitor,
    hookFor: (role) => monitor.hookFor(role, (brokers, client) => {
      io ??= kafkaLagIo(options.createKafka(brokers, client));
    }),
  };
}
