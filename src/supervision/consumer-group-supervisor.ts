import { createActor, fromPromise, type Actor } from 'xstate';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricOnce } from '../observability/metrics.js';
import { classifyError } from './classify-error.js';
import { consumerGroupMachine, type ConsumerGroupInput } from './consumer-group.machine.js';

/** What {@link createGroupSupervisor} takes: the member's I/O and how it is labelled. */
export interface GroupSupervisorOptions {
  readonly input: ConsumerGroupInput;
  readonly role: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Joins the group and starts polling. */
  readonly connect: () => Promise<void>;
  /** Drains every partition and leaves the group (also the drain on stop). */
  readonly disconnect: () => Promise<void>;
  /** Called when the member gave up because the cluster refused its login or certificate. */
  readonly onAuthFailure: () => void;
}

/** A running group supervisor and its state's short name. */
export interface GroupSupervisor {
  readonly actor: Actor<typeof consumerGroupMachine>;
  /** connecting, rebalancing, running, leaderLost, restarting, stopping, stopped, failed. */
  state(): string;
}

/**
 * The consumer-group machine with the member's I/O bound, its state published as
 * `eventlogging_consumer_state_info` and its restarts counted by error code.
 */
export function createGroupSupervisor(options: GroupSupervisorOptions): GroupSupervisor {
  const { role, logger, registry } = options;
  const restartsTotal = metricOnce(registry, 'eventlogging_consumer_restarts_total', () => new Counter({
    name: 'eventlogging_consumer_restarts_total', help: 'Consumer restarts by the supervisor, by error code.',
    labelNames: ['role', 'code'], registers: [registry],
  }));
  const groupState = metricOnce(registry, 'eventlogging_consumer_state_info', () => new Gauge({
    name: 'eventlogging_consumer_state_info', help: '1 for the current supervisor state of each consumer role.',
    labelNames: ['role', 'state'], registers: [registry],
  }));
  const actor = createActor(consumerGroupMachine.provide({
    actors: {
      connect: fromPromise(async () => {
        try {
          await options.connect();
        } catch (error) {
          throw classifyError(error, 'kafka');
        }
      }),
      disconnect: fromPromise(options.disconnect),
      drain: fromPromise(options.disconnect),
    },
  }), { input: options.input });
  let lastState = '';
  let lastRestarts = 0;
  actor.subscribe({
    next: (snapshot) => {
      const state = typeof snapshot.value === 'string' ? snapshot.value : Object.keys(snapshot.value)[0] ?? 'unknown';
      if (state !== lastState) {
        if (state === 'failed' && snapshot.context.lastError?.code === 'EL_KAFKA_AUTH') options.onAuthFailure();
        if (lastState) groupState.set({ role, state: lastState }, 0);
        groupState.set({ role, state }, 1);
        logger.info({ state, lastError: snapshot.context.lastError }, `consumer group ${options.input.group}: ${state}`);
        lastState = state;
      }
      if (snapshot.context.restarts > lastRestarts) {
        restartsTotal.inc({ role, code: snapshot.context.lastError?.code ?? 'EL_KAFKA_UNAVAILABLE' }, snapshot.context.restarts - lastRestarts);
        lastRestarts = snapshot.context.restarts;
      }
    },
    // The root actor's error observer: a supervisor bug must be loud, not a silent stop.
    error: (error) => logger.fatal({ err: error }, 'consumer group supervisor crashed'),
  });
  return { actor, state: () => lastState || 'connecting' };
}
