import { createActor, fromPromise, type Actor } from 'xstate';
import { partitionRestartMachine } from './partition-restart.machine.js';

/** What {@link createPartitionRestarts} takes from the source that owns the partition actors. */
export interface PartitionRestartsOptions {
  /** Drains the partition's actor and seeks back to its committed offset; false when there was none to restart. */
  readonly restart: (topic: string, partition: number) => Promise<boolean>;
  /** Whether the partition's current actor is failed (the stall watchdog may have replaced it meanwhile). */
  readonly isFailed: (topic: string, partition: number) => boolean;
  readonly onRestarted: (topic: string, partition: number) => void;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

/** The restart supervisors of one group member's partitions. */
export interface PartitionRestarts {
  /** A partition's pipeline failed: its supervisor restarts it after its backoff. */
  failed(topic: string, partition: number, message: string): void;
  /** A partition committed: its backoff starts again from the beginning. */
  progressed(topic: string, partition: number): void;
  /** Stops the supervisors of partitions this member no longer holds (all when none are named). */
  forget(partitions?: ReadonlyArray<{ topic: string; partition: number }>): void;
}

/**
 * One restart supervisor (src/supervision/partition-restart.machine.ts) per partition whose actor
 * has failed, made at its first failure and kept while the partition is assigned.
 */
export function createPartitionRestarts(options: PartitionRestartsOptions): PartitionRestarts {
  const supervisors = new Map<string, Actor<typeof partitionRestartMachine>>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

  function supervisorOf(topic: string, partition: number): Actor<typeof partitionRestartMachine> {
    const k = key(topic, partition);
    let supervisor = supervisors.get(k);
    if (supervisor === undefined) {
      supervisor = createActor(partitionRestartMachine.provide({
        actors: {
          restart: fromPromise(async () => {
            if (!options.isFailed(topic, partition)) return false;
            const done = await options.restart(topic, partition);
            if (done) options.onRestarted(topic, partition);
            return done;
          }),
        },
      }), { input: { topic, partition, backoffInitialMs: options.backoffInitialMs, backoffMaxMs: options.backoffMaxMs } });
      supervisor.start();
      supervisors.set(k, supervisor);
    }
    return supervisor;
  }

  return {
    failed: (topic, partition, message) => supervisorOf(topic, partition).send({ type: 'partition.failed', message }),
    progressed: (topic, partition) => supervisors.get(key(topic, partition))?.send({ type: 'partition.progressed' }),
    forget(partitions) {
      const keys = partitions ? partitions.map((p) => key(p.topic, p.partition)) : [...supervisors.keys()];
      for (const k of keys) {
        supervisors.get(k)?.stop();
        supervisors.delete(k);
      }
    },
  };
}
