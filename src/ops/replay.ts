/**
 * `eventlogging replay`: re-processes the `rawEvent` of EventErrors after the cause was fixed (a
 * schema corrected, a column widened). Raw lines (code `processor`/`validation`) go through the
 * processor's own domain path (parse → capsule → validate); capsules a consumer could not insert
 * (code `consumer`) are re-validated and written as they are, keeping their uuid, so a replay that
 * overlaps an earlier one is absorbed by the tables' unique key. What still fails becomes an
 * EventError with code `replay`.
 */
import { createInterface } from 'node:readline';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { EventCapsule } from '../domain/event/capsule.js';
import type { EventErrorInput, MessageSource } from '../domain/event/event-error.js';
import type { KafkaSink, OutMessage } from '../adapters/kafka/kafka-producer.js';
import type { ProcessorCore } from '../roles/processor/processor-core.js';
import { routeChecked, type Checked } from '../streams/route.js';

/** What a replay did. */
export interface ReplaySummary {
  /** Lines or messages read. */
  readonly read: number;
  /** Events that are now valid and were written. */
  readonly replayed: number;
  /** Events that failed again (written as EventErrors with code `replay`). */
  readonly stillFailing: number;
  /** Inputs that were not EventErrors (not JSON, or no `event.rawEvent`): reported, not written. */
  readonly skipped: number;
}

/** What {@link replayEventError} needs: the processor core (schemas, FORMAT) of the replay. */
export type ReplayCore = Pick<ProcessorCore, 'check' | 'registry'>;

/** One input, decided: a valid capsule or a failure (already re-coded `replay`), or not an EventError. */
export type ReplayOutcome = Checked | { readonly kind: 'skipped'; readonly reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A consumer's rawEvent is a whole capsule (it has the capsule's identity fields). */
function asCapsule(rawEvent: string): Record<string, unknown> | undefined {
  if (!rawEvent.trimStart().startsWith('{')) return undefined;
  try {
    const data: unknown = JSON.parse(rawEvent);
    return isObject(data) && isObject(data.event) && typeof data.schema === 'string' && typeof data.uuid === 'string' ? data : undefined;
  } catch {
    return undefined;
  }
}

function originalSource(details: Record<string, unknown>): MessageSource | undefined {
  const { topic, partition, offset } = details;
  return typeof topic === 'string' && typeof partition === 'number' && typeof offset === 'number' ? { topic, partition, offset } : undefined;
}

function replayFailure(error: EventErrorInput, source: MessageSource | undefined): Checked {
  // Keep where the event originally came from, so the operator can still find it in Kafka.
  const { source: _ignored, ...rest } = error;
  return { kind: 'failed', error: { ...rest, code: 'replay', ...(source !== undefined ? { source } : {}) } };
}

/**
 * Re-processes one EventError (one JSON document). Never throws. A `consumer` error (or a
 * `replay` error whose rawEvent is a capsule) is re-validated as a capsule; any other is parsed
 * as a raw line with the replay's FORMAT.
 */
async function replayEventError(core: ReplayCore, line: string): Promise<ReplayOutcome> {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return { kind: 'skipped', reason: 'not JSON' };
  }
  const details = isObject(data) ? data.event : undefined;
  if (!isObject(details) || typeof details.rawEvent !== 'string') return { kind: 'skipped', reason: 'no event.rawEvent: not an EventError' };
  const rawEvent = details.rawEvent;
  const source = originalSource(details);
  const capsule = details.code === 'consumer' || details.code === 'replay' ? asCapsule(rawEvent) : undefined;
  if (capsule !== undefined) {
    const result = await core.registry.validateCapsule(capsule);
    if (result.ok) return { kind: 'valid', capsule: capsule as unknown as EventCapsule };
    return replayFailure({
      code: 'replay', rawEvent, message: result.message, schema: capsule.schema as string,
      ...(typeof capsule.revision === 'number' ? { revision: capsule.revision } : {}),
      ...(typeof capsule.wiki === 'string' ? { wiki: capsule.wiki } : {}),
      stage: 'validate', errorCode: result.code,
    }, source);
  }
  const checked = await core.check({ value: rawEvent });
  return checked.kind === 'valid' ? { kind: 'valid', capsule: checked.capsule } : replayFailure(checked.error, source);
}

/** What {@link runReplay} needs. */
export interface ReplayDeps {
  readonly core: ReplayCore & Pick<ProcessorCore, 'route'>;
  /** The outputs' writer (`openProcessorOutputs`). */
  readonly writer: Pick<KafkaSink, 'send'>;
  /** Told about each skipped input (a log line). */
  readonly onSkipped?: (reason: string, line: string) => void;
  /** Inputs per write (default 500). */
  readonly batchSize?: number;
}

/** Accumulates outcomes into routed messages and counts. */
function createBatcher(deps: ReplayDeps) {
  let pending: OutMessage[] = [];
  const counts = { read: 0, replayed: 0, stillFailing: 0, skipped: 0 };
  return {
    counts,
    async take(line: string): Promise<void> {
      counts.read += 1;
      const outcome = await replayEventError(deps.core, line);
      if (outcome.kind === 'skipped') {
        counts.skipped += 1;
        deps.onSkipped?.(outcome.reason, line);
        return;
      }
      if (outcome.kind === 'valid') counts.replayed += 1;
      else counts.stillFailing += 1;
      for (const m of routeChecked(deps.core.route, outcome)) pending.push(m);
    },
    async flush(): Promise<void> {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await deps.writer.send(batch);
    },
  };
}

/** Replays every line of a stream (a file or stdin) and resolves at its end, once everything is written. */
export async function replayStream(deps: ReplayDeps, input: NodeJS.ReadableStream, signal?: AbortSignal): Promise<ReplaySummary> {
  const batchSize = deps.batchSize ?? 500;
  const batcher = createBatcher(deps);
  const reader = createInterface({ input, crlfDelay: Infinity });
  const onAbort = () => reader.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  let inBatch = 0;
  try {
    for await (const line of reader) {
      if (line.trim() === '') continue;
      await batcher.take(line);
      inBatch += 1;
      if (inBatch >= batchSize) {
        await batcher.flush();
        inBatch = 0;
      }
      if (signal?.aborted) break;
    }
    await batcher.flush();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.close();
  }
  return { ...batcher.counts };
}

/**
 * Replays EventErrors from Kafka topics as consumer group `group`, from its committed offsets (the
 * log start for a new group) up to the log end as it was when the replay started, then stops.
 * Offsets are committed after each batch is written, so an interrupted replay resumes where it
 * stopped, and running it again replays only what arrived since.
 */
export async function replayKafka(deps: ReplayDeps, kafka: KafkaJS.Kafka, topics: readonly string[], group: string, signal?: AbortSignal): Promise<ReplaySummary> {
  const batcher = createBatcher(deps);
  const remaining = new Map<string, { topic: string; partition: number; end: number }>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const [edges, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
      // Partitions without a commit are absent, or carry a negative offset: they start at the log start.
      const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      for (const e of edges) {
        const start = Math.max(at.get(e.partition) ?? -1, Number(e.low));
        if (start < Number(e.high)) remaining.set(key(topic, e.partition), { topic, partition: e.partition, end: Number(e.high) });
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0 || signal?.aborted) return { ...batcher.counts };

  const consumer = kafka.consumer({
    kafkaJS: { groupId: group, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, fromBeginning: true, autoCommit: false },
    // Up to one write's worth of EventErrors per batch: each batch is written, then committed.
    'js.consumer.max.batch.size': deps.batchSize ?? 500,
  });
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
  const onAbort = () => finish();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics] });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, isRunning, isStale, resolveOffset, heartbeat }) => {
        try {
          const entry = remaining.get(key(batch.topic, batch.partition));
          if (entry === undefined) {
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            return;
          }
          let last = -1;
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            const offset = Number(message.offset);
            if (offset >= entry.end) break;
            await batcher.take(message.value?.toString('utf8') ?? '');
            resolveOffset(message.offset);
            last = offset;
          }
          await heartbeat();
          if (last < 0) return;
          await batcher.flush();
          // Commit only after the outputs acknowledged what this batch produced.
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(last + 1) }]);
          if (last + 1 >= entry.end) {
            remaining.delete(key(batch.topic, batch.partition));
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            if (remaining.size === 0) finish();
          }
        } catch (error) {
          fail(error);
        }
      },
    });
    await finished;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
  }
  return { ...batcher.counts };
}
