import { assign, fromPromise, setup } from 'xstate';
import { backoffDelay } from './backoff.js';

/** Tuning of one partition's restart supervisor. */
export interface PartitionRestartInput {
  readonly topic: string;
  readonly partition: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

interface PartitionRestartContext extends PartitionRestartInput {
  /** Restarts since the partition last made progress; sets the backoff. */
  attempts: number;
  /** Restarts done in this supervisor's life. */
  restarts: number;
  lastError: string | undefined;
}

/** Events from the Kafka source, which watches the partition actor. */
export type PartitionRestartEvent =
  /** The partition actor's pipeline failed: the actor is wedged until it is replaced. */
  | { type: 'partition.failed'; message: string }
  /** A commit moved forward: the partition works again. */
  | { type: 'partition.progressed' };

/**
 * Restarts one partition's actor after its pipeline failed, in every role (standalone or in the
 * daemon), with capped backoff: `healthy` -> (failed) -> `waiting` (backoff) -> `restarting`
 * (the source drains the actor and seeks back to its committed offset; the next fetch starts a
 * fresh actor) -> `probation`. A commit moving forward ends probation and resets the backoff; a
 * failure during probation waits longer before the next restart, so a partition whose records
 * always fail its sink is retried slowly, never in a tight loop. The stall watchdog handles the
 * other wedge, an actor that never fails and never progresses.
 */
export const partitionRestartMachine = setup({
  types: {
    context: {} as PartitionRestartContext,
    input: {} as PartitionRestartInput,
    events: {} as PartitionRestartEvent,
  },
  actors: {
    /** Drains and replaces the actor; false when the source holds none for the partition. */
    restart: fromPromise<boolean, { topic: string; partition: number }>(async () => false),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.attempts, context.backoffInitialMs, context.backoffMaxMs),
  },
  actions: {
    recordFailure: assign({
      attempts: ({ context }) => context.attempts + 1,
      lastError: ({ event }) => (event.type === 'partition.failed' ? event.message : undefined),
    }),
  },
}).createMachine({
  id: 'partitionRestart',
  context: ({ input }) => ({ ...input, attempts: 0, restarts: 0, lastError: undefined }),
  initial: 'healthy',
  states: {
    healthy: {
      on: { 'partition.failed': { target: 'waiting', actions: 'recordFailure' } },
    },
    waiting: {
      after: { backoff: 'restarting' },
    },
    restarting: {
      invoke: {
        src: 'restart',
        input: ({ context }) => ({ topic: context.topic, partition: context.partition }),
        onDone: { target: 'probation', actions: assign({ restarts: ({ context }) => context.restarts + 1 }) },
        // The source could not drain it (a revoke or a disconnect under way): try again later.
        onError: { target: 'waiting', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) },
      },
    },
    probation: {
      on: {
        'partition.progressed': { target: 'healthy', actions: assign({ attempts: 0, lastError: undefined }) },
        'partition.failed': { target: 'waiting', actions: 'recordFailure' },
      },
    },
  },
});
