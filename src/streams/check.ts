/**
 * Stage `check` for a partition's raw records, in batches: records that arrive together (one
 * fetch) are checked as one job by an injected runner (the check thread, or the same code on this
 * thread), several jobs in flight at once, and each record comes out as its {@link Routed} mark in
 * offset order. A job that waits on a schema lookup holds back only the marks behind it. Errors
 * are data here; a runner that rejects means the infrastructure failed and ends the stream.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { KafkaRecord } from '../adapters/kafka/kafka-record.js';
import type { CheckResult } from '../roles/processor/check-batch.js';
import { routedOf } from '../roles/processor/check-job.js';
import type { Routed } from './produce.js';

/** What {@link check} needs. */
export interface CheckDeps {
  /** Checks and routes one batch of the partition's records, in order. */
  readonly run: (records: readonly KafkaRecord[]) => CheckResult | Promise<CheckResult>;
  /** Told of every result before its marks go on (metrics, the console's recent errors). */
  readonly onResult?: (result: CheckResult, records: readonly KafkaRecord[]) => void;
  /** Most records per job (default 1,000). */
  readonly maxBatch?: number;
  /** Jobs of one partition in flight at once (default 4). */
  readonly batchesInFlight?: number;
}

interface Job {
  readonly records: readonly KafkaRecord[];
  routed?: Routed[];
}

/** The batched check stage. */
export function check(deps: CheckDeps): OperatorFunction<KafkaRecord, Routed> {
  const maxBatch = Math.max(1, deps.maxBatch ?? 1000);
  const inFlightLimit = Math.max(1, deps.batchesInFlight ?? 4);
  return (source) => new Observable<Routed>((subscriber) => {
    let gathering: KafkaRecord[] = [];
    let flushQueued = false;
    /** Jobs in input order, from the oldest whose marks are not out yet. */
    const jobs: Job[] = [];
    let running = 0;
    let sourceDone = false;
    let closed = false;

    function finished(job: Job, result: CheckResult): void {
      if (closed) return;
      deps.onResult?.(result, job.records);
      job.routed = routedOf(job.records.map((r) => r.offset), result);
      running -= 1;
      pump();
    }

    function start(records: KafkaRecord[]): void {
      const job: Job = { records };
      jobs.push(job);
      running += 1;
      let result: CheckResult | Promise<CheckResult>;
      try {
        result = deps.run(records);
      } catch (error) {
        closed = true;
        subscriber.error(error);
        return;
      }
      if (result instanceof Promise) {
        result.then((r) => finished(job, r), (error: unknown) => {
          if (closed) return;
          closed = true;
          subscriber.error(error);
        });
      } else {
        finished(job, result);
      }
    }

    /** Emits finished jobs from the head, starts gathered records while there is room, completes at the end. */
    function pump(): void {
      while (!closed && jobs.length > 0 && jobs[0]!.routed !== undefined) {
        const job = jobs.shift()!;
        for (const r of job.routed!) {
          if (closed) return;
          subscriber.next(r);
        }
      }
      if (closed) return;
      while (gathering.length > 0 && running < inFlightLimit) {
        const records = gathering.length > maxBatch ? gathering.splice(0, maxBatch) : gathering;
        if (records === gathering) gathering = [];
        start(records);
        if (closed) return;
      }
      if (sourceDone && gathering.length === 0 && jobs.length === 0) subscriber.complete();
    }

    const subscription = source.subscribe({
      next(record) {
        gathering.push(record);
        if (gathering.length >= maxBatch && running < inFlightLimit) pump();
        else if (!flushQueued) {
          // Records of one fetch arrive in one synchronous burst: send them as one job.
          flushQueued = true;
          queueMicrotask(() => {
            flushQueued = false;
            pump();
          });
        }
      },
      error(error: unknown) {
        closed = true;
        subscriber.error(error);
      },
      complete() {
        sourceDone = true;
        pump();
      },
    });
    return () => {
      closed = true;
      subscription.unsubscribe();
    };
  });
}
