import { Subject } from 'rxjs';
import { createActor, fromCallback, fromPromise, type Actor } from 'xstate';
import type { Logger } from 'pino';
import type { KafkaRecord, PartitionPipeline } from '../adapters/kafka/kafka-record.js';
import { partitionMachine } from './partition.machine.js';
import type { PartitionMetrics } from './partition-metrics.js';

/** What a partition actor needs from the consumer that feeds it; the Kafka source provides it. */
export interface PartitionIo {
  /** Stops fetching the partition. */
  pause(): void;
  /** Fetches again, from the first record the actor has not taken. */
  resume(): void;
  /** Commits `offset` (the next to read); resolves once the group coordinator accepted it. */
  commit(offset: number): Promise<void>;
}

/** What {@link createPartitionActor} takes. */
export interface PartitionActorOptions {
  readonly topic: string;
  readonly partition: number;
  readonly role: string;
  readonly pipeline: PartitionPipeline;
  readonly logger: Logger;
  readonly io: PartitionIo;
  readonly metrics: PartitionMetrics;
  readonly highWater: number;
  readonly lowWater: number;
  readonly commitIntervalMs: number;
  readonly drainTimeoutMs: number;
  /** Called when the actor's pipeline has failed (the actor is final: it must be replaced). */
  readonly onFailed: (message: string) => void;
}

/** A running partition actor and the subject its records are pushed into. */
export interface PartitionActor {
  readonly records: Subject<KafkaRecord>;
  readonly actor: Actor<typeof partitionMachine>;
}

/**
 * One assigned partition's actor (src/actors/partition.machine.ts) with its invoked actors bound:
 * the role's pipeline fed by `records`, pause and resume, and commits, all through `io`.
 */
export function createPartitionActor(options: PartitionActorOptions): PartitionActor {
  const { topic, partition, io, metrics, logger } = options;
  const labels = { role: options.role, topic, partition: String(partition) };
  const records = new Subject<KafkaRecord>();
  const machine = partitionMachine.provide({
    actors: {
      pipeline: fromCallback(({ sendBack }) => {
        const subscription = options.pipeline(records.asObservable(), { topic, partition, logger }).subscribe({
          next: (mark) => sendBack({ type: 'records.completed', offset: mark.offset, count: mark.count }),
          error: (error: unknown) => sendBack({ type: 'pipeline.failed', message: (error as Error)?.message ?? String(error) }),
        });
        return () => subscription.unsubscribe();
      }),
      pauseWhileBackpressured: fromCallback(() => {
        io.pause();
        metrics.paused.set(labels, 1);
        metrics.pauses.inc(labels);
        logger.info('partition paused: downstream is behind');
        return () => {
          metrics.paused.set(labels, 0);
          io.resume();
        };
      }),
      commit: fromPromise<number, { offset: number }>(async ({ input }) => {
        await io.commit(input.offset);
        metrics.committed.set(labels, input.offset);
        return input.offset;
      }),
    },
  });
  const actor = createActor(machine, {
    input: {
      topic, partition, highWater: options.highWater, lowWater: options.lowWater,
      commitIntervalMs: options.commitIntervalMs, drainTimeoutMs: options.drainTimeoutMs,
    },
  });
  let failed = false;
  actor.subscribe({
    next: (snapshot) => {
      // Events arrive per batch, not per record, so keeping the gauge current here is cheap.
      metrics.inFlight.set(labels, snapshot.context.received - snapshot.context.completed);
      if (snapshot.value === 'failed' && !failed) {
        failed = true;
        logger.error({ error: snapshot.context.error }, 'partition pipeline failed: the actor is replaced after a backoff');
        options.onFailed(snapshot.context.error ?? 'pipeline failed');
      }
    },
    error: (error) => logger.error({ err: error }, 'partition actor crashed'),
  });
  actor.start();
  return { records, actor };
}
