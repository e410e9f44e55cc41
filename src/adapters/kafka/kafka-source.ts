import type { Subject } from 'rxjs';
import { waitFor, type Actor } from 'xstate';
import { RdKafka, type KafkaConsumer, type LibrdKafkaError, type Message, type TopicPartition } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { classifyError } from '../../supervision/classify-error.js';
import { createGroupSupervisor } from '../../supervision/consumer-group-supervisor.js';
import { createPartitionRestarts } from '../../supervision/partition-restarts.js';
import { partitionStateName, type partitionMachine } from '../../actors/partition.machine.js';
import { createPartitionActor } from '../../actors/partition-actor.js';
import { partitionMetrics } from '../../actors/partition-metrics.js';
import { partitionStatus } from '../../actors/partition-status.js';
import { metricOnce } from '../../observability/metrics.js';
import { admitBatch, settleProbe, type GapProbe } from '../../domain/kafka/fetch-continuity.js';
import { authFailures, withCode } from './kafka-client.js';
import { createCommitAcknowledger } from './commit-acknowledger.js';
import { resumePartition } from './resume-partition.js';
import { authFailure, connectGroupConsumer } from './group-consumer.js';
import type { KafkaRecord } from './kafka-record.js';
import type { KafkaSource, KafkaSourceOptions } from './kafka-source-api.js';

export type { KafkaSource, KafkaSourceOptions } from './kafka-source-api.js';

interface PartitionEntry {
  readonly topic: string;
  readonly partition: number;
  readonly records: Subject<KafkaRecord>;
  readonly actor: Actor<typeof partitionMachine>;
  /** The first offset this actor took: everything before it was committed before the actor existed. */
  readonly startOffset: number;
  expectedNext: number;
  highWatermark: number;
  /** The seek back over a gap in the fetched offsets, while it is unconfirmed. */
  gapProbe: GapProbe | undefined;
}

const E = RdKafka.CODES.ERRORS;

/** Longest wait for a seek that re-positions a partition (the binding's shortest is 10 ms). */
const RESUME_SEEK_TIMEOUT_MS = 5_000;

/**
 * Reads a consumer group's topics into one partition actor per assigned partition, on librdkafka's
 * consumer: offsets are committed explicitly, only when the actor's pipeline marks them durable;
 * a backpressured actor pauses its partition, and records fetched beyond what an actor can take
 * are fetched again (the partition is sought back to the first one not taken). On a revoke the
 * revoked partitions drain (finish, commit) before they are handed back to the group.
 */
export function createKafkaSource(options: KafkaSourceOptions): KafkaSource {
  const { logger, registry, role } = options;
  const highWater = options.highWater ?? 20_000;
  const lowWater = options.lowWater ?? Math.floor(highWater / 2);
  const entries = new Map<string, PartitionEntry>();
  const commitListeners: Array<Parameters<KafkaSource['onCommit']>[0]> = [];
  let consumer: KafkaConsumer | undefined;
  /** The running poll loop, if any (resolves when it has stopped). */
  let polling: Promise<void> | undefined;
  /** Partitions whose actor is being restarted: fetched records are left unresolved meanwhile. */
  const restarting = new Set<string>();
  /** Where the next actor of a restarted partition starts (its committed offset). */
  const restartAt = new Map<string, number>();
  /**
   * False from the start of a disconnect: a poll in flight may still hand over records while the
   * consumer stops, and a partition actor created then would outlive the drain.
   */
  let accepting = false;
  /** Polls requested so far, and gap probes issued (see fetch-continuity). */
  let polls = 0;
  let probeIds = 0;
  const commits = createCommitAcknowledger();
  const partitionSeries = partitionMetrics(registry);

  const unreadable = metricOnce(registry, 'eventlogging_consumer_unreadable_records_total', () => new Counter({
    name: 'eventlogging_consumer_unreadable_records_total', help: 'Fetches the Kafka client could not decode (corrupt record, failed decompression), skipped by the client.',
    labelNames: ['role', 'code'], registers: [registry],
  }));
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const labels = (e: { topic: string; partition: number }) => ({ role, topic: e.topic, partition: String(e.partition) });

  function createEntry(topic: string, partition: number, startOffset: number): PartitionEntry {
    const plog = logger.child({ topic, partition });
    const { records, actor } = createPartitionActor({
      topic, partition, role, pipeline: options.pipeline, logger: plog, metrics: partitionSeries,
      highWater, lowWater,
      commitIntervalMs: options.commitIntervalMs ?? 1000,
      drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
      onFailed: (message) => restarts.failed(topic, partition, message),
      io: {
        pause: () => consumer?.pause([{ topic, partition }]),
        resume: () => seekThenResume(topic, partition, entries.get(key(topic, partition))?.expectedNext, plog),
        async commit(offset) {
          if (!consumer) throw new Error('no consumer to commit with');
          await commits.commit(consumer, topic, partition, offset);
          restarts.progressed(topic, partition);
          const entry = entries.get(key(topic, partition));
          for (const listener of commitListeners) {
            listener({ topic, partition, offset, highWatermark: entry?.highWatermark ?? offset, at: Date.now() });
          }
        },
      },
    });
    return { topic, partition, records, actor, startOffset, expectedNext: startOffset, highWatermark: startOffset, gapProbe: undefined };
  }

  /**
   * Seeks a paused partition to `offset` and resumes it once the seek is done. After
   * backpressure, records fetched but not taken were consumed as far as the client knows, and
   * pausing set its resume position past them: seeking to the first record not taken makes
   * fetching restart exactly there whatever happened during the pause (a loaded run once lost
   * the tail of a partition here). A restart seeks to the committed offset.
   */
  function seekThenResume(topic: string, partition: number, offset: number | undefined, plog: Logger): void {
    const c = consumer;
    const resume = (): void => resumePartition(c, topic, partition, plog);
    if (c === undefined || offset === undefined) return resume();
    try {
      c.seek({ topic, partition, offset }, RESUME_SEEK_TIMEOUT_MS, (error: LibrdKafkaError | null) => {
        if (error) plog.warn({ err: error, offset }, 'seek before resuming failed');
        resume();
      });
    } catch {
      resume();
    }
  }

  /** Every failed partition actor is replaced, with capped backoff, in standalone roles and in the daemon alike. */
  const restarts = createPartitionRestarts({
    restart: (topic, partition) => restartPartition(topic, partition),
    isFailed: (topic, partition) => {
      const entry = entries.get(key(topic, partition));
      return entry !== undefined && partitionStateName(entry.actor.getSnapshot().value) === 'failed';
    },
    onRestarted: (topic, partition) => partitionSeries.pipelineRestarts.inc(labels({ topic, partition })),
    backoffInitialMs: options.partitionBackoffInitialMs ?? 1000,
    backoffMaxMs: options.partitionBackoffMaxMs ?? 60_000,
  });

  async function drainEntry(entry: PartitionEntry): Promise<void> {
    entry.actor.send({ type: 'partition.revoked' });
    await waitFor(entry.actor, (s) => s.status === 'done', { timeout: (options.drainTimeoutMs ?? 30_000) + 10_000 }).catch(() => undefined);
    entry.records.complete();
    entry.actor.stop();
    entries.delete(key(entry.topic, entry.partition));
    partitionSeries.forget(labels(entry));
  }

  /**
   * Hands one partition's fetched records (requested by poll `pollIndex`) to its actor; returns
   * where to seek for the records it did not take, if anywhere.
   */
  function dispatch(topic: string, partition: number, messages: readonly Message[], pollIndex: number): number | undefined {
    const k = key(topic, partition);
    // A partition being restarted takes nothing; its seek refetches.
    if (!accepting || restarting.has(k)) return undefined;
    const first = messages[0]!;
    let entry = entries.get(k);
    if (!entry) {
      entry = createEntry(topic, partition, restartAt.get(k) ?? first.offset);
      restartAt.delete(k);
      entries.set(k, entry);
    }
    const firstNew = messages.find((m) => m.offset >= entry.expectedNext);
    // Everything here was taken already (a refetch after a seek).
    if (firstNew === undefined) return undefined;
    const snapshot = entry.actor.getSnapshot();
    // A failed actor takes nothing until its restart, which seeks to the committed offset and
    // resumes: stop fetching meanwhile rather than fetch the same records again every poll.
    if (partitionStateName(snapshot.value) === 'failed') {
      try { consumer?.pause([{ topic, partition }]); } catch { /* consumer already disconnected */ }
      return undefined;
    }
    // A paused or draining actor takes nothing: the records are fetched again after a seek.
    if (snapshot.status !== 'active' || partitionStateName(snapshot.value) !== 'flowing') return entry.expectedNext;
    const admission = admitBatch(entry.expectedNext, firstNew.offset, pollIndex, entry.gapProbe, ++probeIds);
    if (admission.kind === 'refetch') {
      logger.info({ topic, partition, expected: entry.expectedNext, fetched: firstNew.offset }, 'fetched records skip offsets: seeking back to the first one not taken');
      seekOverGap(entry, admission.probe);
      return undefined;
    }
    entry.gapProbe = undefined;
    if (admission.skipped > 0) {
      logger.warn({ topic, partition, from: entry.expectedNext, to: firstNew.offset, skipped: admission.skipped }, 'offsets absent from the log (compaction, transaction markers or retention): continuing after them');
      entry.expectedNext = firstNew.offset;
    }
    const ctx0 = snapshot.context;
    // Take no more than the actor has room for; the rest is fetched again after the partition
    // resumes, so memory is bounded by the high-water mark, not the fetch.
    const room = ctx0.highWater - (ctx0.received - ctx0.completed);
    let accepted = 0;
    let lastOffset = -1;
    let notTaken: number | undefined;
    for (const message of messages) {
      const offset = message.offset;
      // Records before the expected offset were already taken (a refetch after a seek).
      if (offset < entry.expectedNext) continue;
      if (accepted >= room) {
        notTaken = offset;
        break;
      }
      entry.records.next({ topic, partition, offset, value: message.value, timestamp: message.timestamp ?? 0 });
      entry.expectedNext = offset + 1;
      lastOffset = offset;
      accepted += 1;
    }
    if (lastOffset >= 0) {
      const high = consumer?.getWatermarkOffsets(topic, partition).highOffset;
      if (high !== undefined && high >= 0) entry.highWatermark = high;
      else entry.highWatermark = Math.max(entry.highWatermark, lastOffset + 1);
      entry.actor.send({ type: 'records.received', count: accepted, lastOffset });
    }
    return notTaken;
  }

  /** Splits a poll's records by partition (they arrive grouped, in offset order within each). */
  function deliver(messages: readonly Message[], pollIndex: number): void {
    let start = 0;
    for (let i = 1; i <= messages.length; i++) {
      const m = messages[start]!;
      const n = messages[i];
      if (n !== undefined && n.topic === m.topic && n.partition === m.partition) continue;
      const notTaken = dispatch(m.topic, m.partition, start === 0 && i === messages.length ? messages : messages.slice(start, i), pollIndex);
      if (notTaken !== undefined) seek(m.topic, m.partition, notTaken);
      start = i;
    }
  }

  function seek(topic: string, partition: number, offset: number): void {
    consumer?.seek({ topic, partition, offset }, RESUME_SEEK_TIMEOUT_MS, (error: LibrdKafkaError | null) => {
      if (error) logger.warn({ topic, partition, offset, err: error }, 'seek back to the first record not taken failed; resuming the partition seeks there again');
    });
  }

  /**
   * Seeks back over a gap and records when the seek completed: only a batch requested after that
   * may confirm the gap (see fetch-continuity). A failed seek leaves the probe unsettled, so the
   * next gap batch seeks again.
   */
  function seekOverGap(entry: PartitionEntry, probe: GapProbe): void {
    entry.gapProbe = probe;
    const { topic, partition } = entry;
    try {
      consumer?.seek({ topic, partition, offset: probe.from }, RESUME_SEEK_TIMEOUT_MS, (error: LibrdKafkaError | null) => {
        if (error) logger.warn({ topic, partition, offset: probe.from, err: error }, 'seek back over a gap failed; the next fetch retries it');
        else entry.gapProbe = settleProbe(entry.gapProbe, probe.id, polls);
      });
    } catch (error) {
      logger.warn({ topic, partition, offset: probe.from, err: error }, 'seek back over a gap failed; the next fetch retries it');
    }
  }

  /** Polls until stopped; errors of the client arrive as data (classified), never as throws. */
  function pollLoop(c: KafkaConsumer): Promise<void> {
    const batchSize = options.pollBatch ?? 2000;
    return new Promise<void>((resolve) => {
      const next = (): void => {
        if (consumer !== c) return resolve();
        const pollIndex = ++polls;
        c.consume(batchSize, (error: LibrdKafkaError | null, messages: Message[]) => {
          if (consumer !== c) return resolve();
          if (error) {
            onClientError(error, 'poll');
          } else if (messages.length > 0) {
            supervisor.send({ type: 'batch.fetched' });
            deliver(messages, pollIndex);
          }
          // Yield to timers and I/O between polls: actors commit and pipelines produce meanwhile.
          setImmediate(next);
        });
      };
      next();
    });
  }

  /**
   * Every error the client reports, classified from its code: an authentication or authorisation
   * refusal fails the group (retrying with the same credentials only locks accounts), a lost
   * broker or leader is the leader-lost state, an unreadable record is counted (the client has
   * skipped it), a fatal client error restarts the consumer.
   */
  function onClientError(reported: LibrdKafkaError, where: 'poll' | 'client'): void {
    const error = withCode(reported);
    if (error.code === E.ERR__TIMED_OUT || error.code === E.ERR__PARTITION_EOF) return;
    const classified = classifyError(error, 'kafka');
    logger.warn({ code: classified.code, kafkaCode: error.code, where }, `Kafka consumer: ${error.message}`);
    if (classified.code === 'EL_KAFKA_AUTH') {
      supervisor.send({ type: 'group.crashed', error: authFailure(options.endpoint, classified) });
    } else if (classified.code === 'EL_KAFKA_RECORD_UNREADABLE') {
      unreadable.inc({ role, code: String(error.code) });
    } else if (error.isFatal) {
      supervisor.send({ type: 'group.crashed', error: classified });
    } else if (classified.flags.leaderLoss || error.code === E.ERR__TRANSPORT || error.code === E.ERR__ALL_BROKERS_DOWN) {
      supervisor.send({ type: 'leader.lost', message: error.message });
    }
  }

  /** Revoked partitions drain (finish, commit) before the group may hand them to another member. */
  function onRebalance(c: KafkaConsumer, error: LibrdKafkaError | undefined, assignment: TopicPartition[]): void {
    if (error?.code === E.ERR__ASSIGN_PARTITIONS) {
      const assigned = new Set(assignment.map((tp) => key(tp.topic, tp.partition)));
      for (const k of [...restartAt.keys()]) if (!assigned.has(k)) restartAt.delete(k);
      c.assign(assignment);
      supervisor.send({ type: 'group.joined' });
      return;
    }
    supervisor.send({ type: 'group.rebalancing' });
    const revoked = [...entries.values()].filter((e) => assignment.some((tp) => tp.topic === e.topic && tp.partition === e.partition));
    for (const entry of revoked) logger.info({ topic: entry.topic, partition: entry.partition }, 'partition revoked: draining');
    restarts.forget(assignment);
    const unassign = (): void => {
      try {
        c.unassign();
      } catch { /* the consumer is already closed */ }
    };
    // While disconnecting, every partition has drained already and the close waits on this call.
    if (consumer !== c || revoked.length === 0) unassign();
    else void Promise.all(revoked.map(drainEntry)).finally(unassign);
  }

  async function connect(): Promise<void> {
    const c = await connectGroupConsumer({ ...options, prefetchRecords: options.pollBatch ?? 2000, onRebalance });
    c.on('event.error', (error: LibrdKafkaError) => onClientError(error, 'client'));
    c.on('offset.commit', commits.onOffsetCommit);
    c.subscribe([...options.topics]);
    consumer = c;
    accepting = true;
    polling = pollLoop(c);
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
      // A failed partition was paused (see dispatch); any restarted one resumes once sought.
      seekThenResume(topic, partition, from, logger.child({ topic, partition }));
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
    restarts.forget();
    await drainAll();
    const c = consumer;
    consumer = undefined;
    await polling;
    polling = undefined;
    // Nothing serves commit answers once polling stopped: what still waits is failed (and the
    // partition's next owner reads from the last offset the coordinator did confirm).
    commits.failAll('the consumer stopped before the group coordinator answered the commit');
    if (c?.isConnected()) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  }

  const group = createGroupSupervisor({
    role, logger, registry, connect, disconnect,
    onAuthFailure: () => authFailures(registry).inc({ role, client: 'consumer' }),
    input: {
      group: options.group,
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      leaderLostTimeoutMs: options.leaderLostTimeoutMs ?? 60_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 120_000,
    },
  });
  const supervisor = group.actor;

  return {
    start: () => { supervisor.start(); },
    async stop() {
      supervisor.send({ type: 'source.stop' });
      await waitFor(supervisor, (s) => s.status === 'done' || s.value === 'stopped' || s.value === 'failed', { timeout: 120_000 }).catch(() => undefined);
      if (supervisor.getSnapshot().value === 'failed') await disconnect();
      supervisor.stop();
    },
    state: group.state,
    partitions: () => [...entries.values()].map((e) => partitionStatus(e.actor, e.highWatermark)),
    lastError: () => supervisor.getSnapshot().context.lastError,
    restarts: () => supervisor.getSnapshot().context.restarts,
    onCommit: (listener) => { commitListeners.push(listener); },
    restartPartition,
  };
}
