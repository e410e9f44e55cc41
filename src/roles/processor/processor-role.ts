import type { ProcessorConfig, RoleSpec } from '../../domain/config/role-config.js';
import { ElError } from '../../domain/errors.js';
import type { KafkaReaderUri } from '../../domain/config/uri.js';
import type { Role, RoleDeps, RoleFactory, RoleStatus } from '../../daemon/role.js';
import { createKafkaSource, type KafkaSource } from '../../adapters/kafka/kafka-source.js';
import type { KafkaSink } from '../../adapters/kafka/kafka-producer.js';
import { createProcessorCore, type ProcessorCore, type ProcessorCoreOptions } from './processor-core.js';
import { createProcessorMetrics } from './processor-metrics.js';
import { createRecentErrors } from '../../domain/event/recent-errors.js';
import { openProcessorOutputs, type OutputDeps } from './processor-outputs.js';
import { createProcessorPipeline } from './processor-pipeline.js';
import { createCheckThreads, type CheckThreads } from './check-thread-pool.js';
import { manageRoleLifecycle } from '../../actors/role-lifecycle.js';
import { authFailures } from '../../adapters/kafka/kafka-client.js';

/** Tuning and test seams of a processor role; the defaults are what production uses. */
export interface ProcessorRoleOptions extends ProcessorCoreOptions {
  /** Replaces the Kafka producers of Kafka outputs (tests). */
  readonly connectKafka?: OutputDeps['connectKafka'];
  /** Where `stdout://` outputs write (default: process.stdout). */
  readonly stdout?: NodeJS.WritableStream;
  readonly commitIntervalMs?: number;
  readonly lingerMs?: number;
  readonly maxBatch?: number;
  readonly sessionTimeoutMs?: number;
  readonly fromBeginning?: boolean;
  /**
   * Replaces `--check-threads` (benchmarks). The seams above that replace the loader, user-agent
   * parser or clock apply to the role's own thread only, so a role given any of them checks there.
   */
  readonly checkThreads?: number;
}

/** A running processor role, plus its domain side (tests and benchmarks look inside). */
export interface ProcessorRole extends Role {
  readonly core: ProcessorCore;
}

/**
 * Creates a processor role: a consumer group on the raw topic(s) whose per-partition pipelines
 * parse, validate, encapsulate and route each raw event and produce the results, committing the
 * raw offsets only after the produced messages are acknowledged. `start()` resolves at once: the
 * outputs connect in the background with capped backoff, and the consumer group starts only once
 * they are connected, so no raw record is taken while there is nowhere to put it.
 */
export function createProcessor(spec: RoleSpec, deps: RoleDeps, options: ProcessorRoleOptions = {}): ProcessorRole {
  if (spec.config.kind !== 'processor') throw new ElError('EL_CONFIG_INVALID', `${spec.file}: not a processor configuration`);
  const config: ProcessorConfig = spec.config;
  if (config.input.kind !== 'kafka-reader') {
    throw new ElError('EL_CONFIG_INVALID', `${spec.file}: a processor role reads kafka:///...?topics=T&identity=G (stdin:// and file:// are for the command line)`);
  }
  const input: KafkaReaderUri = config.input;
  const { logger, registry } = deps;
  const core = createProcessorCore(config, options);
  const metrics = createProcessorMetrics(registry, spec.name);
  const recentErrors = createRecentErrors();
  const clientId = `eventlogging-processor-${spec.name}`;

  let sink: KafkaSink | undefined;
  let source: KafkaSource | undefined;
  let checkThreads: CheckThreads | undefined;
  const seamed = options.loader !== undefined || options.userAgent !== undefined || options.clock !== undefined;
  const threadCount = seamed ? 0 : options.checkThreads ?? config.checkThreads;
  /** The connect under way, if any: closing waits for it. */

  /** Opens the outputs, then starts consuming: no raw record is taken while there is nowhere to put it. */
  async function open(signal: AbortSignal): Promise<void> {
    const opened = await openProcessorOutputs(core.plan, {
      logger: logger.child({ component: 'processor-producer' }),
      clientId,
      stdout: options.stdout ?? process.stdout,
      ...(options.connectKafka && { connectKafka: options.connectKafka }),
      onProducerRetry: (requests) => metrics.producerRetried(requests),
    });
    if (signal.aborted) {
      await opened.close();
      return;
    }
    sink = opened;
    // Started once: a later connect keeps the threads it already has.
    if (threadCount > 0) {
      checkThreads ??= createCheckThreads({ config, core, threads: threadCount, logger: logger.child({ component: 'check-thread' }), onThreadLost: () => metrics.checkThreadLost() });
    }
    source = createKafkaSource({
      endpoint: { brokers: input.brokers, clientId, client: input.client },
      group: input.identity,
      topics: input.topics,
      pipeline: createProcessorPipeline({
        core, sink: opened, metrics, recentErrors,
        ...(checkThreads && { checkThreads }),
        ...(options.lingerMs !== undefined && { lingerMs: options.lingerMs }),
        ...(options.maxBatch !== undefined && { maxBatch: options.maxBatch }),
      }),
      logger,
      registry,
      role: `${spec.kind}/${spec.name}`,
      highWater: config.maxInFlight,
      ...(options.commitIntervalMs !== undefined && { commitIntervalMs: options.commitIntervalMs }),
      ...(options.sessionTimeoutMs !== undefined && { sessionTimeoutMs: options.sessionTimeoutMs }),
      ...(options.fromBeginning !== undefined && { fromBeginning: options.fromBeginning }),
    });
    deps.lagMonitor?.watchSource(input.identity, source, input.brokers, input.client);
    source.start();
    logger.info({ group: input.identity, topics: input.topics, outputs: core.plan.endpoints.length }, 'processor outputs connected; consuming');
  }

  const lifecycle = manageRoleLifecycle(open, async () => {
    // Order matters: the source drains (every in-flight record produced and committed)
    // before the producers close.
    await source?.stop();
    await checkThreads?.close();
    await sink?.close();
  }, {
    logger, what: 'processor outputs', onFatal: deps.onFatal,
    onAuthFailure: () => authFailures(registry).inc({ role: `${spec.kind}/${spec.name}`, client: 'producer' }),
  });

  return {
    spec,
    core,
    async start() {
      lifecycle.start();
    },
    async stop() {
      await lifecycle.stop();
    },
    status(): RoleStatus {
      const state = lifecycle.state();
      const problem = lifecycle.problem();
      const sourceState = source?.state() ?? state;
      const ready = state === 'running' && source?.state() === 'running' && (sink?.connected() ?? false);
      return {
        kind: spec.kind,
        name: spec.name,
        state: state === 'running' ? sourceState : state,
        healthy: state !== 'failed' && sourceState !== 'failed',
        ready,
        ...((problem ?? source?.lastError()) && (state === 'failed' || sourceState === 'failed' || !ready)
          ? { problem: problem ?? `${source?.lastError()?.code}: ${source?.lastError()?.message}` } : {}),
        details: {
          group: input.identity,
          topics: input.topics,
          outputsConnected: sink?.connected() ?? false,
          restarts: source?.restarts() ?? 0,
          lastError: source?.lastError(),
          partitions: source?.partitions() ?? [],
          recentErrors: recentErrors.list(),
        },
      };
    },
  };
}

/** The daemon's factory for `DIR/processors/<name>` roles. */
export const createProcessorRole: RoleFactory = (spec, deps) => createProcessor(spec, deps);
