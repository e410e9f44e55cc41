import { assign, fromPromise, setup } from 'xstate';
import { backoffDelay } from './backoff.js';

/** Backoff settings of the database supervisor. */
export interface DatabaseInput {
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Consecutive failed probes after which the database counts as `down` rather than `failing`. */
  readonly downAfter: number;
}

/** Events: failures reported by writers, and the owner's stop. */
export type DatabaseEvent =
  | { type: 'db.failed'; code: string; message: string }
  | { type: 'db.stop' };

/**
 * `failing` and `down` probe alike: wait the backoff, probe, back to `up` on success; `onError`
 * says where a failed probe leads.
 */
function probeLoop<const E>(onError: E) {
  return {
    initial: 'waiting',
    states: {
      waiting: { after: { backoff: 'probing' } },
      probing: {
        invoke: {
          src: 'probe',
          onDone: { target: '#database.up', actions: 'recordRecovery' },
          onError,
        },
      },
    },
  } as const;
}

/**
 * The database as the consumers see it: `up`, `failing` (errors seen, probing with backoff),
 * `down` (still failing after `downAfter` probes; backoff capped) and back to `up` when a probe
 * succeeds. While it is not `up`, writers wait instead of inserting, so partitions pause and
 * nothing is committed or dropped.
 */
export const databaseMachine = setup({
  types: {
    context: {} as DatabaseInput & { failures: number; outages: number; lastError: { code: string; message: string } | undefined },
    input: {} as DatabaseInput,
    events: {} as DatabaseEvent,
  },
  actors: {
    probe: fromPromise<void>(async () => undefined),
  },
  actions: {
    // Both failing and down probe the same way; one failed probe counts and keeps its message.
    recordProbeFailure: assign(({ context, event }) => ({
      failures: context.failures + 1,
      lastError: {
        code: context.lastError?.code ?? 'EL_DB_UNAVAILABLE',
        message: ((event as { error?: unknown }).error as Error)?.message ?? String((event as { error?: unknown }).error),
      },
    })),
    recordRecovery: assign({ failures: 0 }),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.failures, context.backoffInitialMs, context.backoffMaxMs),
  },
  guards: {
    /** This failed probe is the one after which the database counts as down. */
    downNext: ({ context }) => context.failures + 1 >= context.downAfter,
  },
}).createMachine({
  id: 'database',
  context: ({ input }) => ({ ...input, failures: 0, outages: 0, lastError: undefined }),
  initial: 'up',
  on: { 'db.stop': '.stopped' },
  states: {
    up: {
      on: {
        'db.failed': {
          target: 'failing',
          actions: assign({
            failures: 1,
            outages: ({ context }) => context.outages + 1,
            lastError: ({ event }) => ({ code: event.code, message: event.message }),
          }),
        },
      },
    },
    failing: probeLoop([
      { guard: 'downNext', target: '#database.down', actions: 'recordProbeFailure' },
      { target: 'waiting', actions: 'recordProbeFailure' },
    ]),
    down: probeLoop({ target: 'waiting', actions: 'recordProbeFailure' }),
    stopped: { type: 'final' },
  },
});

/** The top-level state name: up, failing, down or stopped. */
export function databaseStateName(value: unknown): 'up' | 'failing' | 'down' | 'stopped' {
  if (typeof value === 'string') return value as 'up' | 'stopped';
  return Object.keys(value as object)[0] as 'failing' | 'down';
}
