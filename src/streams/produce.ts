import { Observable, bufferTime, filter, map, mergeMap, type OperatorFunction } from 'rxjs';
import type { Logger } from 'pino';
import type { Completed } from '../adapters/kafka/kafka-record.js';
import type { KafkaSink, OutMessage } from '../adapters/kafka/kafka-producer.js';
import { backoffDelay } from '../supervision/backoff.js';

/** A processed record: what it turned into, and where it came from. */
export interface Routed {
  readonly offset: number;
  readonly messages: readonly OutMessage[];
}

/** What `produce` needs. */
export interface ProduceDeps {
  readonly sink: KafkaSink;
  readonly logger: Logger;
  /** Longest time a record waits for its batch to fill. */
  readonly lingerMs?: number;
  readonly maxBatch?: number;
  /** Batches of one partition sent concurrently; completion marks still come out in offset order. */
  readonly batchesInFlight?: number;
  /** Called after each acknowledged batch, for metrics. */
  readonly onProduced?: (messages: readonly OutMessage[], latencyMs: number) => void;
  readonly onRetry?: (error: Error, attempt: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Produces routed records in batches and emits a completion mark per acknowledged batch. A failed
 * send is retried with capped backoff for as long as it takes: while it waits, records pile up in
 * flight and the partition actor pauses the partition, so an outage stops reading, never drops data.
 * Up to `batchesInFlight` batches of a partition are sent at once (acks from all replicas take a
 * round trip each); their marks are released in offset order, so a commit never passes a batch
 * that is still unacknowledged.
 */
export function produce(deps: ProduceDeps): OperatorFunction<Routed, Completed> {
  const sleep = deps.sleep ?? defaultSleep;
  const send = (batch: readonly Routed[]) => new Observable<Completed>((subscriber) => {
    let cancelled = false;
    const messages = batch.flatMap((r) => r.messages);
    void (async () => {
      for (let attempt = 1; !cancelled; attempt += 1) {
        const started = performance.now();
        try {
          await deps.sink.send(messages);
          deps.onProduced?.(messages, performance.now() - started);
          subscriber.next({ offset: batch[batch.length - 1]!.offset, count: batch.length });
          subscriber.complete();
          return;
        } catch (error) {
          deps.onRetry?.(error as Error, attempt);
          deps.logger.warn({ err: error, attempt, messages: messages.length }, 'produce failed; retrying');
          await sleep(backoffDelay(attempt, 200, 10_000));
        }
      }
    })();
    return () => { cancelled = true; };
  });
  return (source) => source.pipe(
    bufferTime(deps.lingerMs ?? 5, null, deps.maxBatch ?? 1000),
    filter((batch) => batch.length > 0),
    map((batch, seq) => ({ batch, seq })),
    mergeMap(({ batch, seq }) => send(batch).pipe(map((mark) => ({ mark, seq }))), deps.batchesInFlight ?? 4),
    inOrder(),
  );
}

/** Re-sequences marks tagged with their batch number, releasing each only after all earlier ones. */
function inOrder(): OperatorFunction<{ mark: Completed; seq: number }, Completed> {
  return (source) => new Observable<Completed>((subscriber) => {
    const waiting = new Map<number, Completed>();
    let next = 0;
    return source.subscribe({
      next: ({ mark, seq }) => {
        waiting.set(seq, mark);
        for (let m = waiting.get(next); m !== undefined; m = waiting.get(next)) {
          waiting.delete(next);
          next += 1;
          subscriber.next(m);
        }
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
}
