/**
 * Stage `check` for a partition's raw records, in batches: records that arrive together (one
 * fetch) are checked as one job by an injected runner (the processor's check thread, or the same
 * code on this thread), several jobs in flight at once, and each record comes out as its
 * {@link Routed} mark in offset order. A job that waits on a schema lookup holds back only the
 * marks behind it. Errors are data here; a runner that rejects means the infrastructure failed
 * and ends the stream.
 */
import { mergeMap, type OperatorFunction } from 'rxjs';
import type { KafkaRecord } from '../adapters/kafka/kafka-record.js';
import { bursts } from './bursts.js';
import { orderedMap } from './ordered-map.js';
import type { Routed } from './produce.js';

/** What {@link check} needs. */
export interface CheckDeps {
  /** Checks and routes one batch of the partition's records: one mark per record, in order. */
  readonly run: (records: readonly KafkaRecord[]) => readonly Routed[] | Promise<readonly Routed[]>;
  /** Most records per job (default 1,000). */
  readonly maxBatch?: number;
  /** Jobs of one partition in flight at once (default 4). */
  readonly batchesInFlight?: number;
}

/**
 * The batched check stage: each burst of records is one job for the runner, at most
 * `batchesInFlight` jobs awaited at once (orderedMap), and every record's mark comes out in
 * offset order.
 */
export function check(deps: CheckDeps): OperatorFunction<KafkaRecord, Routed> {
  const maxBatch = Math.max(1, deps.maxBatch ?? 1000);
  const concurrency = Math.max(1, deps.batchesInFlight ?? 4);
  return (source) => source.pipe(
    bursts(maxBatch),
    orderedMap((records: KafkaRecord[]): readonly Routed[] | Promise<readonly Routed[]> => {
      try {
        return deps.run(records);
      } catch (error) {
        // A runner that throws failed like one that rejects: the stream ends with its error.
        return Promise.reject(error);
      }
    }, { concurrency }),
    mergeMap((marks) => marks),
  );
}
