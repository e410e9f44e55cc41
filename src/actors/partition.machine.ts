import { assign, fromCallback, fromPromise, setup, type AnyEventObject } from 'xstate';

/** Tuning of one partition actor. */
export interface PartitionInput {
  readonly topic: string;
  readonly partition: number;
  /** Pause the partition when this many records are received but not yet durable. */
  readonly highWater: number;
  /** Resume once in-flight records fall to this many. */
  readonly lowWater: number;
  readonly commitIntervalMs: number;
  /** How long a revoked partition may take to finish its in-flight records before it stops anyway. */
  readonly drainTimeoutMs: number;
}

interface PartitionContext extends PartitionInput {
  received: number;
  completed: number;
  /** Next offset to commit: one past the last durable record; -1 before any completion. */
  durableNext: number;
  committedNext: number;
  lastReceivedOffset: number;
  pauses: number;
  commitFailures: number;
  error: string | undefined;
}

/** Events a partition actor understands; `noun.verb` as everywhere in the project. */
export type PartitionEvent =
  | { type: 'records.received'; count: number; lastOffset: number }
  | { type: 'records.completed'; offset: number; count: number }
  | { type: 'pipeline.failed'; message: string }
  | { type: 'partition.revoked' };

const inFlight = (c: PartitionContext) => c.received - c.completed;

/**
 * A partition that has received nothing for this part of the commit interval, with every record
 * durable, has finished its burst: its offset is committed then rather than at the interval's
 * end. A slow trickle of records commits at most this many times an interval; Burrow's window
 * (min-distance 1 s) keeps one of them a second, as before.
 */
const QUIET_SPELL_PART = 4;

/**
 * One assigned partition: it owns the partition's pipeline, turns in-flight depth into an explicit
 * `backpressured` state (the partition is paused while in it), commits the offset of the last
 * durable record (never before it is durable, at most once per commit interval), and drains on
 * revoke. All I/O (the pipeline, pause/resume, commit) lives in invoked actors that the Kafka
 * source provides.
 */
export const partitionMachine = setup({
  types: {
    context: {} as PartitionContext,
    input: {} as PartitionInput,
    events: {} as PartitionEvent,
  },
  actors: {
    pipeline: fromCallback<AnyEventObject, PartitionInput>(() => () => undefined),
    pauseWhileBackpressured: fromCallback<AnyEventObject, PartitionInput>(() => () => undefined),
    commit: fromPromise<number, { offset: number }>(async ({ input }) => input.offset),
  },
  delays: {
    commitInterval: ({ context }) => context.commitIntervalMs,
    quietSpell: ({ context }) => Math.ceil(context.commitIntervalMs / QUIET_SPELL_PART),
    drainTimeout: ({ context }) => context.drainTimeoutMs,
  },
  guards: {
    overHighWater: ({ context }) => inFlight(context) >= context.highWater,
    atLowWater: ({ context }) => inFlight(context) <= context.lowWater,
    hasUncommitted: ({ context }) => context.durableNext > context.committedNext,
    allDurable: ({ context }) => inFlight(context) === 0,
    caughtUp: ({ context }) => inFlight(context) === 0 && context.durableNext > context.committedNext,
  },
  actions: {
    countReceived: assign(({ context, event }) => {
      if (event.type !== 'records.received') return {};
      return { received: context.received + event.count, lastReceivedOffset: event.lastOffset };
    }),
    countCompleted: assign(({ context, event }) => {
      if (event.type !== 'records.completed') return {};
      return { completed: context.completed + event.count, durableNext: Math.max(context.durableNext, event.offset + 1) };
    }),
  },
}).createMachine({
  id: 'partition',
  context: ({ input }) => ({
    ...input, received: 0, completed: 0, durableNext: -1, committedNext: -1, lastReceivedOffset: -1,
    pauses: 0, commitFailures: 0, error: undefined,
  }),
  // The pipeline lives as long as the actor, through draining, so in-flight records can finish.
  invoke: { src: 'pipeline', id: 'pipeline', input: ({ context }) => context },
  on: {
    'records.received': { actions: 'countReceived' },
    'records.completed': { actions: 'countCompleted' },
    'pipeline.failed': { target: '.failed', actions: assign({ error: ({ event }) => event.message }) },
  },
  initial: 'active',
  states: {
    active: {
      type: 'parallel',
      on: { 'partition.revoked': 'draining' },
      states: {
        flow: {
          initial: 'flowing',
          states: {
            flowing: {
              always: { guard: 'overHighWater', target: 'backpressured' },
            },
            backpressured: {
              entry: assign({ pauses: ({ context }) => context.pauses + 1 }),
              invoke: { src: 'pauseWhileBackpressured', input: ({ context }) => context },
              always: { guard: 'atLowWater', target: 'flowing' },
            },
          },
        },
        // The first durable record after a quiet spell is committed at once; then at most one
        // commit per interval, each carrying everything that became durable meanwhile, unless the
        // partition falls quiet with everything durable: the end of a burst (a replay, a backfill,
        // a batch role's last batch) is committed without waiting out the interval.
        commit: {
          initial: 'ready',
          states: {
            ready: {
              always: { guard: 'hasUncommitted', target: 'committing' },
            },
            committing: {
              invoke: {
                src: 'commit',
                input: ({ context }) => ({ offset: context.durableNext }),
                onDone: { target: 'resting', actions: assign({ committedNext: ({ event }) => event.output }) },
                // A failed commit is not lost work: the next one carries a later offset.
                onError: { target: 'resting', actions: assign({ commitFailures: ({ context }) => context.commitFailures + 1 }) },
              },
            },
            resting: {
              after: { commitInterval: 'ready' },
              initial: 'receiving',
              states: {
                // A record restarts the quiet spell. These handlers take the event from the
                // root's, so they count the records themselves.
                receiving: {
                  after: { quietSpell: 'quiet' },
                  on: { 'records.received': { target: 'receiving', reenter: true, actions: 'countReceived' } },
                },
                quiet: {
                  always: { guard: 'caughtUp', target: '#partition.active.commit.ready' },
                  on: { 'records.received': { target: 'receiving', actions: 'countReceived' } },
                },
              },
            },
          },
        },
      },
    },
    draining: {
      initial: 'waiting',
      states: {
        waiting: {
          always: { guard: 'allDurable', target: 'finalCommit' },
          after: { drainTimeout: 'finalCommit' },
        },
        finalCommit: {
          always: { guard: ({ context }) => context.durableNext <= context.committedNext, target: 'done' },
          invoke: {
            src: 'commit',
            input: ({ context }) => ({ offset: context.durableNext }),
            onDone: { target: 'done', actions: assign({ committedNext: ({ event }) => event.output }) },
            onError: { target: 'done', actions: assign({ commitFailures: ({ context }) => context.commitFailures + 1 }) },
          },
        },
        done: { type: 'final' },
      },
      onDone: 'stopped',
    },
    failed: { type: 'final' },
    stopped: { type: 'final' },
  },
});

/** A short, stable name of a partition actor's state for `/status` and metrics. */
export function partitionStateName(value: unknown): 'flowing' | 'backpressured' | 'draining' | 'stopped' | 'failed' {
  if (value === 'failed' || value === 'stopped') return value;
  if (typeof value === 'object' && value !== null && 'draining' in value) return 'draining';
  const flow = (value as { active?: { flow?: string } })?.active?.flow;
  return flow === 'backpressured' ? 'backpressured' : 'flowing';
}
