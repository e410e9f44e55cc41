import { createActor, fromPromise, waitFor, type Actor } from 'xstate';
import type { Logger } from 'pino';
import { ElError } from '../domain/errors.js';
import { backoffDelay } from '../supervision/backoff.js';
import { roleLifecycleMachine } from './role-lifecycle.machine.js';

/** What {@link watchLifecycle} reports to, and how it names the connection in its logs. */
export interface LifecycleWatch {
  readonly logger: Logger;
  /** What is being connected, as the logs say it (`intake output`, `processor outputs`). */
  readonly what: string;
  /** The cluster refused the role's login or certificate. */
  readonly onAuthFailure: () => void;
  /** Any other reason to give up (a configuration mistake): the daemon stops. */
  readonly onFatal?: (error: Error) => void;
}

/**
 * A role's lifecycle (not started) whose connect runs `open` and whose close runs `close` once any
 * open still under way has settled: a stop during a pending connect never closes outputs that are
 * still being opened. Retries back off from 200 ms to 5 s.
 */
export function createRoleLifecycle(open: (signal: AbortSignal) => Promise<void>, close: () => Promise<void>): Actor<typeof roleLifecycleMachine> {
  let opening: Promise<void> | undefined;
  return createActor(roleLifecycleMachine.provide({
    actors: {
      connect: fromPromise(async ({ signal }) => {
        opening = open(signal);
        await opening;
      }),
      close: fromPromise(async () => {
        await opening?.catch(() => undefined);
        await close();
      }),
    },
  }), { input: { backoffInitialMs: 200, backoffMaxMs: 5000 } });
}

/** A role's lifecycle as the role uses it: started on `start`, drained on `stop`, seen in `/status`. */
export interface ManagedLifecycle {
  /** Starts connecting (retried with backoff until it opens). */
  start(): void;
  /** Resolves once the close has run. */
  stop(): Promise<void>;
  state(): ReturnType<typeof lifecycleStateName>;
  /** Why it gave up, if it did. */
  problem(): string | undefined;
}

/** {@link createRoleLifecycle}, watched ({@link watchLifecycle}) and running, for a role's start, stop and status. */
export function manageRoleLifecycle(open: (signal: AbortSignal) => Promise<void>, close: () => Promise<void>, watch: LifecycleWatch): ManagedLifecycle {
  const actor = createRoleLifecycle(open, close);
  const view = watchLifecycle(actor, watch);
  actor.start();
  return {
    start: () => actor.send({ type: 'role.start' }),
    stop: () => stopLifecycle(actor),
    state: () => lifecycleStateName(actor.getSnapshot().value),
    problem: () => view.problem(),
  };
}

/** Stops a role's lifecycle and resolves once its close has run (however long the drain takes). */
export async function stopLifecycle(actor: Actor<typeof roleLifecycleMachine>): Promise<void> {
  actor.send({ type: 'role.stop' });
  await waitFor(actor, (snapshot) => snapshot.status === 'done', { timeout: Infinity });
}

/** The role's status names for the lifecycle's states (what `/status` always showed). */
export function lifecycleStateName(value: unknown): 'created' | 'connecting' | 'running' | 'failed' | 'stopping' | 'stopped' {
  switch (value) {
    case 'idle': return 'created';
    case 'connecting':
    case 'waiting': return 'connecting';
    case 'running':
    case 'failed':
    case 'stopping':
    case 'stopped': return value;
    default: return 'failed';
  }
}

/**
 * Logs a role lifecycle's transitions and acts on its giving up: a refused login is counted and
 * shown as the role's problem (the daemon and its other roles go on); any other reason is handed
 * to `onFatal`. Returns the problem for `/status`.
 */
export function watchLifecycle(actor: Actor<typeof roleLifecycleMachine>, watch: LifecycleWatch): { problem(): string | undefined } {
  let last: unknown;
  let problem: string | undefined;
  actor.subscribe((snapshot) => {
    if (snapshot.value === last) return;
    last = snapshot.value;
    const { lastError, attempts, backoffInitialMs, backoffMaxMs } = snapshot.context;
    if (snapshot.value === 'waiting') {
      watch.logger.warn({ err: lastError, retryInMs: backoffDelay(attempts, backoffInitialMs, backoffMaxMs) }, `${watch.what} not reachable; retrying`);
    } else if (snapshot.value === 'failed' && lastError) {
      giveUp(lastError);
    }
  });
  function giveUp(error: Error): void {
    const code = error instanceof ElError ? error.code : 'EL_INTERNAL';
    if (code === 'EL_KAFKA_AUTH') {
      problem = `${code}: ${error.message}`;
      watch.onAuthFailure();
      // Retrying with the same credentials only locks accounts.
      watch.logger.error({ err: error }, `${watch.what} refused by Kafka; not retrying`);
      return;
    }
    problem = `${code}: ${error.message}`;
    watch.logger.error({ err: error }, `${watch.what}: cannot start`);
    watch.onFatal?.(error);
  }
  return { problem: () => problem };
}
