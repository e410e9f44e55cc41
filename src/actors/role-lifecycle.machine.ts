import { assign, fromPromise, setup } from 'xstate';
import { ElError } from '../domain/errors.js';
import { backoffDelay } from '../supervision/backoff.js';

/** Tuning of a role's connection retries. */
export interface RoleLifecycleInput {
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

interface RoleLifecycleContext extends RoleLifecycleInput {
  /** Failed connects in a row; sets the backoff. */
  attempts: number;
  /** The last failure, while connecting; the reason, once failed. */
  lastError: Error | undefined;
}

export type RoleLifecycleEvent = { type: 'role.start' } | { type: 'role.stop' };

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * The lifecycle of a role whose work needs a connection first (the intake's output, the
 * processor's outputs and consumer group): `idle` -> `connecting` -> `running`, a failed connect
 * waiting (capped backoff) before the next; a refused login (EL_KAFKA_AUTH) or a fatal error
 * (a configuration mistake) ends in `failed`, since retrying changes nothing and would lock
 * accounts. `role.stop` from anywhere runs `close` (which also waits for a connect under way)
 * and ends in `stopped`. The connect and the close are invoked actors the role provides.
 */
export const roleLifecycleMachine = setup({
  types: {
    context: {} as RoleLifecycleContext,
    input: {} as RoleLifecycleInput,
    events: {} as RoleLifecycleEvent,
  },
  actors: {
    /** Connects and starts the work; `signal` aborts when the role stops meanwhile. */
    connect: fromPromise<void>(async () => undefined),
    /** Stops the work and closes the connections (waiting for a connect under way). */
    close: fromPromise<void>(async () => undefined),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.attempts, context.backoffInitialMs, context.backoffMaxMs),
  },
  guards: {
    // Anything not coded as hopeless is retried (an unreachable broker, a timeout, a client error).
    givesUp: ({ event }) => {
      const error = (event as { error?: unknown }).error;
      return error instanceof ElError && (error.code === 'EL_KAFKA_AUTH' || (error.flags.fatal && error.code !== 'EL_KAFKA_FAILED'));
    },
  },
}).createMachine({
  id: 'roleLifecycle',
  context: ({ input }) => ({ ...input, attempts: 0, lastError: undefined }),
  initial: 'idle',
  on: { 'role.stop': '.stopping' },
  states: {
    idle: {
      on: { 'role.start': 'connecting' },
    },
    connecting: {
      invoke: {
        src: 'connect',
        onDone: { target: 'running', actions: assign({ attempts: 0, lastError: undefined }) },
        onError: [
          { guard: 'givesUp', target: 'failed', actions: assign({ lastError: ({ event }) => asError(event.error) }) },
          { target: 'waiting', actions: assign({ attempts: ({ context }) => context.attempts + 1, lastError: ({ event }) => asError(event.error) }) },
        ],
      },
    },
    waiting: {
      after: { backoff: 'connecting' },
    },
    running: {},
    failed: {},
    stopping: {
      // A second stop while stopping changes nothing.
      on: { 'role.stop': {} },
      invoke: {
        src: 'close',
        onDone: 'stopped',
        onError: 'stopped',
      },
    },
    stopped: {
      type: 'final',
    },
  },
});
