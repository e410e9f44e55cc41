import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createActor, fromPromise } from 'xstate';
import type { IntakeConfig, RoleSpec } from '../../domain/config/role-config.js';
import { ElError } from '../../domain/errors.js';
import type { Role, RoleDeps, RoleFactory, RoleStatus } from '../../daemon/role.js';
import { buildIntakeApp, type ServerSideEvents } from '../../adapters/http/intake-app.js';
import { createFileSeqStore } from './file-seq-store.js';
import { createIntakeMetrics } from './intake-metrics.js';
import { createLineBatcher } from './line-batcher.js';
import { openIntakeOutput, type IntakeOutput } from './raw-output.js';
import { authFailures } from '../../adapters/kafka/kafka-client.js';
import { createSeqAllocator } from './seq-allocator.js';
import { serverSideEventsFromConfig } from './server-side-events.js';
import { roleLifecycleMachine } from '../../actors/role-lifecycle.machine.js';
import { lifecycleStateName, stopLifecycle, watchLifecycle } from '../../actors/role-lifecycle.js';

/** Tuning and test seams of an intake; the defaults are what production uses. */
export interface IntakeOptions {
  /** Wall clock for `dt`, ms since the epoch. */
  readonly clock?: () => number;
  readonly seqBlockSize?: number;
  /** Raw lines per produce request, and how long the first one waits for company. */
  readonly maxBatch?: number;
  readonly lingerMs?: number;
  /** Raw lines held in memory before beacons are refused with 503. */
  readonly maxBacklog?: number;
  /** How long `stop()` keeps trying to produce the backlog. */
  readonly drainTimeoutMs?: number;
  /** Replaces the output opened from the config (tests). */
  readonly output?: IntakeOutput;
  /** Replaces the `/v1/events` half built from the config (tests). */
  readonly events?: ServerSideEvents;
}

/** A running intake: a {@link Role} plus the address it listens on. */
export interface IntakeRole extends Role {
  /** `host:port` once listening (port 0 in the config picks a free port). */
  address(): string | undefined;
}

/**
 * Where the seqId high-water mark lives when `--seq-state` is not given: `.run/intake-<port>.seq`
 * under the working directory, one file per port so two intakes on one host never share a file.
 */
export function defaultSeqStatePath(config: Pick<IntakeConfig, 'port'>): string {
  return join('.run', `intake-${config.port}.seq`);
}

/**
 * Creates an intake role: serves `/beacon/event` and `/v1/events` on the configured host and port
 * and produces to the configured output. `start()` resolves once listening, not once connected:
 * the producer connects in the background with capped backoff, and until it is connected the
 * role is not ready and beacons are answered 503. `stop()` closes the HTTP server first (no new
 * beacons, in-flight requests finish), then drains the backlog, then disconnects.
 */
export function createIntake(spec: RoleSpec, deps: RoleDeps, options: IntakeOptions = {}): IntakeRole {
  if (spec.config.kind !== 'intake') throw new ElError('EL_CONFIG_INVALID', `${spec.file}: not an intake configuration`);
  const config = spec.config;
  const { logger } = deps;
  const clock = options.clock ?? Date.now;
  const metrics = createIntakeMetrics(deps.registry, spec.name);
  const output = options.output ?? openIntakeOutput(config.output, { logger: logger.child({ component: 'intake-producer' }), clientId: `eventlogging-intake-${spec.name}` });
  const seqStatePath = config.seqStatePath ?? defaultSeqStatePath(config);
  const seq = createSeqAllocator({
    store: createFileSeqStore(seqStatePath),
    ...(options.seqBlockSize !== undefined && { blockSize: options.seqBlockSize }),
    onError: (error) => logger.error({ err: error, seqStatePath }, 'cannot reserve the next seqId block'),
  });
  const batcher = createLineBatcher({
    send: (lines) => output.sendLines(lines),
    connected: () => output.connected(),
    maxBatch: options.maxBatch ?? 500,
    lingerMs: options.lingerMs ?? 5,
    maxBacklog: options.maxBacklog ?? 100_000,
    onSent: (count, seconds) => {
      metrics.beaconsProduced(count);
      metrics.produceLatency(seconds);
    },
    onSendFailed: (error, count) => logger.warn({ err: error, count }, 'producing raw lines failed; retrying'),
  });
  metrics.backlogFrom(() => batcher.backlog());
  const events: ServerSideEvents | undefined = options.events ?? serverSideEventsFromConfig(config, output, logger.child({ component: 'intake-events' }));

  let app: FastifyInstance | undefined;
  let boundAddress: string | undefined;
  /** seqId state that could not be read: the role cannot start. */
  let broken = false;

  const lifecycle = createActor(roleLifecycleMachine.provide({
    actors: {
      connect: fromPromise(async ({ signal }) => {
        await output.connect();
        // The role may have stopped while this connect was pending; its close skips a connect
        // it did not wait for, so this one closes what it opened.
        if (signal.aborted) {
          await output.close().catch(() => {});
          return;
        }
        logger.info({ output: config.output.kind }, 'intake output connected');
      }),
      close: fromPromise(async () => {
        // Order matters: no new beacons once we drain, and nothing left queued when we disconnect.
        await app?.close();
        // A connect still retrying is not waited for: lines are only accepted while connected,
        // so without a connection there is nothing to drain.
        const left = await batcher.drain(options.drainTimeoutMs ?? 10_000);
        if (left > 0) {
          metrics.beaconDropped('shutdown', left);
          logger.error({ dropped: left }, 'intake stopped with raw lines not produced');
        }
        await output.close();
      }),
    },
  }), { input: { backoffInitialMs: 200, backoffMaxMs: 5000 } });
  const lifecycleView = watchLifecycle(lifecycle, {
    logger, what: 'intake output', onFatal: deps.onFatal,
    onAuthFailure: () => authFailures(deps.registry).inc({ role: `${spec.kind}/${spec.name}`, client: 'producer' }),
  });
  lifecycle.start();
  const state = () => (broken ? 'failed' : lifecycleStateName(lifecycle.getSnapshot().value));

  const role: IntakeRole = {
    spec,
    address: () => boundAddress,
    async start() {
      if (state() !== 'created') return;
      try {
        await seq.start();
      } catch (error) {
        broken = true;
        throw error instanceof ElError ? error : new ElError('EL_CONFIG_INVALID', `seqId state ${seqStatePath}: ${(error as Error).message}`, { cause: error });
      }
      app = buildIntakeApp({
        recvFrom: config.recvFrom,
        maxQueryLength: config.maxQueryLength,
        clock,
        seq,
        produceRaw: (line) => batcher.offer(line),
        metrics,
        ...(events && { events }),
        logger,
      });
      lifecycle.send({ type: 'role.start' });
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      boundAddress = address && typeof address === 'object' ? `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}` : undefined;
      logger.info({ address: boundAddress, recvFrom: config.recvFrom, seqStatePath, firstSeqId: seq.status().next }, 'intake listening');
    },
    async stop() {
      await stopLifecycle(lifecycle);
    },
    status(): RoleStatus {
      const now = state();
      const problem = lifecycleView.problem();
      const ready = now === 'running' && output.connected() && batcher.healthy();
      return {
        kind: spec.kind,
        name: spec.name,
        state: now === 'running' && !batcher.healthy() ? 'degraded' : now,
        healthy: now !== 'failed',
        ready,
        ...(problem && { problem }),
        details: { address: boundAddress, recvFrom: config.recvFrom, backlog: batcher.backlog(), seq: seq.status(), serverSideEvents: events !== undefined },
      };
    },
  };
  return role;
}

/** The daemon's factory for `DIR/intakes/<name>` roles. */
export const createIntakeRole: RoleFactory = (spec, deps) => createIntake(spec, deps);
