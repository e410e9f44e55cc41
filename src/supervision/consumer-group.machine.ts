import { assign, fromPromise, setup } from 'xstate';
import type { ElError } from '../domain/errors.js';
import { backoffDelay } from './backoff.js';

/** Backoff and watchdog settings of a consumer group supervisor. */
export interface ConsumerGroupInput {
  readonly group: string;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** A leader-lost state that lasts longer than this restarts the consumer (the client may not recover alone). */
  readonly leaderLostTimeoutMs: number;
  /** A join that takes longer than this restarts the consumer. */
  readonly rebalanceTimeoutMs: number;
}

interface Context extends ConsumerGroupInput {
  restarts: number;
  consecutiveFailures: number;
  lastError: { code: string; message: string } | undefined;
}

/** Events from the Kafka source (instrumentation, classified errors) and from the owner. */
export type ConsumerGroupEvent =
  | { type: 'group.joined' }
  | { type: 'group.rebalancing' }
  | { type: 'batch.fetched' }
  | { type: 'leader.lost'; message: string }
  | { type: 'group.crashed'; error: ElError }
  | { type: 'source.stop' };


/**
 * Supervises one consumer group member. This machine owns restarts (with capped backoff), treats leader loss as an explicit state with
 * a watchdog, and only gives up (`failed`) on errors flagged fatal.
 */
export const consumerGroupMachine = setup({
  types: {
    context: {} as Context,
    input: {} as ConsumerGroupInput,
    events: {} as ConsumerGroupEvent,
  },
  actors: {
    connect: fromPromise<void>(async () => undefined),
    disconnect: fromPromise<void>(async () => undefined),
    drain: fromPromise<void>(async () => undefined),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.consecutiveFailures, context.backoffInitialMs, context.backoffMaxMs),
    leaderLostTimeout: ({ context }) => context.leaderLostTimeoutMs,
    rebalanceTimeout: ({ context }) => context.rebalanceTimeoutMs,
  },
  guards: {
    isFatal: ({ event }) => event.type === 'group.crashed' && event.error.flags.fatal,
    isFatalError: ({ event }) => Boolean((event as { error?: ElError }).error?.flags?.fatal),
  },
  actions: {
    recordCrash: assign(({ context, event }) => {
      const error = (event as { error?: ElError }).error;
      return {
        consecutiveFailures: context.consecutiveFailures + 1,
        lastError: error ? { code: error.code ?? 'EL_KAFKA_UNAVAILABLE', message: error.message } : context.lastError,
      };
    }),
    recordHealthy: assign({ consecutiveFailures: 0 }),
  },
}).createMachine({
  id: 'consumerGroup',
  context: ({ input }) => ({ ...input, restarts: 0, consecutiveFailures: 0, lastError: undefined }),
  initial: 'connecting',
  on: { 'source.stop': '.stopping' },
  states: {
    connecting: {
      // The client may report the join before connect resolves; the join is what counts.
      on: {
        'group.joined': { target: 'running', actions: 'recordHealthy' },
        'batch.fetched': { target: 'running', actions: 'recordHealthy' },
        // The client can fail for good (authentication) before connect resolves; ignoring it would leave a dead consumer.
        'group.crashed': [{ guard: 'isFatal', target: 'failed', actions: 'recordCrash' }, { target: 'restarting', actions: 'recordCrash' }],
      },
      invoke: {
        src: 'connect',
        onDone: 'rebalancing',
        onError: [
          { guard: 'isFatalError', target: 'failed', actions: 'recordCrash' },
          { target: 'restarting', actions: 'recordCrash' },
        ],
      },
    },
    rebalancing: {
      // A join that never completes (the member lost without a crash event) restarts the consumer.
      after: { rebalanceTimeout: { target: 'restarting', actions: 'recordCrash' } },
      on: {
        'group.joined': { target: 'running', actions: 'recordHealthy' },
        'batch.fetched': { target: 'running', actions: 'recordHealthy' },
        'group.crashed': [{ guard: 'isFatal', target: 'failed', actions: 'recordCrash' }, { target: 'restarting', actions: 'recordCrash' }],
      },
    },
    running: {
      on: {
        'group.rebalancing': 'rebalancing',
        'leader.lost': 'leaderLost',
        'group.crashed': [{ guard: 'isFatal', target: 'failed', actions: 'recordCrash' }, { target: 'restarting', actions: 'recordCrash' }],
      },
    },
    leaderLost: {
      on: {
        'batch.fetched': 'running',
        'group.joined': 'running',
        'group.rebalancing': 'rebalancing',
        'group.crashed': [{ guard: 'isFatal', target: 'failed', actions: 'recordCrash' }, { target: 'restarting', actions: 'recordCrash' }],
      },
      // The client usually finds the new leader by itself; if it has not after this long, restart it.
      after: { leaderLostTimeout: { target: 'restarting', actions: 'recordCrash' } },
    },
    restarting: {
      entry: assign({ restarts: ({ context }) => context.restarts + 1 }),
      initial: 'disconnecting',
      states: {
        disconnecting: {
          invoke: { src: 'disconnect', onDone: 'waiting', onError: 'waiting' },
        },
        waiting: { after: { backoff: '#consumerGroup.connecting' } },
      },
    },
    stopping: {
      on: { 'source.stop': { actions: [] } },
      invoke: { src: 'drain', onDone: 'stopped', onError: 'stopped' },
    },
    stopped: { type: 'final' },
    failed: {
      // Let go of the brokers: a client left connected keeps retrying what just failed for good.
      invoke: { src: 'disconnect', onDone: {}, onError: {} },
      on: { 'source.stop': 'stopped' },
    },
  },
});
