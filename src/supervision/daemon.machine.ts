import { assign, fromPromise, setup } from 'xstate';

/** Input of the daemon machine: how to start and stop the roles (I/O lives in these actors). */
export interface DaemonInput {
  readonly roleCount: number;
}

/**
 * The daemon's root supervisor: starting → running → draining → stopped. A fatal role failure or
 * a stop request drains every role (flush, insert, commit) before the process exits; the exit
 * code says which of the two it was.
 */
export const daemonMachine = setup({
  types: {
    context: {} as { roleCount: number; exitCode: number; reason: string | undefined },
    input: {} as DaemonInput,
    output: {} as { exitCode: number; reason: string | undefined },
    events: {} as { type: 'daemon.stop'; reason: string } | { type: 'role.fatal'; role: string; message: string },
  },
  actors: {
    startRoles: fromPromise<void>(async () => {
      throw new Error('startRoles must be provided');
    }),
    stopRoles: fromPromise<void>(async () => {
      throw new Error('stopRoles must be provided');
    }),
  },
}).createMachine({
  id: 'daemon',
  context: ({ input }) => ({ roleCount: input.roleCount, exitCode: 0, reason: undefined }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        src: 'startRoles',
        onDone: 'running',
        onError: {
          target: 'draining',
          actions: assign({ exitCode: 1, reason: ({ event }) => `start failed: ${(event.error as Error)?.message ?? String(event.error)}` }),
        },
      },
      on: {
        'daemon.stop': { target: 'draining', actions: assign({ reason: ({ event }) => event.reason }) },
        'role.fatal': { target: 'draining', actions: assign({ exitCode: 1, reason: ({ event }) => `${event.role}: ${event.message}` }) },
      },
    },
    running: {
      on: {
        'daemon.stop': { target: 'draining', actions: assign({ reason: ({ event }) => event.reason }) },
        'role.fatal': { target: 'draining', actions: assign({ exitCode: 1, reason: ({ event }) => `${event.role}: ${event.message}` }) },
      },
    },
    draining: {
      invoke: {
        src: 'stopRoles',
        onDone: 'stopped',
        onError: { target: 'stopped', actions: assign({ exitCode: 1 }) },
      },
    },
    stopped: { type: 'final' },
  },
  output: ({ context }) => ({ exitCode: context.exitCode, reason: context.reason }),
});
