/**
 * The processor's per-partition pipeline: raw Kafka records → check (parse, decode, capsule,
 * validate) → route → produce (acks from all in-sync replicas) → completion marks. A record's
 * offset completes only after every message it produced is acknowledged, so the Kafka source
 * commits raw offsets only behind durable output.
 */
import type { Observable } from 'rxjs';
import type { Completed, KafkaRecord, PartitionContext, PartitionPipeline } from '../../adapters/kafka/kafka-record.js';
import type { KafkaSink } from '../../adapters/kafka/kafka-producer.js';
import { produce, type Routed } from '../../streams/produce.js';
import { routeChecked, type Checked } from '../../streams/route.js';
import type { ProcessorCore } from './processor-core.js';
import type { ProcessorMetrics } from './processor-metrics.js';
import { orderedMap } from '../../streams/ordered-map.js';
import type { RecentErrors } from '../../domain/event/recent-errors.js';
import { check } from '../../streams/check.js';
import type { CheckThreads } from './check-thread-pool.js';
import type { CheckResult } from './check-batch.js';
import { routedOf } from './check-job.js';

/** Schema lookups one partition may await at once. */
const SCHEMA_LOOKUPS_PER_PARTITION = 8;

/** What {@link createProcessorPipeline} needs. */
export interface ProcessorPipelineDeps {
  readonly core: Pick<ProcessorCore, 'check' | 'route' | 'known'>;
  readonly sink: KafkaSink;
  readonly metrics?: ProcessorMetrics;
  /** Keeps the latest EventErrors for the console. */
  readonly recentErrors?: RecentErrors;
  /** Longest wait for a produce batch to fill (default 5 ms). */
  readonly lingerMs?: number;
  /** Records per produce batch (default 2,000). */
  readonly maxBatch?: number;
  /** Runs the domain path on check threads; absent: record by record on this thread. */
  readonly checkThreads?: CheckThreads;
}

/** Processes one record into its routed messages; synchronous unless its schema must be loaded. */
export function processRecord(deps: Pick<ProcessorPipelineDeps, 'core' | 'metrics' | 'recentErrors'>, record: KafkaRecord): Routed | Promise<Routed> {
  const checked = deps.core.check({ value: record.value, source: { topic: record.topic, partition: record.partition, offset: record.offset } });
  return checked instanceof Promise ? checked.then((c) => routed(deps, record.offset, c)) : routed(deps, record.offset, checked);
}

function routed(deps: Pick<ProcessorPipelineDeps, 'core' | 'metrics' | 'recentErrors'>, offset: number, checked: Checked): Routed {
  deps.metrics?.observe(checked, deps.core.known);
  if (checked.kind === 'failed') deps.recentErrors?.add(checked.error, Date.now(), checked.source);
  return { offset, messages: routeChecked(deps.core.route, checked) };
}

/** A check thread's result as the records' marks, counted and its EventErrors kept for the console. */
function marksOf(deps: Pick<ProcessorPipelineDeps, 'metrics' | 'recentErrors'>, records: readonly KafkaRecord[], result: CheckResult): Routed[] {
  deps.metrics?.tally(result.tally);
  const at = Date.now();
  for (const f of result.failures) deps.recentErrors?.add(f.error, at);
  return routedOf(records.map((r) => r.offset), result);
}

/** Builds the {@link PartitionPipeline} the Kafka source runs for each assigned raw partition. */
export function createProcessorPipeline(deps: ProcessorPipelineDeps): PartitionPipeline {
  const threads = deps.checkThreads;
  return (records: Observable<KafkaRecord>, context: PartitionContext): Observable<Completed> => records.pipe(
    threads !== undefined
      // A fetch's records go to a check thread as one job; jobs waiting on a schema lookup hold
      // back only the marks behind them.
      ? check({
        run: (batch) => {
          const result = threads.run(context.topic, context.partition, batch);
          return result instanceof Promise ? result.then((r) => marksOf(deps, batch, r)) : marksOf(deps, batch, result);
        },
      })
      // Records behind one whose schema is being fetched start their own lookups (up to eight at
      // once) instead of waiting in line: six unknown schemas once stalled a partition 6 × 5 s.
      : orderedMap((record: KafkaRecord) => processRecord(deps, record), { concurrency: SCHEMA_LOOKUPS_PER_PARTITION }),
    produce({
      sink: deps.sink,
      logger: context.logger,
      lingerMs: deps.lingerMs ?? 5,
      maxBatch: deps.maxBatch ?? 2000,
      onProduced: (messages, latencyMs) => deps.metrics?.produced(messages.length, latencyMs / 1000),
      onRetry: () => deps.metrics?.produceFailed(),
    }),
  );
}
