import { Subject } from 'rxjs';
import { createActor, fromCallback, fromPromise, waitFor, type Actor } from 'xstate';
import { RdKafka, type KafkaConsumer as RdConsumer, type LibrdKafkaError, type Message, type TopicPartition } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { classifyError } from '../supervision/classify-error.js';
import { consumerGroupMachine } from '../supervision/consumer-group.machine.js';
import { partitionMachine, partitionStateName } from '../actors/partition.machine.js';
import { metricOnce } from '../observability/metrics.js';
import { ElError } from '../domain/errors.js';
import { admitBatch, settleProbe, type GapProbe } from '../domain/fetch-continuity.js';
import { CONNECT_POLL_MS, authFailures, clientConfig, describeRefusal, logLibrdkafka, splitConfig, withCode, type KafkaEndpoint } from './kafka-client.js';
import type { KafkaRecord, PartitionPipeline } from './kafka-record.js';

/** Options of a consumer-group source. */
export interface KafkaSourceOptions {
  /** The cluster, and the client options of the reader URI. */
  readonly endpoint: KafkaEndpoint;
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
  readonly sessionTimeoutMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly leaderLostTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Most records taken from the client per poll. */
  readonly pollBatch?: number;
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
  /** The seek back over a gap in the fetched offsets, while it is unconfirmed. */
  gapProbe: GapProbe | undefined;
}

// librdkafka's own API is reached through the RdKafka namespace (the package is CommonJS).
const { KafkaConsumer } = RdKafka;
type KafkaConsumer = RdConsumer;
const E = RdKafka.CODES.ERRORS;
/** Longest wait for the coordinator to answer a commit (librdkafka's own request timeout is 60 s). */
const COMMIT_TIMEOUT_MS = 30_000;

/** A commit waiting for the coordinator's answer. */
interface CommitWaiter {
  readonly offset: number;
  readonly settle: (error?: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Longest wait for the seek that re-positions a paused partition before it resumes. */
const RESUME_SEEK_TIMEOUT_MS = 5_000;

/** Methods the client has that its type declarations omit (lib/kafka-consumer.js). */
interface ConsumerExtras {
  commitCb(offsets: Array<{ topic: string; partition: number; offset: number }>, cb: (error: LibrdKafkaError | null) => void): void;
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
}
const extras = (c: KafkaConsumer): KafkaConsumer & ConsumerExtras => c as KafkaConsumer & ConsumerExtras;

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
  /** Commits sent and not yet answered, by partition. */
  const commitWaiters = new Map<string, CommitWaiter[]>();

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
  const unreadable = metricOnce(registry, 'eventlogging_consumer_unreadable_records_total', () => new Counter({
    name: 'eventlogging_consumer_unreadable_records_total', help: 'Fetches the Kafka client could not decode (corrupt record, failed decompression), skipped by the client.',
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
          consumer?.pause([{ topic, partition }]);
          pausedGauge.set(labels({ topic, partition }), 1);
          pausesTotal.inc(labels({ topic, partition }));
          plog.info('partition paused: downstream is behind');
          return () => {
            pausedGauge.set(labels({ topic, partition }), 0);
            const c = consumer;
            const resume = (): void => {
              // After a revoke the consumer may be gone; resuming then is meaningless but harmless.
              try {
                c?.resume([{ topic, partition }]);
              } catch { /* consumer already disconnected */ }
              plog.info('partition resumed');
            };
            const entry = entries.get(key(topic, partition));
            if (c === undefined || entry === undefined) return resume();
            // Records fetched but not taken while the partition filled up were consumed as far
            // as the client knows, and pausing set its resume position past them. Seek to the
            // first record not taken while still paused, and resume only once the seek is done,
            // so that fetching restarts exactly there whatever happened during the pause (a
            // loaded run once lost the tail of a partition here).
            try {
              c.seek({ topic, partition, offset: entry.expectedNext }, RESUME_SEEK_TIMEOUT_MS, (error: LibrdKafkaError | null) => {
                if (error) plog.warn({ err: error, offset: entry.expectedNext }, 'seek before resuming failed');
                resume();
              });
            } catch {
              resume();
            }
          };
        }),
        commit: fromPromise<number, { offset: number }>(async ({ input }) => {
          if (!consumer) throw new Error('no consumer to commit with');
          await commitAcknowledged(consumer, topic, partition, input.offset);
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
    return { topic, partition, subject, actor, startOffset, expectedNext: startOffset, highWatermark: startOffset, gapProbe: undefined };
  }

  /**
   * Commits one partition's offset and resolves once the group coordinator accepted it. The
   * binding's commitCb answers when the commit is queued, not when the broker has it; the
   * outcome comes through the consumer's offset_commit_cb (`offset.commit`, served by the poll
   * loop), matched here by partition and offset.
   */
  function commitAcknowledged(c: KafkaConsumer, topic: string, partition: number, offset: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const k = key(topic, partition);
      const waiter: CommitWaiter = {
        offset,
        settle: (error) => {
          clearTimeout(waiter.timer);
          const list = commitWaiters.get(k);
          if (list) {
            list.splice(list.indexOf(waiter), 1);
            if (list.length === 0) commitWaiters.delete(k);
          }
          if (error) reject(error);
          else resolve();
        },
        timer: setTimeout(() => waiter.settle(new ElError('EL_TIMEOUT', `commit of ${topic}/${partition} at ${offset}: no answer from the group coordinator within ${COMMIT_TIMEOUT_MS} ms`)), COMMIT_TIMEOUT_MS),
      };
      const list = commitWaiters.get(k) ?? [];
      list.push(waiter);
      commitWaiters.set(k, list);
      try {
        extras(c).commitCb([{ topic, partition, offset }], (error: LibrdKafkaError | null) => {
          if (error) waiter.settle(classifyError(error, 'kafka'));
        });
      } catch (error) {
        waiter.settle(classifyError(error, 'kafka'));
      }
    });
  }

  /** The coordinator's answer to one commit request: settles the waiters of the partitions it names. */
  function onOffsetCommit(error: LibrdKafkaError | null | undefined, offsets: ReadonlyArray<{ topic: string; partition: number; offset?: number }>): void {
    for (const tp of offsets ?? []) {
      if (tp.offset === undefined) continue;
      // A later offset accepted covers earlier ones still waiting on the same partition.
      for (const waiter of [...(commitWaiters.get(key(tp.topic, tp.partition)) ?? [])]) {
        if (error ? waiter.offset === tp.offset : waiter.offset <= tp.offset) waiter.settle(error ? classifyError(withCode(error), 'kafka') : undefined);
      }
    }
  }

  function failCommitWaiters(why: string): void {
    for (const list of [...commitWaiters.values()]) {
      for (const waiter of [...list]) waiter.settle(new ElError('EL_KAFKA_UNAVAILABLE', why));
    }
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
      entry.subject.next({ topic, partition, offset, value: message.value, timestamp: message.timestamp ?? 0 });
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
    consumer?.seek({ topic, partition, offset }, 0, (error: LibrdKafkaError | null) => {
      if (error) logger.warn({ topic, partition, offset, err: error }, 'seek failed; the partition restarts from its committed offset at the next rebalance');
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
      supervisor.send({ type: 'group.crashed', error: authFailure(classified) });
    } else if (classified.code === 'EL_KAFKA_RECORD_UNREADABLE') {
      unreadable.inc({ role, code: String(error.code) });
    } else if (error.isFatal) {
      supervisor.send({ type: 'group.crashed', error: classified });
    } else if (classified.flags.leaderLoss || error.code === E.ERR__TRANSPORT || error.code === E.ERR__ALL_BROKERS_DOWN) {
      supervisor.send({ type: 'leader.lost', message: error.message });
    }
  }

  function authFailure(error: ElError): ElError {
    const code = (error.cause as { code?: number } | undefined)?.code ?? -1;
    return new ElError('EL_KAFKA_AUTH', describeRefusal(options.endpoint, code, error.message), { cause: error });
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
    const c = new KafkaConsumer(...splitConfig({
      ...clientConfig({ ...options.endpoint }),
      'group.id': options.group,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'auto.offset.reset': options.fromBeginning ?? true ? 'earliest' : 'latest',
      'session.timeout.ms': options.sessionTimeoutMs ?? 30_000,
      'heartbeat.interval.ms': 3000,
      'max.partition.fetch.bytes': options.maxBytesPerPartition ?? 1_048_576,
      // A resumed partition's next fetch should not wait long behind paused ones.
      'fetch.wait.max.ms': 200,
      'queued.max.messages.kbytes': 32_768,
      'socket.keepalive.enable': true,
      // A subscribed topic that does not exist yet (valid-mixed before the first event) is
      // picked up at the next metadata refresh: every 5 minutes by default, 10 s here.
      'topic.metadata.refresh.interval.ms': 10_000,
      // The client calls it with the consumer as `this`.
      rebalance_cb: function (this: KafkaConsumer, error: LibrdKafkaError | undefined, assignment: TopicPartition[]) {
        onRebalance(this, error, assignment);
      } as unknown as boolean,
      // Commit outcomes (the coordinator's answers) arrive as `offset.commit` events.
      offset_commit_cb: true,
      event_cb: true,
      ...options.endpoint.client?.properties,
    }));
    c.on('event.log', (event) => logLibrdkafka(logger, event));
    c.setDefaultConsumeTimeout(100);
    extras(c).setDefaultIsTimeoutOnlyForFirstMessage(true);
    await new Promise<void>((resolve, reject) => {
      // A refused login or certificate while connect() still waits on metadata fails at once
      // instead of after the connect timeout. librdkafka hands a consumer's errors over only
      // from its poll, and nothing polls before the connection completes: poll meanwhile (the
      // binding allows it once the handle exists; with no assignment nothing is read).
      let settled = false;
      /** The poll under way, if any: the connection is handed on only after it returned. */
      let probing: Promise<void> | undefined;
      const early = (error: LibrdKafkaError | null | undefined): void => {
        if (settled || !error) return;
        const classified = classifyError(withCode(error), 'kafka');
        if (classified.code !== 'EL_KAFKA_AUTH') return;
        settled = true;
        clearInterval(poller);
        c.removeListener('event.error', early);
        try { c.disconnect(() => undefined); } catch { /* never connected */ }
        reject(authFailure(classified));
      };
      const poller = setInterval(() => {
        if (probing !== undefined || settled || !c.isConnected()) return;
        probing = new Promise<void>((done) => {
          try {
            c.consume(1, (error: LibrdKafkaError | null) => {
              done();
              early(error);
            });
          } catch {
            done();
          }
        }).finally(() => { probing = undefined; });
      }, CONNECT_POLL_MS);
      c.on('event.error', early);
      c.connect({ timeout: 10_000 }, (error: LibrdKafkaError | null) => {
        clearInterval(poller);
        c.removeListener('event.error', early);
        if (settled) return;
        settled = true;
        if (error) {
          // A client that never connected throws on disconnect.
          try { c.disconnect(() => undefined); } catch { /* never connected */ }
          reject(classifyError(error, 'kafka'));
          return;
        }
        // The poll loop starts once no connect-time poll is under way.
        void (probing ?? Promise.resolve()).then(() => resolve());
      });
    });
    c.on('event.error', (error: LibrdKafkaError) => onClientError(error, 'client'));
    c.on('offset.commit', onOffsetCommit);
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
      seek(topic, partition, from);
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
    await polling;
    polling = undefined;
    // Nothing serves commit answers once polling stopped: what still waits is failed (and the
    // partition's next owner reads from the last offset the coordinator did confirm).
    failCommitWaiters('the consumer stopped before the group coordinator answered the commit');
    if (c?.isConnected()) await new Promise<void>((resolve) => c.disconnect(() => resolve()));
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
        if (state === 'failed' && snapshot.context.lastError?.code === 'EL_KAFKA_AUTH') authFailures(registry).inc({ role, client: 'consumer' });
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
