import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { IntakeConfig, RoleSpec } from '../domain/role-config.js';
import { ElError } from '../domain/errors.js';
import type { Role, RoleDeps, RoleFactory, RoleStatus } from '../daemon/role.js';
import { buildIntakeApp, type ServerSideEvents } from '../http/intake-app.js';
import { createFileSeqStore } from './file-seq-store.js';
import { createIntakeMetrics } from './intake-metrics.js';
import { createLineBatcher } from './line-batcher.js';
import { openIntakeOutput, type IntakeOutput } from './raw-output.js';
import { authFailures } from '../kafka/kafka-client.js';
import { createSeqAllocator } from './seq-allocator.js';
import { serverSideEventsFromConfig } from './server-side-events.js';

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

  let state: 'created' | 'connecting' | 'running' | 'stopping' | 'stopped' | 'failed' = 'created';
  let app: FastifyInstance | undefined;
  let boundAddress: string | undefined;
  let stopRequested = false;
  let wakeConnect: (() => void) | undefined;
  let problem: string | undefined;

  async function connectLoop(): Promise<void> {
    let delay = 200;
    while (!stopRequested) {
      try {
        await output.connect();
        // stop() may have closed the output while this connect was pending.
        if (stopRequested) {
          await output.close().catch(() => {});
          return;
        }
        state = 'running';
        logger.info({ output: config.output.kind }, 'intake output connected');
        return;
      } catch (error) {
        // Refused credentials: the role shows failed and beacons are answered 503; retrying
        // with the same credentials only locks accounts.
        if (error instanceof ElError && error.code === 'EL_KAFKA_AUTH') {
          state = 'failed';
          problem = `${error.code}: ${error.message}`;
          authFailures(deps.registry).inc({ role: `${spec.kind}/${spec.name}`, client: 'producer' });
          logger.error({ err: error }, 'intake output refused by Kafka; not retrying');
          return;
        }
        logger.warn({ err: error, retryInMs: delay }, 'intake output not reachable; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wakeConnect = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  const role: IntakeRole = {
    spec,
    address: () => boundAddress,
    async start() {
      if (state !== 'created') return;
      state = 'connecting';
      try {
        await seq.start();
      } catch (error) {
        state = 'failed';
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
      void connectLoop();
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      boundAddress = address && typeof address === 'object' ? `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}` : undefined;
      logger.info({ address: boundAddress, recvFrom: config.recvFrom, seqStatePath, firstSeqId: seq.status().next }, 'intake listening');
    },
    async stop() {
      if (state === 'stopped' || state === 'stopping') return;
      state = 'stopping';
      stopRequested = true;
      wakeConnect?.();
      // Order matters: no new beacons once we drain, and nothing left queued when we disconnect.
      await app?.close();
      // A connect still retrying is not waited for: lines are only accepted while connected,
      // so without a connection there is nothing to drain.
      const left = await batcher.drain(options.drainTimeoutMs ?? 10_000);
      if (left > 0) {
        metrics.beaconDropped('shutdown', left);
        logger.error({ dropped: left }, 'intake stopped with raw lines not produced');
      }
      try {
        await output.close();
      } finally {
        state = 'stopped';
      }
    },
    status(): RoleStatus {
      const ready = state === 'running' && output.connected() && batcher.healthy();
      return {
        kind: spec.kind,
        name: spec.name,
        state: state === 'running' && !batcher.healthy() ? 'degraded' : state,
        healthy: state !== 'failed',
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
