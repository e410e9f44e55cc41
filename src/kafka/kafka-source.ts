import { Subject } from 'rxjs';
import { createActor, fromCallback, fromPromise, waitFor, type Actor } from 'xstate';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { classifyError } from '../supervision/classify-error.js';
import { consumerGroupMachine } from '../supervision/consumer-group.machine.js';
import { partitionMachine, partitionStateName } from '../actors/partition.machine.js';
import { metricOnce } from '../observability/metrics.js';
import type { KafkaRecord, PartitionPipeline } from './kafka-record.js';

/** Options of a consumer-group source. */
export interface KafkaSourceOptions {
  /** Creates a kafkajs client whose log lines reach `observe` (see `createKafka`). */
  readonly kafka: (observe: (level: string, message: string) => void) => Kafka;
  readonly group: string;
  readonly topics: readonly string[];
  readonly fromBeginning?: boolean;
  readonly pipeline: PartitionPipeline;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Role label on metrics (bounded: one per configured role). */
  readonly role: string;
  readonly highWater?: number;
  readonly lowWater?: number;
  readonly commitIntervalMs?: number;
  readonly drainTimeoutMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly leaderLostTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
}

/** One partition's view for `/status`. */
export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  readonly state: string;
  readonly inFlight: number;
  readonly received: number;
  readonly completed: number;
  readonly committedOffset: number;
  readonly lastReceivedOffset: number;
  readonly highWatermark: number;
  readonly lag: number;
  readonly pauses: number;
  readonly commitFailures: number;
}

/** A running consumer-group source. */
export interface KafkaSource {
  /** Resolves once the supervisor has started connecting (the first join may still be under way). */
  start(): void;
  /** Drains every partition (finish in-flight work, commit) and leaves the group. */
  stop(): Promise<void>;
  /** The supervisor state: connecting, rebalancing, running, leaderLost, restarting, stopping, stopped, failed. */
  state(): string;
  partitions(): readonly PartitionStatus[];
  lastError(): { code: string; message: string } | undefined;
  restarts(): number;
  /** Called with the committed offset of a partition after every successful commit (the lag monitor listens). */
  onCommit(listener: (commit: { topic: string; partition: number; offset: number; highWatermark: number; at: number }) => void): void;
  /**
   * Restarts one partition's actor (the stall watchdog's remedy): drains it (in-flight work
   * finishes or times out, durable offsets are committed), drops it, and seeks the partition back
   * to its committed offset, so the next fetch starts a fresh actor there. Redelivered records are
   * harmless (idempotent sinks). False when this member holds no actor for the partition.
   */
  restartPartition(topic: string, partition: number): Promise<boolean>;
}

interface PartitionEntry {
  readonly topic: string;
  readonly partition: number;
  readonly subject: Subject<KafkaRecord>;
  readonly actor: Actor<typeof partitionMachine>;
  /** The first offset this actor took: everything before it was committed before the actor existed. */
  readonly startOffset: number;
  expectedNext: number;
  highWatermark: number;
}

const LEADER_LOSS = /not the leader|leader is not available|LEADER_NOT_AVAILABLE|NOT_LEADER|Connection error|ECONNREFUSED|Broker not connected|broker.*disconnected/i;

/**
 * Reads a consumer group's topics into one partition actor per assigned partition. Offsets are
 * resolved (kafkajs' fetch position) when records enter an actor, and committed only when the
 * actor's pipeline marks them durable; a backpressured actor pauses its partition, and records
 * that arrive while it is paused are left unresolved so kafkajs fetches them again after resume.
 */
export function createKafkaSource(options: KafkaSourceOptions): KafkaSource {
  const { logger, registry, role } = options;
  const highWater = options.highWater ?? 20_000;
  const lowWater = options.lowWater ?? Math.floor(highWater / 2);
  const entries = new Map<string, PartitionEntry>();
  const commitListeners: Array<Parameters<KafkaSource['onCommit']>[0]> = [];
  let consumer: Consumer | undefined;
  /** Partitions whose actor is being restarted: fetched records are left unresolved meanwhile. */
  const restarting = new Set<string>();
  /** Where the next actor of a restarted partition starts (its committed offset). */
  const restartAt = new Map<string, number>();
  /**
   * False from the start of a disconnect: kafkajs may still hand over a batch while the consumer
   * stops, and a partition actor created then would outlive the drain (found ticking after stop).
   */
  let accepting = false;

  const inFlightGauge = metricOnce(registry, 'eventlogging_partition_in_flight_messages', () => new Gauge({
    name: 'eventlogging_partition_in_flight_messages', help: 'Records received by a partition actor and not yet durable downstream.',
    labelNames: ['role', 'topic', 'partition'], registers: [registry],
  }));
  const pausedGauge = metricOnce(registry, 'eventlogging_partition_paused_ratio', () => new Gauge({
    name: 'eventlogging_partition_paused_ratio', help: '1 while a partition is paused for backpressure.',
    labelNames: ['role', 'topic', 'partition'], registers: [registry],
  }));
  const pausesTotal = metricOnce(registry, 'eventlogging_partition_pauses_total', () => new Counter({
    name: 'eventlogging_partition_pauses_total', help: 'Times a partition was paused for backpressure.',
    labelNames: ['role', 'topic', 'partition'], registers: [registry],
  }));
  const committedGauge = metricOnce(registry, 'eventlogging_partition_committed_offset', () => new Gauge({
    name: 'eventlogging_partition_committed_offset', help: 'Last committed offset (next offset to read) per partition.',
    labelNames: ['role', 'topic', 'partition'], registers: [registry],
  }));
  const restartsTotal = metricOnce(registry, 'eventlogging_consumer_restarts_total', () => new Counter({
    name: 'eventlogging_consumer_restarts_total', help: 'Consumer restarts by the supervisor, by error code.',
    labelNames: ['role', 'code'], registers: [registry],
  }));
  const groupState = metricOnce(registry, 'eventlogging_consumer_state_info', () => new Gauge({
    name: 'eventlogging_consumer_state_info', help: '1 for the current supervisor state of each consumer role.',
    labelNames: ['role', 'state'], registers: [registry],
  }));

  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const labels = (e: { topic: string; partition: number }) => ({ role, topic: e.topic, partition: String(e.partition) });

  function createEntry(topic: string, partition: number, startOffset: number): PartitionEntry {
    const subject = new Subject<KafkaRecord>();
    const plog = logger.child({ topic, partition });
    const machine = partitionMachine.provide({
      actors: {
        pipeline: fromCallback(({ sendBack }) => {
          const subscription = options.pipeline(subject.asObservable(), { topic, partition, logger: plog }).subscribe({
            next: (mark) => sendBack({ type: 'records.completed', offset: mark.offset, count: mark.count }),
            error: (error: unknown) => sendBack({ type: 'pipeline.failed', message: (error as Error)?.message ?? String(error) }),
          });
          return () => subscription.unsubscribe();
        }),
        pauseWhileBackpressured: fromCallback(() => {
          consumer?.pause([{ topic, partitions: [partition] }]);
          pausedGauge.set(labels({ topic, partition }), 1);
          pausesTotal.inc(labels({ topic, partition }));
          plog.info('partition paused: downstream is behind');
          return () => {
            pausedGauge.set(labels({ topic, partition }), 0);
            // After a revoke the consumer may be gone; resuming then is meaningless but harmless.
            try {
              consumer?.resume([{ topic, partitions: [partition] }]);
            } catch { /* consumer already disconnected */ }
            plog.info('partition resumed');
          };
        }),
        commit: fromPromise<number, { offset: number }>(async ({ input }) => {
          if (!consumer) throw new Error('no consumer to commit with');
          await consumer.commitOffsets([{ topic, partition, offset: String(input.offset) }]);
          const entry = entries.get(key(topic, partition));
          committedGauge.set(labels({ topic, partition }), input.offset);
          for (const listener of commitListeners) {
            listener({ topic, partition, offset: input.offset, highWatermark: entry?.highWatermark ?? input.offset, at: Date.now() });
          }
          return input.offset;
        }),
      },
    });
    const actor = createActor(machine, {
      input: {
        topic, partition, highWater, lowWater,
        commitIntervalMs: options.commitIntervalMs ?? 1000,
        drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
      },
    });
    actor.subscribe({
      // Events arrive per batch, not per record, so keeping the gauge current here is cheap.
      next: (snapshot) => inFlightGauge.set(labels({ topic, partition }), snapshot.context.received - snapshot.context.completed),
      error: (error) => plog.error({ err: error }, 'partition actor crashed'),
    });
    actor.start();
    return { topic, partition, subject, actor, startOffset, expectedNext: startOffset, highWatermark: startOffset };
  }

  async function drainEntry(entry: PartitionEntry): Promise<void> {
    entry.actor.send({ type: 'partition.revoked' });
    await waitFor(entry.actor, (s) => s.status === 'done', { timeout: (options.drainTimeoutMs ?? 30_000) + 10_000 }).catch(() => undefined);
    entry.subject.complete();
    entry.actor.stop();
    entries.delete(key(entry.topic, entry.partition));
    inFlightGauge.remove(labels(entry));
    pausedGauge.remove(labels(entry));
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    supervisor.send({ type: 'batch.fetched' });
    const { topic, partition } = batch;
    const first = batch.messages[0];
    if (!first) return;
    // A partition being restarted takes nothing, and a batch fetched before its seek is stale.
    if (!accepting || restarting.has(key(topic, partition)) || !isRunning() || isStale()) return;
    let entry = entries.get(key(topic, partition));
    if (!entry) {
      const k = key(topic, partition);
      entry = createEntry(topic, partition, restartAt.get(k) ?? Number(first.offset));
      restartAt.delete(k);
      entries.set(key(topic, partition), entry);
    }
    entry.highWatermark = Number(batch.highWatermark);
    const snapshot = entry.actor.getSnapshot();
    // A paused or draining actor takes nothing: the records stay unresolved and are fetched again.
    if (snapshot.status !== 'active' || partitionStateName(snapshot.value) !== 'flowing') return;
    const ctx0 = snapshot.context;
    // Take no more than the actor has room for; the rest stays unresolved and is fetched again
    // after the partition resumes, so memory is bounded by the high-water mark, not the batch.
    const room = ctx0.highWater - (ctx0.received - ctx0.completed);
    let accepted = 0;
    let lastOffset = -1;
    // isRunning() and isStale() are asked once, above: the loop below runs without yielding, so
    // neither can change inside it, and asking per record cost 2 % of the consumer's CPU.
    for (const message of batch.messages) {
      if (accepted >= room) break;
      const offset = Number(message.offset);
      // Records before the expected offset were already taken (a refetch after a rebalance).
      if (offset < entry.expectedNext) continue;
      entry.subject.next({ topic, partition, offset, value: message.value, timestamp: Number(message.timestamp) });
      entry.expectedNext = offset + 1;
      lastOffset = offset;
      accepted += 1;
    }
    if (lastOffset >= 0) {
      resolveOffset(String(lastOffset));
      entry.actor.send({ type: 'records.received', count: accepted, lastOffset });
    }
    await heartbeat();
  }

  function observe(level: string, message: string): void {
    if ((level === 'error' || level === 'warn') && LEADER_LOSS.test(message)) {
      supervisor.send({ type: 'leader.lost', message });
    }
  }

  async function connect(): Promise<void> {
    const kafka = options.kafka(observe);
    const c = kafka.consumer({
      groupId: options.group,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3000,
      // Also how long kafkajs sleeps when every partition it fetches is paused: a resumed
      // partition waits up to this long for its next fetch, so keep it short.
      maxWaitTimeInMs: 200,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      // The supervisor owns restarts: kafkajs' own restart loop is a known source of stuck consumers.
      retry: { retries: 5, initialRetryTime: 300, restartOnFailure: async () => false },
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, (event) => {
      const assigned = new Set<string>();
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const p of partitions) assigned.add(key(topic, p));
      }
      for (const k of [...restartAt.keys()]) if (!assigned.has(k)) restartAt.delete(k);
      for (const entry of [...entries.values()]) {
        if (!assigned.has(key(entry.topic, entry.partition))) {
          logger.info({ topic: entry.topic, partition: entry.partition }, 'partition revoked: draining');
          void drainEntry(entry);
        }
      }
      supervisor.send({ type: 'group.joined' });
    });
    c.on(c.events.REBALANCING, () => supervisor.send({ type: 'group.rebalancing' }));
    c.on(c.events.CRASH, (event) => {
      supervisor.send({ type: 'group.crashed', error: classifyError(event.payload.error, 'kafka') });
    });
    await c.connect();
    for (const topic of options.topics) await c.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    accepting = true;
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
      eachBatch,
    });
  }

  async function drainAll(): Promise<void> {
    await Promise.all([...entries.values()].map(drainEntry));
  }

  async function restartPartition(topic: string, partition: number): Promise<boolean> {
    const k = key(topic, partition);
    const entry = entries.get(k);
    if (!entry || !consumer || restarting.has(k)) return false;
    restarting.add(k);
    try {
      await drainEntry(entry);
      const committed = entry.actor.getSnapshot().context.committedNext;
      const from = committed >= 0 ? committed : entry.startOffset;
      restartAt.set(k, from);
      // Records the old actor had taken but not made durable are fetched again from here.
      consumer?.seek({ topic, partition, offset: String(from) });
      logger.warn({ topic, partition, from }, 'partition actor restarted: fetching again from the committed offset');
      return true;
    } finally {
      restarting.delete(k);
    }
  }

  async function disconnect(): Promise<void> {
    // After a crash the partitions are handed back to the group; in-flight work still finishes.
    accepting = false;
    restartAt.clear();
    await drainAll();
    const c = consumer;
    consumer = undefined;
    await c?.disconnect().catch(() => undefined);
  }

  const supervisor = createActor(consumerGroupMachine.provide({
    actors: {
      connect: fromPromise(async () => {
        try {
          await connect();
        } catch (error) {
          throw classifyError(error, 'kafka');
        }
      }),
      disconnect: fromPromise(disconnect),
      drain: fromPromise(disconnect),
    },
  }), {
    input: {
      group: options.group,
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      leaderLostTimeoutMs: options.leaderLostTimeoutMs ?? 60_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 120_000,
    },
  });
  let lastState = '';
  let lastRestarts = 0;
  supervisor.subscribe({
    next: (snapshot) => {
      const state = typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value)[0] ?? 'unknown';
      if (state !== lastState) {
        if (lastState) groupState.set({ role, state: lastState }, 0);
        groupState.set({ role, state }, 1);
        logger.info({ state, lastError: snapshot.context.lastError }, `consumer group ${options.group}: ${state}`);
        lastState = state;
      }
      if (snapshot.context.restarts > lastRestarts) {
        restartsTotal.inc({ role, code: snapshot.context.lastError?.code ?? 'EL_KAFKA_UNAVAILABLE' }, snapshot.context.restarts - lastRestarts);
        lastRestarts = snapshot.context.restarts;
      }
    },
    // The root actor's error observer: a supervisor bug must be loud, not a silent stop.
    error: (error) => logger.fatal({ err: error }, 'consumer group supervisor crashed'),
  });

  return {
    start: () => { supervisor.start(); },
    async stop() {
      supervisor.send({ type: 'source.stop' });
      await waitFor(supervisor, (s) => s.status === 'done' || s.value === 'stopped' || s.value === 'failed', { timeout: 120_000 }).catch(() => undefined);
      if (supervisor.getSnapshot().value === 'failed') await disconnect();
      supervisor.stop();
    },
    state: () => lastState || 'connecting',
    partitions: () => [...entries.values()].map((e) => {
      const s = e.actor.getSnapshot();
      const c = s.context;
      const committed = c.committedNext;
      return {
        topic: e.topic, partition: e.partition, state: partitionStateName(s.value), inFlight: c.received - c.completed,
        received: c.received, completed: c.completed, committedOffset: committed, lastReceivedOffset: c.lastReceivedOffset,
        highWatermark: e.highWatermark, lag: committed >= 0 ? Math.max(0, e.highWatermark - committed) : e.highWatermark,
        pauses: c.pauses, commitFailures: c.commitFailures,
      };
    }),
    lastError: () => supervisor.getSnapshot().context.lastError,
    restarts: () => supervisor.getSnapshot().context.restarts,
    onCommit: (listener) => { commitListeners.push(listener); },
    restartPartition,
  };
}
