import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { metricOnce } from '../observability/metrics.js';
import type { LagMonitor, RoleLagView, WatchedSource } from './lag-monitor.js';

/** What the watchdog remembers about one partition between two checks. */
export interface StallTrack {
  /** When the partition was first seen stuck without progress (ms), or null while it is healthy. */
  readonly stuckSince: number | null;
  /** The highest committed offset seen so far (-1 before any). */
  readonly committedOffset: number;
}

/** One look at a partition: its Burrow verdict, its lag and its committed offset, at `now`. */
export interface StallObservation {
  /** The partition's Burrow status (`OK`, `WARN`, `STOP`, `STALL`, `REWIND`...). */
  readonly status: string;
  /** Messages waiting (broker head − committed offset). */
  readonly lag: number;
  /** The partition's committed offset now (-1 when it has none). */
  readonly committedOffset: number;
  readonly now: number;
}

/** The outcome of {@link decideStall}: the track to keep and whether to restart now. */
export interface StallDecision {
  readonly track: StallTrack;
  readonly restart: boolean;
  /** How long the partition has been stuck without progress (0 when it is not). */
  readonly stuckForMs: number;
}

/** Burrow verdicts that mean "the consumer is not moving", as opposed to "moving but behind" (WARN). */
const STUCK = new Set(['STOP', 'STALL']);

/**
 * Decides whether a partition actor should be restarted. A partition is stuck when its verdict is
 * STOP or STALL while messages wait (lag > 0); it is restarted once it has stayed stuck, with no
 * committed offset moving forward, for `graceMs`. Any forward commit restarts the clock, so a
 * partition that keeps committing is never restarted whatever its verdict says (a slow consumer
 * is not a stuck one). After a restart the clock starts again: a partition that stays stuck is
 * restarted once per grace period, never in a tight loop. Pure: time comes in the observation.
 */
export function decideStall(previous: StallTrack | undefined, observation: StallObservation, graceMs: number): StallDecision {
  const { now } = observation;
  const progressed = previous !== undefined && observation.committedOffset > previous.committedOffset;
  const committedOffset = Math.max(previous?.committedOffset ?? -1, observation.committedOffset);
  const stuck = STUCK.has(observation.status) && observation.lag > 0;
  if (!stuck) return { track: { stuckSince: null, committedOffset }, restart: false, stuckForMs: 0 };
  const since = progressed || previous?.stuckSince == null ? now : previous.stuckSince;
  const stuckForMs = Math.max(0, now - since);
  if (stuckForMs >= graceMs) {
    return { track: { stuckSince: now, committedOffset }, restart: true, stuckForMs };
  }
  return { track: { stuckSince: since, committedOffset }, restart: false, stuckForMs };
}

/** A source whose partition actors can be restarted one at a time (`KafkaSource.restartPartition`). */
export interface RestartablePartitions {
  /** Drains and drops one partition's actor; the next fetch starts a fresh one at the committed offset. */
  restartPartition(topic: string, partition: number): Promise<boolean>;
}

/** Options of {@link createStallWatchdog}. */
export interface StallWatchdogOptions {
  /** How long a partition may stay STOP/STALL with lag and no progress before its actor is restarted (default 60 s). */
  readonly graceMs?: number;
  /** How often `start()` checks (default 5 s). */
  readonly checkEveryMs?: number;
  readonly now: () => number;
  readonly registry: Registry;
  readonly logger?: Logger;
}

/** A running watchdog over the partitions of the roles it watches. */
export interface StallWatchdog {
  /** Watches the partitions a role owns, judged by `view` (the lag monitor's `roleView`). */
  watch(role: string, view: () => RoleLagView | undefined, source: RestartablePartitions): void;
  /** One check of every watched role; resolves with the number of partitions restarted. */
  check(): Promise<number>;
  start(): void;
  /** Stops the timer and waits for a check under way. */
  stop(): Promise<void>;
}

const key = (role: string, topic: string, partition: number) => `${role}\u0000${topic}\u0000${partition}`;

/**
 * Restarts partition actors that stopped making progress while messages wait (see
 * {@link decideStall}): the consumer stays a live, heartbeating, "running" member of its group while
 * one partition's actor is wedged (a failed pipeline, an insert that never returns), which only lag
 * shows. Counted in `eventlogging_partition_restarts_total{role,topic,partition}`.
 */
export function createStallWatchdog(options: StallWatchdogOptions): StallWatchdog {
  const graceMs = options.graceMs ?? 60_000;
  const { logger, registry, now } = options;
  const watched = new Map<string, { view: () => RoleLagView | undefined; source: RestartablePartitions }>();
  const tracks = new Map<string, StallTrack>();
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<number> | undefined;

  const restartsTotal = metricOnce(registry, 'eventlogging_partition_restarts_total', () => new Counter({
    name: 'eventlogging_partition_restarts_total',
    help: 'Partition actors restarted because the partition stayed STOP or STALL with lag past the grace period.',
    labelNames: ['role', 'topic', 'partition'], registers: [registry],
  }));

  async function checkRole(role: string, entry: { view: () => RoleLagView | undefined; source: RestartablePartitions }): Promise<number> {
    const view = entry.view();
    if (!view) return 0;
    let restarted = 0;
    const owned = new Set<string>();
    for (const p of view.partitions) {
      // Only partitions this process holds a running actor for: a revoked one is another member's.
      if (p.state === 'revoked' || p.state === 'draining' || p.state === 'stopped') continue;
      const k = key(role, p.topic, p.partition);
      owned.add(k);
      const decision = decideStall(tracks.get(k), {
        status: p.status, lag: p.lag, committedOffset: p.committedOffset ?? -1, now: now(),
      }, graceMs);
      tracks.set(k, decision.track);
      if (!decision.restart) continue;
      logger?.warn({ role, topic: p.topic, partition: p.partition, status: p.status, rule: p.rule, lag: p.lag,
        stuckForMs: decision.stuckForMs, actorState: p.state }, 'partition stuck with lag past the grace period: restarting its actor');
      try {
        const done = await entry.source.restartPartition(p.topic, p.partition);
        if (done) {
          restarted += 1;
          restartsTotal.inc({ role, topic: p.topic, partition: String(p.partition) });
        }
      } catch (error) {
        logger?.error({ err: error, role, topic: p.topic, partition: p.partition }, 'partition restart failed');
      }
    }
    // Forget partitions no longer held, so one that comes back starts a fresh grace period.
    for (const k of [...tracks.keys()]) if (k.startsWith(`${role}\u0000`) && !owned.has(k)) tracks.delete(k);
    return restarted;
  }

  function check(): Promise<number> {
    checking ??= (async () => {
      try {
        let n = 0;
        for (const [role, entry] of watched) n += await checkRole(role, entry);
        return n;
      } finally {
        checking = undefined;
      }
    })();
    return checking;
  }

  return {
    watch(role, view, source) { watched.set(role, { view, source }); },
    check,
    start() {
      if (timer) return;
      timer = setInterval(() => { void check(); }, options.checkEveryMs ?? 5000);
      // Never keeps a draining daemon alive.
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await checking?.catch(() => 0);
    },
  };
}

function isRestartable(source: WatchedSource): source is WatchedSource & RestartablePartitions {
  return typeof (source as Partial<RestartablePartitions>).restartPartition === 'function';
}

/**
 * The lag monitor with a stall watchdog attached: every role that reports a restartable source
 * through its hook is also watched, judged by the monitor's own verdicts; `start`/`stop` run both.
 */
export function withStallWatchdog(monitor: LagMonitor, watchdog: StallWatchdog): LagMonitor {
  return {
    ...monitor,
    hookFor(role, onBrokers) {
      const hook = monitor.hookFor(role, onBrokers);
      return {
        watchSource(group, source, brokers, client) {
          hook.watchSource(group, source, brokers, client);
          if (isRestartable(source)) watchdog.watch(role, () => monitor.roleView(role), source);
        },
      };
    },
    start() {
      monitor.start();
      watchdog.start();
    },
    async stop() {
      await watchdog.stop();
      await monitor.stop();
    },
  };
}
